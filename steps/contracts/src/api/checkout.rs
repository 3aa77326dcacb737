//! `POST /checkout/create`, `POST /checkout/verify` and `GET /checkout/cancel`:
//! the universal routes.

use campaigns_core::campaign::CampaignId;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// A Stripe Checkout Session the frontend redirects to. It lives at most
/// 24 hours; emails link to the frontend, which asks for a fresh one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutSession {
    pub session_id: String,
    pub checkout_url: String,
    pub expires_at: DateTime<Utc>,
}

/// Asks for a checkout of an existing record. There is no amount: the server
/// derives it from the record, so no client sets its own price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCheckoutRequest {
    pub campaign_id: CampaignId,
    #[schemars(length(min = 1, max = 64))]
    pub record_id: String,
    /// For a team: whose share to pay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub member_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyCheckoutRequest {
    #[schemars(length(min = 1, max = 255), regex(pattern = r"^cs_[A-Za-z0-9_]+$"))]
    pub session_id: String,
}

/// What the success page shows after Stripe redirects back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyCheckoutResponse {
    pub session_id: String,
    pub campaign_id: CampaignId,
    pub record_id: String,
    /// Stripe's session status: `open`, `complete` or `expired`.
    pub status: String,
    /// Stripe's payment status: `paid`, `unpaid` or `no_payment_required`.
    pub payment_status: String,
    /// The record's own status after the payment was processed.
    pub record_status: String,
}

/// The query of `GET /checkout/cancel`, the cancel link of every Checkout
/// Session: the payer backed out. The link carries its own token, which
/// opens only this (the payee's checkout), not the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelCheckoutQuery {
    pub campaign_id: CampaignId,
    #[schemars(length(min = 1, max = 64))]
    pub record_id: String,
    /// For a team: whose share's checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 64))]
    pub member_id: Option<String>,
    #[schemars(length(min = 1, max = 255))]
    pub token: String,
}

/// The answer to a cancel link: `303 See Other` to the frontend's page,
/// named in `Location` and here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutCancelled {
    pub location: String,
    /// Whether backing out gave back what the checkout held (a coupon use,
    /// a seat) at once; campaigns that give the payer days hold nothing.
    pub released: bool,
}

impl Example for CancelCheckoutQuery {
    fn example() -> Self {
        CancelCheckoutQuery {
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            member_id: None,
            token: "tok_0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
        }
    }
}

impl Example for CheckoutCancelled {
    fn example() -> Self {
        CheckoutCancelled {
            location: "https://prodenthub.com.au/checkout/cancel?campaign=discount-purchase&record=pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            released: true,
        }
    }
}

impl Example for CheckoutSession {
    fn example() -> Self {
        CheckoutSession {
            session_id: "cs_test_a1B2c3D4".into(),
            checkout_url: "https://checkout.stripe.com/c/pay/cs_test_a1B2c3D4".into(),
            expires_at: "2025-01-07T10:30:00Z".parse().expect("valid timestamp"),
        }
    }
}

impl Example for CreateCheckoutRequest {
    fn example() -> Self {
        CreateCheckoutRequest {
            campaign_id: CampaignId::TeamCreation,
            record_id: "team_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            member_id: Some("mem_01JH3Z8Q4W6T2V9K5M7N1P3T".into()),
        }
    }
}

impl Example for VerifyCheckoutRequest {
    fn example() -> Self {
        VerifyCheckoutRequest {
            session_id: "cs_test_a1B2c3D4".into(),
        }
    }
}

impl Example for VerifyCheckoutResponse {
    fn example() -> Self {
        VerifyCheckoutResponse {
            session_id: "cs_test_a1B2c3D4".into(),
            campaign_id: CampaignId::DiscountPurchase,
            record_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            status: "complete".into(),
            payment_status: "paid".into(),
            record_status: "paid".into(),
        }
    }
}
