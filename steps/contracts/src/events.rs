//! The events this system publishes to the main ProDentHub platform: one per
//! change of a customer's access (docs/access-events.md).

use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// The `source` of every event this system publishes.
pub const ACCESS_EVENT_SOURCE: &str = "prodenthub.campaigns";

/// What happened to the access (the event's `detail-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AccessEventType {
    /// A payment settled: the access starts.
    AccessGranted,
    /// A full refund or a lost dispute: the access ends at `accessEndsAt`.
    AccessRevoked,
    /// A dispute of the payment was opened: no access until it closes.
    AccessSuspended,
    /// The dispute was won: the access is back until `accessEndsAt`.
    AccessRestored,
}

impl AccessEventType {
    /// The name in the event's `detail-type`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessEventType::AccessGranted => "AccessGranted",
            AccessEventType::AccessRevoked => "AccessRevoked",
            AccessEventType::AccessSuspended => "AccessSuspended",
            AccessEventType::AccessRestored => "AccessRestored",
        }
    }
}

/// An access event, as the platform receives it: EventBridge's envelope
/// (which adds `version`, `account`, `region` and `resources`, and puts an
/// id of its own in `id`) around the detail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccessEvent {
    /// Locally the detail's `eventId`; on AWS EventBridge's own id. Dedupe
    /// on `detail.eventId`, which is the same on every delivery.
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: AccessEventType,
    /// Always `prodenthub.campaigns`.
    pub source: String,
    /// When the access changed.
    pub time: DateTime<Utc>,
    pub detail: AccessEventDetail,
}

/// The access after the change, and what it was paid by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessEventDetail {
    /// The same for every delivery of one change, and different for every
    /// change: `{grantId}.granted`, `{grantId}.revoked`,
    /// `{grantId}.suspended.{disputeId}`, `{grantId}.restored.{disputeId}`.
    pub event_id: String,
    /// The access: one per email, record and team member.
    pub grant_id: String,
    /// The customer's email, lower case.
    pub email: String,
    pub product_id: ProductId,
    /// The plan in Stripe's metadata (`full-6months`, …).
    pub plan_type: String,
    pub access_starts_at: DateTime<Utc>,
    /// When the access ends; for a revocation, when it ended.
    pub access_ends_at: DateTime<Utc>,
    pub campaign_id: CampaignId,
    /// The record paid for (`pur_…`, `team_…`, `sch_…`, `plan_…`).
    pub record_id: String,
    /// Stripe's PaymentIntent; absent for a free order (a 100 % coupon).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    /// Stripe's dispute, for a suspension, a restoration and a revocation by
    /// a lost dispute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute_id: Option<String>,
}

impl AccessEvent {
    /// The event of `detail`, as of `time`.
    pub fn new(
        detail_type: AccessEventType,
        detail: AccessEventDetail,
        time: DateTime<Utc>,
    ) -> AccessEvent {
        AccessEvent {
            id: detail.event_id.clone(),
            detail_type,
            source: ACCESS_EVENT_SOURCE.to_owned(),
            time,
            detail,
        }
    }
}

impl Example for AccessEvent {
    fn example() -> Self {
        AccessEvent::new(
            AccessEventType::AccessGranted,
            AccessEventDetail {
                event_id: "grant_pur_01JH3Z8Q4W6T2V9K5M7N1P3R.granted".into(),
                grant_id: "grant_pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
                email: "buyer@example.com".into(),
                product_id: ProductId::Full6Months,
                plan_type: "full-6months".into(),
                access_starts_at: "2025-03-10T08:04:12Z".parse().expect("valid timestamp"),
                access_ends_at: "2025-09-10T08:04:12Z".parse().expect("valid timestamp"),
                campaign_id: CampaignId::DiscountPurchase,
                record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
                payment_intent_id: Some("pi_3QabcLena".into()),
                dispute_id: None,
            },
            "2025-03-10T08:04:12Z".parse().expect("valid timestamp"),
        )
    }
}
