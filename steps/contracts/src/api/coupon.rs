//! `POST /coupons/validate` and `POST /purchases/create`.

use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ApiError, CheckoutSession, Email, PersonName};
use crate::Example;
use crate::records::PurchaseStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidateCouponRequest {
    /// Trimmed and compared case-insensitively.
    #[schemars(length(min = 1, max = 40))]
    pub coupon_code: String,
    /// The buyer, for the per-user limit.
    pub email: Email,
    /// One of the four standard plans.
    pub product_id: ProductId,
}

/// A coupon that does not apply is an answer, not an error: `valid` is false
/// and `reason` says which rule failed (e.g. `COUPON_EXPIRED`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidateCouponResponse {
    pub valid: bool,
    pub coupon_code: String,
    pub product_id: ProductId,
    pub original_price: Cents,
    pub discount_amount: Cents,
    pub final_price: Cents,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<ApiError>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePurchaseRequest {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub product_id: ProductId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 40))]
    pub coupon_code: Option<String>,
}

/// A purchase whose final price is zero is `paid` at once and has no checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePurchaseResponse {
    pub purchase_id: String,
    /// Needed to read the purchase (`X-Access-Token`); shown once.
    pub access_token: String,
    pub status: PurchaseStatus,
    pub original_price: Cents,
    pub discount_amount: Cents,
    pub final_price: Cents,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout: Option<CheckoutSession>,
}

impl Example for ValidateCouponRequest {
    fn example() -> Self {
        ValidateCouponRequest {
            coupon_code: "save20".into(),
            email: "buyer@example.com".into(),
            product_id: ProductId::Full6Months,
        }
    }
}

impl Example for ValidateCouponResponse {
    fn example() -> Self {
        ValidateCouponResponse {
            valid: true,
            coupon_code: "SAVE20".into(),
            product_id: ProductId::Full6Months,
            original_price: Cents(19_900),
            discount_amount: Cents(3_980),
            final_price: Cents(15_920),
            reason: None,
        }
    }
}

impl Example for CreatePurchaseRequest {
    fn example() -> Self {
        CreatePurchaseRequest {
            email: "buyer@example.com".into(),
            first_name: "Lena".into(),
            last_name: "Nguyen".into(),
            product_id: ProductId::Full6Months,
            coupon_code: Some("SAVE20".into()),
        }
    }
}

impl Example for CreatePurchaseResponse {
    fn example() -> Self {
        CreatePurchaseResponse {
            purchase_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            access_token: "tok_1b2c3d4e5f60718293a4b5c6d7e8f90a".into(),
            status: PurchaseStatus::PendingPayment,
            original_price: Cents(19_900),
            discount_amount: Cents(3_980),
            final_price: Cents(15_920),
            checkout: Some(CheckoutSession::example()),
        }
    }
}
