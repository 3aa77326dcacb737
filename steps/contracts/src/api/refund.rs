//! `POST /refunds`: an admin refunds a payment, in full or in part.

use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// Refunds the payment of one record (or one member's share of a team).
/// Requires an `Idempotency-Key`: the same key refunds once, however often
/// the request is sent; another key is another refund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRefundRequest {
    pub campaign_id: CampaignId,
    #[schemars(length(min = 1, max = 64))]
    pub record_id: String,
    /// For a team: whose share to refund.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub member_id: Option<String>,
    /// How much, in dollars; absent, everything not yet refunded. A partial
    /// refund keeps the access; refunding the rest ends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Cents>,
    pub reason: RefundReason,
    /// Why, in the operator's words; kept with the refund in Stripe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 500))]
    pub note: Option<String>,
}

/// Stripe's reasons for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
}

/// The refund made. The record and the access change when Stripe's
/// `charge.refunded` event arrives, moments later.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefundResponse {
    /// Stripe's refund id (`re_…`).
    pub refund_id: String,
    pub campaign_id: CampaignId,
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    pub payment_intent_id: String,
    /// Refunded by this refund, in dollars.
    pub amount: Cents,
    /// Refunded by this and every earlier refund, in dollars.
    pub total_refunded: Cents,
    /// Paid, in dollars.
    pub amount_paid: Cents,
    /// Stripe's status of the refund (`succeeded`, `pending`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

impl Example for CreateRefundRequest {
    fn example() -> Self {
        CreateRefundRequest {
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            member_id: None,
            amount: Some(Cents(5_000)),
            reason: RefundReason::RequestedByCustomer,
            note: Some("Goodwill refund after a late start".into()),
        }
    }
}

impl Example for RefundResponse {
    fn example() -> Self {
        RefundResponse {
            refund_id: "re_3QabcLena".into(),
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            member_id: None,
            payment_intent_id: "pi_3QabcLena".into(),
            amount: Cents(5_000),
            total_refunded: Cents(5_000),
            amount_paid: Cents(20_930),
            status: Some("succeeded".into()),
        }
    }
}
