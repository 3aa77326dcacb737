//! What operators read and change beyond the journeys: the applications
//! waiting for a reviewer, the coupons and their limits.

use campaigns_core::coupon::CouponStatus;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;
use crate::records::{CouponRecord, Scholarship};

/// The applications waiting for a reviewer's decision, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PendingScholarships {
    pub scholarships: Vec<Scholarship>,
}

/// Every coupon, by code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CouponList {
    pub coupons: Vec<CouponRecord>,
}

/// Changes a coupon's limits or status; what is absent stays. Its discount,
/// plans and start stay as created: buyers may hold a price computed from
/// them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schemars(extend("minProperties" = 1))]
pub struct UpdateCouponRequest {
    /// Total redemptions allowed; not below those already made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage_limit: Option<u32>,
    /// Redemptions allowed per buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub per_user_limit: Option<u32>,
    /// The last instant it can be used; after `validFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<DateTime<Utc>>,
    /// `inactive` deactivates it at once (checkouts already open keep their
    /// price); `active` brings it back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CouponStatus>,
}

impl Example for PendingScholarships {
    fn example() -> Self {
        let mut waiting = Scholarship::example();
        waiting.status = crate::records::ScholarshipStatus::PendingReview;
        waiting.decided_at = None;
        waiting.pay_by = None;
        PendingScholarships {
            scholarships: vec![waiting],
        }
    }
}

impl Example for CouponList {
    fn example() -> Self {
        CouponList {
            coupons: vec![CouponRecord::example()],
        }
    }
}

impl Example for UpdateCouponRequest {
    fn example() -> Self {
        UpdateCouponRequest {
            usage_limit: Some(500),
            per_user_limit: None,
            valid_until: Some("2025-12-31T23:59:59Z".parse().expect("valid timestamp")),
            status: None,
        }
    }
}
