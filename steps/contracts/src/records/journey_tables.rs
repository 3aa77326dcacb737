//! The tables the journeys add to the seed's nine (see docs/decisions.md).

use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// A Stripe event id, recorded once: a redelivery is acknowledged and ignored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub received_at: DateTime<Utc>,
    /// Epoch seconds after which the record may be dropped (Stripe stops
    /// redelivering after three days).
    pub ttl: i64,
}

/// How a checkout ended, as the journey waiting for it needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentResult {
    /// Paid (automatic capture) or authorized (manual capture).
    Succeeded,
    /// The payment was declined or the delayed method failed.
    Failed,
    /// The session expired unpaid.
    Expired,
}

/// What Stripe reported about a checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentOutcome {
    pub result: PaymentResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Cents>,
    /// The currency paid in, lower case as Stripe writes it (`aud`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The checkout session that settled it.
    pub checkout_session_id: String,
    /// The Stripe event that settled it.
    pub event_id: String,
}

/// The rendezvous of a journey waiting for a payment and the webhook that
/// reports it, keyed by what is being paid for (a record, or one member's
/// share of a team) rather than by checkout session, because a payer may
/// ask for a fresh session while the journey waits. Whichever side arrives
/// second finds the other's half and resumes the journey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentWait {
    /// `recordId`, or `recordId/memberId` for a team share.
    pub wait_id: String,
    pub campaign_id: CampaignId,
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    /// The waiting execution's task token, once it waits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_token: Option<String>,
    /// Stripe's final word, once it came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<PaymentOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    pub ttl: i64,
}

/// Paid access to a product for a period: what "activate user access in the
/// main ProDentHub database" writes. A full refund or a lost dispute ends it;
/// an open dispute suspends it until it is won.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessGrant {
    pub grant_id: String,
    pub email: String,
    pub product_id: ProductId,
    pub campaign_id: CampaignId,
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: AccessGrantStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The last dispute of the payment, once one was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<GrantDispute>,
}

/// A dispute (chargeback) of the payment behind a grant, as the webhook
/// last saw it. Kept so that its events apply once and in order: a
/// `charge.dispute.created` delivered after the dispute closed changes
/// nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrantDispute {
    /// Stripe's dispute id (`du_…`).
    pub dispute_id: String,
    pub status: DisputeStatus,
    /// When the access was suspended for it.
    pub opened_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
}

/// Where a dispute stands: open until the card issuer decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisputeStatus {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessGrantStatus {
    Active,
    /// A dispute of its payment is open: no access until it is won.
    Suspended,
    Revoked,
}

/// The first response to a create request with an `Idempotency-Key`; a retry
/// with the same key and body gets it again, another body gets a 409.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IdempotencyRecord {
    /// The operation and the client's key, e.g. `createTeam:3f9a…`.
    pub idempotency_key: String,
    /// SHA-256 of the request body, hex.
    pub request_hash: String,
    pub status: u16,
    pub response: serde_json::Value,
    pub created_at: DateTime<Utc>,
    /// While the first request runs: when its claim lapses (its process may
    /// have died) and a retry may take the key over and run the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub ttl: i64,
}

impl Example for WebhookEvent {
    fn example() -> Self {
        WebhookEvent {
            event_id: "evt_1QabcDEFghiJKL".into(),
            event_type: "checkout.session.completed".into(),
            received_at: "2025-03-10T08:04:12Z".parse().expect("valid timestamp"),
            ttl: 1_741_853_052,
        }
    }
}

impl Example for PaymentWait {
    fn example() -> Self {
        PaymentWait {
            wait_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            member_id: None,
            task_token: Some("AQCEAAAAKgAAAAMAAAAAAAAAAb3xPq".into()),
            outcome: Some(PaymentOutcome {
                result: PaymentResult::Succeeded,
                payment_intent_id: Some("pi_3QabcLena".into()),
                amount: Some(Cents(15_920)),
                currency: Some("aud".into()),
                checkout_session_id: "cs_test_b2C3d4E5".into(),
                event_id: "evt_1QabcDEFghiJKL".into(),
            }),
            delivered_at: Some("2025-03-10T08:04:13Z".parse().expect("valid timestamp")),
            ttl: 1_742_371_453,
        }
    }
}

impl Example for AccessGrant {
    fn example() -> Self {
        AccessGrant {
            grant_id: "grant_pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            email: "buyer@example.com".into(),
            product_id: ProductId::Full6Months,
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            payment_intent_id: Some("pi_3QabcLena".into()),
            starts_at: "2025-03-10T08:04:12Z".parse().expect("valid timestamp"),
            ends_at: "2025-09-10T08:04:12Z".parse().expect("valid timestamp"),
            status: AccessGrantStatus::Active,
            revoked_at: None,
            dispute: None,
        }
    }
}

impl Example for IdempotencyRecord {
    fn example() -> Self {
        IdempotencyRecord {
            idempotency_key: "createPurchase:8d1f0c2e-5b7a-4f61-9a0e-3c2d1b4a5f6e".into(),
            request_hash: "9b74c9897bac770ffc029102a200c5de5b5d3c4e1f0a2b3c4d5e6f708192a3b4".into(),
            status: 201,
            response: serde_json::json!({"purchaseId": "pur_01JH3Z8Q4W6T2V9K5M7N1P3R"}),
            created_at: "2025-03-10T08:00:00Z".parse().expect("valid timestamp"),
            lease_expires_at: None,
            ttl: 1_741_680_000,
        }
    }
}
