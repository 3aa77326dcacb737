//! `prodenthub-coupons` and `prodenthub-coupon-usage`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// The coupon record is the campaign core's coupon: its fields are the seed's.
pub use campaigns_core::coupon::Coupon as CouponRecord;

/// One use of a coupon by one buyer. A use is `reserved` when the checkout is
/// created, so concurrent buyers cannot exceed the limits, then `confirmed`
/// on payment or `released` when the checkout expires or fails.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CouponUsage {
    pub usage_id: String,
    pub coupon_code: String,
    pub email: String,
    pub purchase_id: String,
    pub status: CouponUsageStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CouponUsageStatus {
    Reserved,
    Confirmed,
    Released,
}

impl Example for CouponRecord {
    fn example() -> Self {
        serde_json::from_value(serde_json::json!({
            "couponCode": "SAVE20",
            "type": "percentage",
            "value": 20,
            "minPurchase": 100,
            "maxDiscount": 50,
            "validFrom": "2025-01-01T00:00:00Z",
            "validUntil": "2025-12-31T23:59:59Z",
            "usageLimit": 100,
            "usageCount": 45,
            "perUserLimit": 1,
            "applicablePlans": ["standard", "full", "premium"],
            "status": "active"
        }))
        .expect("the seed's coupon is a valid coupon")
    }
}

impl Example for CouponUsage {
    fn example() -> Self {
        CouponUsage {
            usage_id: "use_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            coupon_code: "SAVE20".into(),
            email: "buyer@example.com".into(),
            purchase_id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            status: CouponUsageStatus::Confirmed,
            created_at: "2025-03-10T08:00:00Z".parse().expect("valid timestamp"),
            settled_at: Some("2025-03-10T08:04:12Z".parse().expect("valid timestamp")),
        }
    }
}
