//! Access grants: what "activate user access" writes, and what a refund cuts short.

use campaigns_contracts::records::{AccessGrant, AccessGrantStatus};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_records::{Condition, StoreError, typed};
use chrono::{DateTime, Months, Utc};

use crate::context::App;

pub struct Grant<'a> {
    pub email: &'a str,
    pub product: ProductId,
    pub campaign: CampaignId,
    /// The record (and team member) paid for; one grant each.
    pub record_id: &'a str,
    pub member_id: Option<&'a str>,
    pub payment_intent_id: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub months: u32,
}

/// The end of a period of `months` from `start` (the same day of the month,
/// or the month's last day when it has no such day).
pub fn months_after(start: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(start)
}

/// Grants access once: a retried step finds the grant there and keeps it.
pub async fn grant(app: &App, grant: &Grant<'_>) -> Result<AccessGrant, StoreError> {
    let grant_id = match grant.member_id {
        Some(member) => format!("grant_{}_{member}", grant.record_id),
        None => format!("grant_{}", grant.record_id),
    };
    let record = AccessGrant {
        grant_id: grant_id.clone(),
        email: grant.email.to_lowercase(),
        product_id: grant.product,
        campaign_id: grant.campaign,
        record_id: grant.record_id.to_owned(),
        payment_intent_id: grant.payment_intent_id.map(str::to_owned),
        starts_at: grant.starts_at,
        ends_at: months_after(grant.starts_at, grant.months),
        status: AccessGrantStatus::Active,
        revoked_at: None,
    };
    match app
        .records
        .store()
        .transact(&[typed::put(&record, Condition::NotExists)?])
        .await
    {
        Ok(()) => Ok(record),
        Err(StoreError::ConditionFailed { .. }) => Ok(app
            .records
            .get::<AccessGrant>(&grant_id)
            .await?
            .map(|found| found.record)
            .unwrap_or(record)),
        Err(other) => Err(other),
    }
}

/// Ends every grant paid by `payment_intent_id` now; returns the grants cut.
pub async fn revoke_paid_by(
    app: &App,
    payment_intent_id: &str,
) -> Result<Vec<AccessGrant>, StoreError> {
    let now = app.now();
    let grants: Vec<AccessGrant> = app
        .records
        .query("paymentIntentId-index", payment_intent_id, None)
        .await?;
    let mut revoked = Vec::new();
    for grant in grants
        .into_iter()
        .filter(|grant| grant.status == AccessGrantStatus::Active)
    {
        let updated = app
            .records
            .update::<AccessGrant, ()>(&grant.grant_id, |stored| {
                stored.status = AccessGrantStatus::Revoked;
                stored.revoked_at = Some(now);
                stored.ends_at = stored.ends_at.min(now);
                Ok(())
            })
            .await;
        match updated {
            Ok(grant) => revoked.push(grant),
            Err(campaigns_records::typed::UpdateError::Store(err)) => return Err(err),
            Err(_) => {}
        }
    }
    Ok(revoked)
}
