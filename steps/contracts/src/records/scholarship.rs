//! `prodenthub-scholarships`: an application, its calculation and decision.

use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_core::scholarship::ScholarshipCalculation;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
    pub application: ScholarshipInput,
    pub calculation: ScholarshipCalculation,
    pub status: ScholarshipStatus,
    /// The price of 3 months' access after the scholarship.
    pub price: Cents,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer_note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_expires_at: Option<DateTime<Utc>>,
}

/// `pending_review` waits for a reviewer (over 30 %); `approved` waits for
/// payment; `paid` has access; `declined` and `expired` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScholarshipStatus {
    PendingReview,
    Approved,
    Declined,
    Paid,
    Expired,
}

impl Example for Scholarship {
    fn example() -> Self {
        let application = ScholarshipInput::example();
        let calculation = application.calculate().expect("the example input is valid");
        Scholarship {
            scholarship_id: "sch_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            campaign_id: CampaignId::ScholarshipApplication,
            email: "amira.haddad@example.com".into(),
            first_name: "Amira".into(),
            last_name: "Haddad".into(),
            price: calculation.price,
            application,
            calculation,
            status: ScholarshipStatus::PendingReview,
            created_at: "2025-02-03T09:15:00Z".parse().expect("valid timestamp"),
            decided_at: None,
            reviewer_note: None,
            stripe_checkout_session_id: None,
            paid_at: None,
            access_expires_at: None,
        }
    }
}
