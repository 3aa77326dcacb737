//! `prodenthub-discount-purchases`: a standard plan bought with a coupon.

use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscountPurchase {
    pub purchase_id: String,
    pub campaign_id: CampaignId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub product_id: ProductId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    pub original_price: Cents,
    pub discount_amount: Cents,
    pub final_price: Cents,
    pub status: PurchaseStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    /// How many checkout sessions were opened before the current one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkout_attempt: u32,
    /// The coupon use reserved for this purchase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_usage_id: Option<String>,
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

pub(crate) fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// `pending_payment` until Stripe reports; `paid` grants access; `failed`
/// and `expired` release the coupon; `refunded` revokes access;
/// `payment_review`: a payment came that is not the one asked for (another
/// session, amount or currency), so nothing was granted and the coupon use
/// is still held until ops refund or accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseStatus {
    PendingPayment,
    Paid,
    Failed,
    Expired,
    Refunded,
    PaymentReview,
}

impl Example for DiscountPurchase {
    fn example() -> Self {
        DiscountPurchase {
            amount_refunded: None,
            purchase_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            campaign_id: CampaignId::DiscountPurchase,
            email: "buyer@example.com".into(),
            first_name: "Lena".into(),
            last_name: "Nguyen".into(),
            product_id: ProductId::Full6Months,
            coupon_code: Some("SAVE20".into()),
            original_price: Cents(19_900),
            discount_amount: Cents(3_980),
            final_price: Cents(15_920),
            status: PurchaseStatus::Paid,
            created_at: "2025-03-10T08:00:00Z".parse().expect("valid timestamp"),
            stripe_checkout_session_id: Some("cs_test_b2C3d4E5".into()),
            checkout_attempt: 0,
            coupon_usage_id: Some("SAVE20#buyer@example.com#1".into()),
            payment_intent_id: Some("pi_3QabcLena".into()),
            paid_at: Some("2025-03-10T08:04:12Z".parse().expect("valid timestamp")),
            access_expires_at: Some("2025-09-10T08:04:12Z".parse().expect("valid timestamp")),
        }
    }
}
