//! Coupons: the seed's coupon record, the checks a redemption must pass, and
//! the discount arithmetic.
//!
//! Stripe's coupon rules are the model: a percentage off (capped here by
//! `maxDiscount`) or a fixed amount off that never takes the price below zero.
//! A final price of zero activates the purchase without going through Stripe.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalog::PlanFamily;
use crate::money::Cents;

/// A coupon as stored in `prodenthub-coupons` (field names as in the seed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Coupon {
    /// Stored trimmed and in upper case; codes are case-insensitive.
    pub coupon_code: String,
    /// The seed's `type` and `value` fields.
    #[serde(flatten)]
    pub discount: CouponDiscount,
    /// The price must be at least this much.
    pub min_purchase: Cents,
    /// Caps the discount; without it a percentage coupon is uncapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_discount: Option<Cents>,
    /// First instant the coupon can be used.
    pub valid_from: DateTime<Utc>,
    /// Last instant the coupon can be used.
    pub valid_until: DateTime<Utc>,
    /// Total redemptions allowed across all buyers.
    pub usage_limit: u32,
    /// Redemptions so far (confirmed and reserved).
    pub usage_count: u32,
    /// Redemptions allowed per buyer.
    pub per_user_limit: u32,
    /// The standard plans the coupon applies to.
    #[schemars(length(min = 1))]
    pub applicable_plans: Vec<PlanFamily>,
    pub status: CouponStatus,
}

/// What a coupon takes off: `{"type": "percentage", "value": 20}` or
/// `{"type": "fixed", "value": 15.5}` (dollars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum CouponDiscount {
    Percentage(Percent),
    Fixed(Cents),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CouponStatus {
    Active,
    Inactive,
}

/// A whole percentage from 1 to 100, as Stripe's `percent_off` allows.
/// Anything else is rejected when the coupon is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Percent(u32);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a percentage coupon's value must be a whole number from 1 to 100, got {0}")]
pub struct InvalidPercent(pub u32);

impl InvalidPercent {
    pub fn code(&self) -> &'static str {
        "COUPON_INVALID_PERCENTAGE"
    }
}

impl Percent {
    pub fn new(value: u32) -> Result<Percent, InvalidPercent> {
        if (1..=100).contains(&value) {
            Ok(Percent(value))
        } else {
            Err(InvalidPercent(value))
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Percent {
    type Error = InvalidPercent;
    fn try_from(value: u32) -> Result<Percent, InvalidPercent> {
        Percent::new(value)
    }
}

impl From<Percent> for u32 {
    fn from(percent: Percent) -> u32 {
        percent.0
    }
}

impl JsonSchema for Percent {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Percent".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer", "minimum": 1, "maximum": 100 })
    }
}

/// Codes are compared trimmed and case-insensitively: " save20 " is SAVE20.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

/// One attempt to use a coupon: when, on which plan, at what price, and how
/// many times this buyer has used the coupon before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub now: DateTime<Utc>,
    pub plan: PlanFamily,
    pub price: Cents,
    pub user_uses: u32,
}

/// The outcome of a valid coupon on a price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Discount {
    pub original_price: Cents,
    pub discount_amount: Cents,
    pub final_price: Cents,
    /// The final price is zero: the purchase activates without a payment.
    pub free: bool,
}

/// Why a coupon cannot be used, one variant per rule, in the order checked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CouponError {
    #[error("This coupon code does not exist.")]
    NotFound,
    #[error("This coupon is not active.")]
    Inactive,
    #[error("This coupon can be used from {}.", when(.valid_from))]
    NotYetValid { valid_from: DateTime<Utc> },
    #[error("This coupon expired on {}.", when(.valid_until))]
    Expired { valid_until: DateTime<Utc> },
    #[error("This coupon has reached its usage limit.")]
    UsageLimitReached,
    #[error("You have already used this coupon the maximum number of times ({per_user_limit}).")]
    PerUserLimitReached { per_user_limit: u32 },
    #[error("This coupon does not apply to the {plan} plan.")]
    PlanNotApplicable { plan: PlanFamily },
    #[error("This coupon needs a purchase of at least {}.", .min_purchase.to_aud_string())]
    MinPurchaseNotMet { min_purchase: Cents },
}

impl CouponError {
    pub fn code(&self) -> &'static str {
        match self {
            CouponError::NotFound => "COUPON_NOT_FOUND",
            CouponError::Inactive => "COUPON_INACTIVE",
            CouponError::NotYetValid { .. } => "COUPON_NOT_YET_VALID",
            CouponError::Expired { .. } => "COUPON_EXPIRED",
            CouponError::UsageLimitReached => "COUPON_USAGE_LIMIT_REACHED",
            CouponError::PerUserLimitReached { .. } => "COUPON_PER_USER_LIMIT_REACHED",
            CouponError::PlanNotApplicable { .. } => "COUPON_PLAN_NOT_APPLICABLE",
            CouponError::MinPurchaseNotMet { .. } => "COUPON_MIN_PURCHASE_NOT_MET",
        }
    }

    /// Plain English for the buyer.
    pub fn message(&self) -> String {
        self.to_string()
    }
}

fn when(instant: &DateTime<Utc>) -> String {
    instant.format("%-d %B %Y, %H:%M:%S UTC").to_string()
}

/// Checks `coupon` (as looked up by its normalized code) against one
/// redemption, rule by rule, and computes the discount.
pub fn validate(coupon: Option<&Coupon>, redemption: &Redemption) -> Result<Discount, CouponError> {
    let coupon = coupon.ok_or(CouponError::NotFound)?;
    if coupon.status != CouponStatus::Active {
        return Err(CouponError::Inactive);
    }
    if redemption.now < coupon.valid_from {
        return Err(CouponError::NotYetValid {
            valid_from: coupon.valid_from,
        });
    }
    if redemption.now > coupon.valid_until {
        return Err(CouponError::Expired {
            valid_until: coupon.valid_until,
        });
    }
    if coupon.usage_count >= coupon.usage_limit {
        return Err(CouponError::UsageLimitReached);
    }
    if redemption.user_uses >= coupon.per_user_limit {
        return Err(CouponError::PerUserLimitReached {
            per_user_limit: coupon.per_user_limit,
        });
    }
    if !coupon.applicable_plans.contains(&redemption.plan) {
        return Err(CouponError::PlanNotApplicable {
            plan: redemption.plan,
        });
    }
    if redemption.price < coupon.min_purchase {
        return Err(CouponError::MinPurchaseNotMet {
            min_purchase: coupon.min_purchase,
        });
    }
    Ok(coupon.discount_for(redemption.price))
}

impl Coupon {
    /// The discount on `price`, assuming the coupon may be used.
    ///
    /// A percentage is rounded half up to the cent. `maxDiscount` caps either
    /// kind, and no discount exceeds the price.
    pub fn discount_for(&self, price: Cents) -> Discount {
        let uncapped = match self.discount {
            CouponDiscount::Percentage(percent) => {
                Cents((price.0 * i64::from(percent.get()) + 50).div_euclid(100))
            }
            CouponDiscount::Fixed(amount) => amount,
        };
        let capped = self.max_discount.map_or(uncapped, |max| uncapped.min(max));
        let discount_amount = capped.min(price).max(Cents::ZERO);
        let final_price = price - discount_amount;
        Discount {
            original_price: price,
            discount_amount,
            final_price,
            free: final_price == Cents::ZERO,
        }
    }
}
