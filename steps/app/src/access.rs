//! Access grants: what "activate user access" writes, and what a full
//! refund or a dispute does to it later.
//!
//! Every change is told to the main platform as an access event, at least
//! once: the change and the event it owes are one batch, the event is
//! published and crossed off after it, and what a dead handler left owed is
//! published by [`publish_owed`] (docs/decisions.md).

use campaigns_contracts::events::{AccessEvent, AccessEventDetail, AccessEventType};
use campaigns_contracts::records::{
    ACCESS_EVENT_QUEUE, AccessGrant, AccessGrantStatus, DisputeStatus, GrantDispute,
    OwedAccessEvent,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_records::optimistic::{self, Attempt};
use campaigns_records::{Condition, StoreError, Table, Write, typed};
use chrono::{DateTime, Months, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::Serialize;

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

/// Grants access once: a retried step finds the grant there and keeps it,
/// and publishes its event if it is still owed.
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
    let now = app.now();
    let event = event_of(&record, &Change::Grant, now);
    match app
        .records
        .store()
        .transact(&[
            typed::put(&record, Condition::NotExists)?,
            owe(&event, now)?,
        ])
        .await
    {
        Ok(()) => {
            publish(app, &event).await;
            Ok(record)
        }
        Err(StoreError::ConditionFailed { .. }) => {
            publish_if_owed(app, &event.detail.event_id).await?;
            Ok(app
                .records
                .get::<AccessGrant>(&grant_id)
                .await?
                .map(|found| found.record)
                .unwrap_or(record))
        }
        Err(other) => Err(other),
    }
}

/// What a payment's later events do to the grants it paid for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change<'a> {
    /// The payment settled: the access starts (only [`grant`] makes it).
    Grant,
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
        Change::Grant => false,
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

/// Applies `change` to every grant paid by `payment_intent_id`, each in one
/// batch with the event it owes; returns the grants it changed, as they are
/// now. A grant the change finds already changed (a replayed webhook) gets
/// its event published if a dead handler left it owed.
pub async fn change_paid_by(
    app: &App,
    payment_intent_id: &str,
    change: &Change<'_>,
) -> Result<Vec<AccessGrant>, StoreError> {
    let mut changed = Vec::new();
    for grant in paid_by(app, payment_intent_id).await? {
        if let Some(grant) = change_one(app, &grant.grant_id, change).await? {
            changed.push(grant);
        }
    }
    Ok(changed)
}

/// What reading a grant decided: the change made, with the event it owes,
/// or none (already so), with the id of that change's event.
enum Changed {
    Made(Box<(AccessGrant, AccessEvent)>),
    AlreadySo(String),
}

async fn change_one(
    app: &App,
    grant_id: &str,
    change: &Change<'_>,
) -> Result<Option<AccessGrant>, StoreError> {
    let changed = optimistic::until_written(
        app.records.store(),
        &format!("grant {grant_id}"),
        || app.records.get::<AccessGrant>(grant_id),
        |found| {
            let Some(typed::Versioned {
                mut record,
                version,
            }) = found
            else {
                return Ok(Attempt::Done(None));
            };
            let now = app.now();
            let before = record.clone();
            if !apply(&mut record, change, now) {
                let event_id = event_of(&before, change, now).detail.event_id;
                return Ok(Attempt::Done(Some(Changed::AlreadySo(event_id))));
            }
            let event = event_of(&record, change, now);
            let batch = vec![
                typed::put(&record, Condition::Version(version))?,
                owe(&event, now)?,
            ];
            Ok(Attempt::Write(
                batch,
                Some(Changed::Made(Box::new((record, event)))),
            ))
        },
        optimistic::always_retry::<StoreError>,
    )
    .await?;
    match changed {
        None => Ok(None),
        // The event of this change, if it was made and never published.
        Some(Changed::AlreadySo(event_id)) => {
            publish_if_owed(app, &event_id).await?;
            Ok(None)
        }
        Some(Changed::Made(made)) => {
            let (grant, event) = *made;
            publish(app, &event).await;
            Ok(Some(grant))
        }
    }
}

/// How long the handler that made a change has to publish its event before
/// the sweep may: longer than any handler runs (a step's Lambda gives up
/// after 60 s, API Gateway after 29 s).
pub const GRACE: TimeDelta = TimeDelta::minutes(1);

/// The event that `change` of `grant` publishes: `grant` as it is after the
/// change. Its id is one per change, so every delivery of it is the same.
pub fn event_of(grant: &AccessGrant, change: &Change<'_>, now: DateTime<Utc>) -> AccessEvent {
    // A grant is revoked once, whatever revoked it, so its revocation has
    // one id; suspensions and restorations are one per dispute.
    let id = &grant.grant_id;
    let (detail_type, dispute_id, event_id) = match *change {
        Change::Grant => (
            AccessEventType::AccessGranted,
            None,
            format!("{id}.granted"),
        ),
        Change::Revoke => (
            AccessEventType::AccessRevoked,
            None,
            format!("{id}.revoked"),
        ),
        Change::Suspend { dispute_id } => (
            AccessEventType::AccessSuspended,
            Some(dispute_id),
            format!("{id}.suspended.{dispute_id}"),
        ),
        Change::CloseDispute {
            dispute_id,
            won: true,
        } => (
            AccessEventType::AccessRestored,
            Some(dispute_id),
            format!("{id}.restored.{dispute_id}"),
        ),
        Change::CloseDispute {
            dispute_id,
            won: false,
        } => (
            AccessEventType::AccessRevoked,
            Some(dispute_id),
            format!("{id}.revoked"),
        ),
    };
    AccessEvent::new(
        detail_type,
        AccessEventDetail {
            event_id,
            grant_id: grant.grant_id.clone(),
            email: grant.email.clone(),
            product_id: grant.product_id,
            plan_type: catalog::product(grant.product_id).plan_type.to_owned(),
            access_starts_at: grant.starts_at,
            access_ends_at: grant.ends_at,
            campaign_id: grant.campaign_id,
            record_id: grant.record_id.clone(),
            payment_intent_id: grant.payment_intent_id.clone(),
            dispute_id: dispute_id.map(str::to_owned),
        },
        now,
    )
}

/// The write that owes `event`; it belongs in the batch of its change.
fn owe(event: &AccessEvent, now: DateTime<Utc>) -> Result<Write, StoreError> {
    typed::put(
        &OwedAccessEvent {
            event_id: event.detail.event_id.clone(),
            event: event.clone(),
            queue: ACCESS_EVENT_QUEUE.to_owned(),
            due_at: now + GRACE,
        },
        Condition::NotExists,
    )
}

/// Publishes `event` and crosses it off. If either fails the event stays
/// owed and the sweep publishes it, so the caller carries on: its change is
/// made either way.
async fn publish(app: &App, event: &AccessEvent) {
    if let Err(err) = publish_and_cross_off(app, event).await {
        tracing::warn!(error = %err, event = event.detail.event_id, "access event left owed; the sweep will publish it");
    }
}

#[derive(Debug, thiserror::Error)]
enum PublishError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Publish(#[from] campaigns_ports::access::AccessEventsError),
}

async fn publish_and_cross_off(app: &App, event: &AccessEvent) -> Result<(), PublishError> {
    app.access_events.publish(event).await?;
    app.records
        .store()
        .transact(&[Write::Delete {
            table: Table::AccessEvents,
            key: event.detail.event_id.clone(),
            condition: Condition::Always,
        }])
        .await?;
    Ok(())
}

/// Publishes the event `event_id` if it is still owed.
async fn publish_if_owed(app: &App, event_id: &str) -> Result<(), StoreError> {
    if let Some(owed) = app.records.get::<OwedAccessEvent>(event_id).await? {
        publish(app, &owed.record.event).await;
    }
    Ok(())
}

/// What a sweep of owed access events did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// Events published for changes whose handler did not.
    pub published: u32,
    /// Events that failed this time and stay owed for the next sweep.
    pub still_owed: u32,
}

/// How long past its due time an event may stay owed before ops hear of
/// it: a few sweeps (one every two minutes) ride out a brief outage of the
/// bus.
pub const OVERDUE: TimeDelta = TimeDelta::minutes(15);

/// The `alarm` field of the error logged for every event a sweep could not
/// publish that is [`OVERDUE`]; the `access-events-overdue` alarm's metric
/// filter matches it (`infra/alarms.tf`).
pub const OVERDUE_ALARM: &str = "access_event_overdue";

/// Publishes every event owed since before `due_by`, oldest first. One that
/// cannot be published now stays owed and is logged (for the alarm once it
/// is [`OVERDUE`]); the next sweep tries again.
pub async fn publish_owed(app: &App, due_by: DateTime<Utc>) -> Result<Published, StoreError> {
    let owed: Vec<OwedAccessEvent> = app
        .records
        .query("queue-dueAt-index", ACCESS_EVENT_QUEUE, None)
        .await?;
    let mut swept = Published::default();
    let now = app.now();
    for owed in owed.iter().filter(|owed| owed.due_at <= due_by) {
        match publish_and_cross_off(app, &owed.event).await {
            Ok(()) => {
                tracing::warn!(
                    event = owed.event_id,
                    "published an access event its handler did not"
                );
                swept.published += 1;
            }
            Err(err) if now - owed.due_at >= OVERDUE => {
                tracing::error!(
                    alarm = OVERDUE_ALARM,
                    error = %err,
                    event = owed.event_id,
                    due_at = %owed.due_at,
                    "an access event is still owed to the platform long after its change"
                );
                swept.still_owed += 1;
            }
            Err(err) => {
                tracing::error!(error = %err, event = owed.event_id, "could not publish an owed access event");
                swept.still_owed += 1;
            }
        }
    }
    Ok(swept)
}
