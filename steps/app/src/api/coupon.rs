//! Coupons: the instant validation, and their administration.

use campaigns_contracts::api::{
    ApiError, CouponList, UpdateCouponRequest, ValidateCouponRequest, ValidateCouponResponse,
};
use campaigns_contracts::records::CouponRecord;
use campaigns_core::catalog::{self, PlanFamily, ProductId};
use campaigns_core::coupon::{self, CouponDiscount, CouponStatus, Discount, Redemption};
use campaigns_core::money::Cents;
use campaigns_records::StoreError;
use campaigns_records::typed::UpdateError;

use super::parse;
use crate::context::App;
use crate::coupon_uses;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};

/// Coupons apply to the four standard plans only.
pub(super) fn standard_plan(product: ProductId) -> Result<(PlanFamily, Cents), ApiFailure> {
    let family = product.plan_family().ok_or_else(|| {
        ApiFailure::rule(
            "PRODUCT_NOT_FOR_SALE_HERE",
            "only the standard plans are sold with coupons",
        )
        .with_field("/productId")
    })?;
    let price = catalog::product(product)
        .price
        .expect("standard plans have a fixed price");
    Ok((family, price))
}

/// What the coupon does for this buyer and plan, or the rule it breaks.
pub(super) async fn discount(
    app: &App,
    code: &str,
    email: &str,
    family: PlanFamily,
    price: Cents,
) -> Result<(Option<CouponRecord>, Result<Discount, coupon::CouponError>), ApiFailure> {
    let code = coupon::normalize_code(code);
    let found = app
        .records
        .get::<CouponRecord>(&code)
        .await?
        .map(|found| found.record);
    let user_uses = match &found {
        Some(coupon) => coupon_uses::uses_by(app, coupon, email).await?,
        None => 0,
    };
    let redemption = Redemption {
        now: app.now(),
        plan: family,
        price,
        user_uses,
    };
    let result = coupon::validate(found.as_ref(), &redemption);
    Ok((found, result))
}

pub async fn validate_coupon(app: &App, request: &ApiRequest) -> Handled {
    let body: ValidateCouponRequest = parse(request)?;
    let (family, price) = standard_plan(body.product_id)?;
    let email = body.email.normalized();
    let (_, result) = discount(app, &body.coupon_code, &email, family, price).await?;
    let code = coupon::normalize_code(&body.coupon_code);
    let response = match result {
        Ok(discount) => ValidateCouponResponse {
            valid: true,
            coupon_code: code,
            product_id: body.product_id,
            original_price: discount.original_price,
            discount_amount: discount.discount_amount,
            final_price: discount.final_price,
            reason: None,
        },
        Err(broken) => ValidateCouponResponse {
            valid: false,
            coupon_code: code,
            product_id: body.product_id,
            original_price: price,
            discount_amount: Cents::ZERO,
            final_price: price,
            reason: Some(ApiError::new(broken.code(), broken.message())),
        },
    };
    Ok(ApiResponse::json(200, &response))
}

/// Admin: a new coupon, its code stored trimmed and in upper case.
pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let mut coupon: CouponRecord = parse(request)?;
    coupon.coupon_code = coupon::normalize_code(&coupon.coupon_code);
    if coupon.coupon_code.is_empty() {
        return Err(
            ApiFailure::rule("INVALID_COUPON_CODE", "the code is empty").with_field("/couponCode")
        );
    }
    if coupon.usage_count != 0 {
        return Err(
            ApiFailure::rule("USAGE_COUNT_NOT_ZERO", "a new coupon has not been used")
                .with_field("/usageCount"),
        );
    }
    if coupon.valid_until <= coupon.valid_from {
        return Err(
            ApiFailure::rule("INVALID_VALIDITY", "validUntil must be after validFrom")
                .with_field("/validUntil"),
        );
    }
    if let CouponDiscount::Fixed(amount) = coupon.discount
        && amount == Cents::ZERO
    {
        return Err(ApiFailure::rule(
            "INVALID_DISCOUNT",
            "a fixed discount must be more than zero",
        )
        .with_field("/value"));
    }
    match app.records.insert(&coupon).await {
        Ok(()) => Ok(ApiResponse::json(201, &coupon)),
        Err(StoreError::ConditionFailed { .. }) => Err(ApiFailure::conflict(
            "COUPON_EXISTS",
            format!("a coupon {} exists", coupon.coupon_code),
        )),
        Err(other) => Err(other.into()),
    }
}

/// Admin: a coupon as stored, with its usage count.
pub async fn get(app: &App, request: &ApiRequest) -> Handled {
    let code = coupon::normalize_code(request.param("couponCode")?);
    let found = app
        .records
        .get::<CouponRecord>(&code)
        .await?
        .ok_or_else(|| ApiFailure::not_found("coupon"))?;
    Ok(ApiResponse::json(200, &found.record))
}

/// Admin: every coupon, active and inactive, by code.
pub async fn list(app: &App, _request: &ApiRequest) -> Handled {
    let mut coupons = Vec::new();
    for status in [CouponStatus::Active, CouponStatus::Inactive] {
        let found: Vec<CouponRecord> = app
            .records
            .query("status-index", super::status_text(&status), None)
            .await?;
        coupons.extend(found);
    }
    coupons.sort_by(|a, b| a.coupon_code.cmp(&b.coupon_code));
    Ok(ApiResponse::json(200, &CouponList { coupons }))
}

/// Admin: a coupon's limits, end or status changed, by a conditional update,
/// so a use reserved meanwhile is neither lost nor let past the new limit.
pub async fn update(app: &App, request: &ApiRequest) -> Handled {
    let code = coupon::normalize_code(request.param("couponCode")?);
    let change: UpdateCouponRequest = parse(request)?;
    let updated = app
        .records
        .update::<CouponRecord, ApiFailure>(&code, |coupon| {
            if let Some(limit) = change.usage_limit {
                if limit < coupon.usage_count {
                    return Err(ApiFailure::rule(
                        "USAGE_LIMIT_BELOW_USES",
                        format!("{} uses are made or held already", coupon.usage_count),
                    )
                    .with_field("/usageLimit"));
                }
                coupon.usage_limit = limit;
            }
            if let Some(limit) = change.per_user_limit {
                coupon.per_user_limit = limit;
            }
            if let Some(until) = change.valid_until {
                if until <= coupon.valid_from {
                    return Err(ApiFailure::rule(
                        "INVALID_VALIDITY",
                        "validUntil must be after validFrom",
                    )
                    .with_field("/validUntil"));
                }
                coupon.valid_until = until;
            }
            if let Some(status) = change.status {
                coupon.status = status;
            }
            Ok(())
        })
        .await
        .map_err(|err| match err {
            UpdateError::NotFound => ApiFailure::not_found("coupon"),
            other => other.into(),
        })?;
    Ok(ApiResponse::json(200, &updated))
}
