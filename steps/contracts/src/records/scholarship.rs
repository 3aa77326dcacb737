//! `prodenthub-scholarships`: an application, its calculation and decision.

use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_core::scholarship::ScholarshipCalculation;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::purchase::is_zero;
use crate::Example;
use crate::api::ScholarshipInput;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Scholarship {
    pub scholarship_id: String,
    pub campaign_id: CampaignId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// What the applicant declared; the calculation is derived from it.
    /// Removed, with the calculation's components, 90 days after the
    /// decision (it tells income, employment and refugee status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<ScholarshipInput>,
    /// Why the applicant asks, for the reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    pub calculation: ScholarshipCalculation,
    pub status: ScholarshipStatus,
    /// The price of 3 months' access after the scholarship.
    pub price: Cents,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_note: Option<String>,
    /// The task token of the journey's wait for a reviewer, while it waits;
    /// the API never shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_task_token: Option<String>,
    /// When the journey stops waiting for the payment (set on approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_by: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    /// How many checkout sessions were opened before the current one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkout_attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    /// Refunded so far, in cents (Stripe's `amount_refunded`): part of the
    /// price for a partial refund, all of it for a full one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<Cents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expires_at: Option<DateTime<Utc>>,
}

/// `pending_review` until decided (at once up to 30 %, else by a reviewer);
/// `approved` waits for payment; `paid` has access; `declined`, `expired`
/// (not paid in time) and `failed` (a delayed payment failed) are final;
/// `refunded` had its access revoked; `payment_review`: a payment came that
/// is not the one asked for, so nothing was granted until ops refund or
/// accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScholarshipStatus {
    PendingReview,
    Approved,
    Declined,
    Paid,
    Expired,
    Failed,
    Refunded,
    PaymentReview,
}

impl Example for Scholarship {
    fn example() -> Self {
        let application = ScholarshipInput::example();
        let calculation = application.calculate().expect("the example input is valid");
        Scholarship {
            amount_refunded: None,
            scholarship_id: "sch_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            campaign_id: CampaignId::ScholarshipApplication,
            email: "amira.haddad@example.com".into(),
            first_name: "Amira".into(),
            last_name: "Haddad".into(),
            price: calculation.price,
            application: Some(application),
            statement: Some("I work part-time while preparing for the ADC written exam.".into()),
            calculation,
            status: ScholarshipStatus::PendingReview,
            created_at: "2025-02-03T09:15:00Z".parse().expect("valid timestamp"),
            decided_at: None,
            reviewer_note: None,
            review_task_token: None,
            pay_by: None,
            stripe_checkout_session_id: None,
            checkout_attempt: 0,
            payment_intent_id: None,
            paid_at: None,
            access_expires_at: None,
        }
    }
}
