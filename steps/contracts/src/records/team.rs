//! `prodenthub-teams`: one team plan split between 2–5 members.

use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::purchase::is_zero;
use crate::Example;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub team_id: String,
    pub campaign_id: CampaignId,
    pub leader_email: String,
    pub leader_first_name: String,
    pub leader_last_name: String,
    pub country: String,
    /// Every member who pays a share; the leader is the first.
    pub members: Vec<TeamMember>,
    pub total_members: u32,
    /// The catalog's `planType` metadata (`full-6months`).
    pub plan_type: String,
    pub total_amount: Cents,
    /// The largest share; shares differ by at most one cent.
    pub price_per_member: Cents,
    pub status: TeamStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When unpaid shares are released and the team ends `expired`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_deadline: Option<DateTime<Utc>>,
    /// The leader's Checkout Session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TeamMember {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    pub name: String,
    pub email: String,
    pub status: MemberStatus,
    pub share_amount: Cents,
    /// The member's current Checkout Session (the leader's is also the team's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    /// How many checkout sessions were opened for this share before the current one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkout_attempt: u32,
    /// The authorization, captured when the team completes or cancelled at the deadline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_payment_intent_id: Option<String>,
    /// When Stripe reported a full refund of this share (its access is
    /// revoked then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded_at: Option<DateTime<Utc>>,
    /// Refunded so far, in cents (Stripe's `amount_refunded`): part of the
    /// price for a partial refund, all of it for a full one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<Cents>,
}

/// A team's life: shares are authorized while `pending_payment`, captured
/// together into `fully_paid`, or all released into `expired`. `cancelled`:
/// the team could not be offered for payment, or every captured share was
/// refunded. `payment_review`: a share was paid with a payment that is not
/// the one asked for; the team stops collecting, nothing is captured and
/// every authorization is left as it is until ops decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TeamStatus {
    PendingPayment,
    FullyPaid,
    Expired,
    Cancelled,
    PaymentReview,
}

/// A member's share: `authorized` holds the card (manual capture), `paid`
/// after capture, `cancelled` when the authorization was released,
/// `payment_review` when what was authorized is not the share asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    Pending,
    Authorized,
    Paid,
    Cancelled,
    PaymentReview,
}

impl Example for Team {
    fn example() -> Self {
        serde_json::from_value(serde_json::json!({
            "teamId": "team_01JH3Z8Q4W6T2V9K5M7N1P3R",
            "campaignId": "team-creation",
            "leaderEmail": "leader@example.com",
            "leaderFirstName": "John",
            "leaderLastName": "Doe",
            "country": "Australia",
            "members": [
                {"memberId": "mem_01JH3Z8Q4W6T2V9K5M7N1P3S", "name": "John Doe", "email": "leader@example.com", "status": "paid", "shareAmount": 99.67, "stripePaymentIntentId": "pi_3QabcLeader"},
                {"memberId": "mem_01JH3Z8Q4W6T2V9K5M7N1P3T", "name": "Jane Smith", "email": "jane@example.com", "status": "paid", "shareAmount": 99.67, "stripePaymentIntentId": "pi_3QabcJane"},
                {"memberId": "mem_01JH3Z8Q4W6T2V9K5M7N1P3V", "name": "Ravi Patel", "email": "ravi@example.com", "status": "paid", "shareAmount": 99.66, "stripePaymentIntentId": "pi_3QabcRavi"}
            ],
            "totalMembers": 3,
            "planType": "full-6months",
            "totalAmount": 299.0,
            "pricePerMember": 99.67,
            "status": "fully_paid",
            "createdAt": "2025-01-06T10:30:00Z",
            "activatedAt": "2025-01-06T11:00:00Z",
            "expiresAt": "2025-07-06T11:00:00Z",
            "paymentDeadline": "2025-01-12T10:30:00Z",
            "stripeCheckoutSessionId": "cs_test_a1B2c3D4"
        }))
        .expect("the team example is a valid team")
    }
}
