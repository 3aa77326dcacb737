//! Coupon uses: reserved at checkout, confirmed on payment, released when
//! the checkout expires or fails.
//!
//! Two limits hold together in one all-or-nothing batch: the coupon's
//! `usageCount` is incremented only while below `usageLimit`, and the use is
//! written into one of the buyer's `perUserLimit` slots (`CODE#key#n`, the
//! key being the email's canonical key, so `A+x@Example.com` and
//! `a@example.com` share their slots) only if that slot is free. However many
//! buyers race, neither limit is passed.

use campaigns_contracts::records::{CouponRecord, CouponUsage, CouponUsageStatus};
use campaigns_core::email::canonical_key;
use campaigns_records::optimistic::{self, Attempt};
use campaigns_records::{Condition, StoreError, Table, Write, typed};

use crate::context::App;
use crate::failure::ApiFailure;

/// The `slot`-th use of `code` by the person behind `email`.
fn slot_id(code: &str, email: &str, slot: u32) -> String {
    format!("{code}#{}#{slot}", canonical_key(email))
}

/// How many of the buyer's slots hold a reserved or confirmed use.
pub async fn uses_by(app: &App, coupon: &CouponRecord, email: &str) -> Result<u32, StoreError> {
    let mut used = 0;
    for slot in 1..=coupon.per_user_limit {
        if let Some(found) = app
            .records
            .get::<CouponUsage>(&slot_id(&coupon.coupon_code, email, slot))
            .await?
            && found.record.status != CouponUsageStatus::Released
        {
            used += 1;
        }
    }
    Ok(used)
}

/// Reserves one use of `coupon` for `email`'s purchase, in one batch with
/// `holder(use_id)` (the purchase that holds the use, and what it owes), so
/// a use is never held by nothing; returns the use's id.
pub async fn reserve(
    app: &App,
    coupon: &CouponRecord,
    email: &str,
    purchase_id: &str,
    holder: impl Fn(&str) -> Result<Vec<Write>, StoreError>,
) -> Result<String, ApiFailure> {
    optimistic::until_written(
        app.records.store(),
        &format!("coupon {} uses of {email}", coupon.coupon_code),
        || free_slot(app, coupon, email),
        |free| {
            let Some((slot, condition)) = free else {
                return Err(ApiFailure::rule(
                    "COUPON_PER_USER_LIMIT_REACHED",
                    "you have used this coupon as often as it allows",
                ));
            };
            let usage = CouponUsage {
                usage_id: slot_id(&coupon.coupon_code, email, slot),
                coupon_code: coupon.coupon_code.clone(),
                email: email.to_owned(),
                purchase_id: purchase_id.to_owned(),
                status: CouponUsageStatus::Reserved,
                created_at: app.now(),
                settled_at: None,
            };
            let mut writes = vec![
                Write::Increment {
                    table: Table::Coupons,
                    key: coupon.coupon_code.clone(),
                    field: "usageCount",
                    by: 1,
                    limit_field: Some("usageLimit"),
                },
                typed::put(&usage, condition)?,
            ];
            writes.extend(holder(&usage.usage_id)?);
            Ok(Attempt::Write(writes, usage.usage_id))
        },
        |index| match index {
            0 => Some(ApiFailure::rule(
                "COUPON_USAGE_LIMIT_REACHED",
                "this coupon has been used as often as it allows",
            )),
            // Another purchase of the same buyer took the slot: look again.
            1 => None,
            other => Some(StoreError::ConditionFailed { index: other }.into()),
        },
    )
    .await
}

async fn free_slot(
    app: &App,
    coupon: &CouponRecord,
    email: &str,
) -> Result<Option<(u32, Condition)>, StoreError> {
    for slot in 1..=coupon.per_user_limit {
        match app
            .records
            .get::<CouponUsage>(&slot_id(&coupon.coupon_code, email, slot))
            .await?
        {
            None => return Ok(Some((slot, Condition::NotExists))),
            Some(found) if found.record.status == CouponUsageStatus::Released => {
                return Ok(Some((slot, Condition::Version(found.version))));
            }
            Some(_) => {}
        }
    }
    Ok(None)
}

/// Marks a reserved use as confirmed (the purchase was paid). Idempotent:
/// whether this call confirmed it.
pub async fn confirm(app: &App, usage_id: &str) -> Result<bool, StoreError> {
    settle(app, usage_id, CouponUsageStatus::Confirmed).await
}

/// Gives a reserved use back (the purchase was not paid). Idempotent.
pub async fn release(app: &App, usage_id: &str) -> Result<(), StoreError> {
    settle(app, usage_id, CouponUsageStatus::Released)
        .await
        .map(drop)
}

/// Moves a reserved use to `to`; whether this call moved it.
async fn settle(app: &App, usage_id: &str, to: CouponUsageStatus) -> Result<bool, StoreError> {
    optimistic::until_written(
        app.records.store(),
        &format!("coupon use {usage_id}"),
        || app.records.get::<CouponUsage>(usage_id),
        |found| {
            let Some(found) = found else {
                return Ok(Attempt::Done(false));
            };
            if found.record.status != CouponUsageStatus::Reserved {
                return Ok(Attempt::Done(false));
            }
            let usage = CouponUsage {
                status: to,
                settled_at: Some(app.now()),
                ..found.record
            };
            let mut writes = vec![typed::put(&usage, Condition::Version(found.version))?];
            if to == CouponUsageStatus::Released {
                writes.push(Write::Increment {
                    table: Table::Coupons,
                    key: usage.coupon_code.clone(),
                    field: "usageCount",
                    by: -1,
                    limit_field: None,
                });
            }
            Ok(Attempt::Write(writes, true))
        },
        optimistic::always_retry::<StoreError>,
    )
    .await
}
