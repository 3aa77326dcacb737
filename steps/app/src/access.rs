//! Access grants: what "activate user access" writes, and what a full
//! refund or a dispute does to it later.

use campaigns_contracts::records::{AccessGrant, AccessGrantStatus, DisputeStatus, GrantDispute};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_records::typed::UpdateError;
use campaigns_records::{Condition, StoreError, typed};
use chrono::{DateTime, Months, Utc};

use crate::context::App;
use crate::payment_wait::Payee;

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
        dispute: None,
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

/// What a payment's later events do to the grants it paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    /// A full refund or a lost dispute: the access ends now.
    Revoke,
    /// A dispute was opened: no access until it closes.
    Suspend { dispute_id: &'a str },
    /// A dispute closed: the access comes back when it was won, ends when lost.
    CloseDispute { dispute_id: &'a str, won: bool },
}

/// Applies `change` to one grant at `now`; `false` when it changes nothing
/// (already revoked, a dispute event that came late or twice).
pub fn apply(grant: &mut AccessGrant, change: &Change<'_>, now: DateTime<Utc>) -> bool {
    if grant.status == AccessGrantStatus::Revoked {
        return false;
    }
    match *change {
        Change::Revoke => {
            revoke(grant, now);
            true
        }
        Change::Suspend { dispute_id } => {
            let seen = grant
                .dispute
                .as_ref()
                .is_some_and(|dispute| dispute.dispute_id == dispute_id);
            if seen {
                return false;
            }
            grant.status = AccessGrantStatus::Suspended;
            grant.dispute = Some(GrantDispute {
                dispute_id: dispute_id.to_owned(),
                status: DisputeStatus::Open,
                opened_at: now,
                closed_at: None,
            });
            true
        }
        Change::CloseDispute { dispute_id, won } => {
            let closed = grant.dispute.as_ref().is_some_and(|dispute| {
                dispute.dispute_id == dispute_id && dispute.status != DisputeStatus::Open
            });
            if closed {
                return false;
            }
            let opened_at = grant
                .dispute
                .as_ref()
                .filter(|dispute| dispute.dispute_id == dispute_id)
                .map_or(now, |dispute| dispute.opened_at);
            grant.dispute = Some(GrantDispute {
                dispute_id: dispute_id.to_owned(),
                status: if won {
                    DisputeStatus::Won
                } else {
                    DisputeStatus::Lost
                },
                opened_at,
                closed_at: Some(now),
            });
            if won {
                grant.status = AccessGrantStatus::Active;
            } else {
                revoke(grant, now);
            }
            true
        }
    }
}

fn revoke(grant: &mut AccessGrant, now: DateTime<Utc>) {
    grant.status = AccessGrantStatus::Revoked;
    grant.revoked_at = Some(now);
    grant.ends_at = grant.ends_at.min(now);
}

/// Whose payment paid for `grant`: its record, and for a team share the
/// member (named in the grant's id).
pub fn payee(grant: &AccessGrant) -> Payee {
    let shared = format!("grant_{}_", grant.record_id);
    Payee {
        campaign: grant.campaign_id,
        record_id: grant.record_id.clone(),
        member_id: grant.grant_id.strip_prefix(&shared).map(str::to_owned),
    }
}

/// The grants paid by `payment_intent_id`.
pub async fn paid_by(app: &App, payment_intent_id: &str) -> Result<Vec<AccessGrant>, StoreError> {
    app.records
        .query("paymentIntentId-index", payment_intent_id, None)
        .await
}

/// Applies `change` to every grant paid by `payment_intent_id`; returns the
/// grants it changed, as they are now.
pub async fn change_paid_by(
    app: &App,
    payment_intent_id: &str,
    change: &Change<'_>,
) -> Result<Vec<AccessGrant>, StoreError> {
    let now = app.now();
    let grants = paid_by(app, payment_intent_id).await?;
    let mut changed = Vec::new();
    for grant in grants {
        let updated = app
            .records
            .update::<AccessGrant, Unchanged>(&grant.grant_id, |stored| {
                if apply(stored, change, now) {
                    Ok(())
                } else {
                    Err(Unchanged)
                }
            })
            .await;
        match updated {
            Ok(grant) => changed.push(grant),
            Err(UpdateError::Store(err)) => return Err(err),
            Err(_) => {}
        }
    }
    Ok(changed)
}

/// A change that did not apply to a grant (see [`apply`]).
#[derive(Debug)]
pub struct Unchanged;
