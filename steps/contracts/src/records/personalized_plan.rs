//! `prodenthub-personalized-plans`: a study plan for a performance cluster.

use campaigns_core::campaign::CampaignId;
use campaigns_core::cluster::{Cluster, ScoreReport};
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::purchase::is_zero;
use crate::Example;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PersonalizedPlan {
    pub plan_id: String,
    pub campaign_id: CampaignId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub score_report: ScoreReport,
    /// Object key of the uploaded report in the score-reports bucket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_report_key: Option<String>,
    /// What the rules chose.
    pub recommended_cluster: Cluster,
    /// What the user chose (a number, as the seed's GSI key is type N).
    pub selected_cluster: Cluster,
    pub price: Cents,
    pub status: PlanStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    /// How many checkout sessions were opened before the current one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkout_attempt: u32,
    /// The payment that activated the plan (a refund of it revokes access).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    /// Refunded so far, in cents (Stripe's `amount_refunded`): part of the
    /// price for a partial refund, all of it for a full one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<Cents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// `pending_payment` until Stripe reports; `active` grants access for the
/// selected cluster's months; `failed` and `expired` end unpaid; `refunded`
/// revokes access; `payment_review`: a payment came that is not the one
/// asked for, so nothing was granted until ops refund or accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    PendingPayment,
    Active,
    Failed,
    Expired,
    Refunded,
    PaymentReview,
}

impl Example for PersonalizedPlan {
    fn example() -> Self {
        PersonalizedPlan {
            amount_refunded: None,
            plan_id: "plan_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            campaign_id: CampaignId::PersonalizedPlan,
            email: "sam.lee@example.com".into(),
            first_name: "Sam".into(),
            last_name: "Lee".into(),
            score_report: ScoreReport::example(),
            score_report_key: Some("score-reports/2025/03/rep_01JH3Z8Q4W6T2V9K5M7N1P3R.pdf".into()),
            recommended_cluster: Cluster::ClinicalKnowledgeGap,
            selected_cluster: Cluster::ClinicalKnowledgeGap,
            price: Cents(17_900),
            status: PlanStatus::Active,
            created_at: "2025-03-12T10:00:00Z".parse().expect("valid timestamp"),
            stripe_checkout_session_id: Some("cs_test_c3D4e5F6".into()),
            checkout_attempt: 0,
            payment_intent_id: Some("pi_3QdefSam".into()),
            activated_at: Some("2025-03-12T10:06:00Z".parse().expect("valid timestamp")),
            expires_at: Some("2025-06-12T10:06:00Z".parse().expect("valid timestamp")),
        }
    }
}
