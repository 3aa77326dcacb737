//! `Idempotency-Key` on create routes, with Stripe's semantics: the first
//! response to a key is kept for a day and replayed to every retry with the
//! same body; the same key with another body is a 409.
//!
//! The key is claimed before the handler runs (a conditional insert), so two
//! concurrent retries cannot both create a record. Failures a retry might
//! cure (5xx) release the claim. A claim is a lease: if the process running
//! the request dies (a killed server, a Lambda timeout), nothing releases it,
//! so a retry after [`CLAIM_LEASE_SECS`] takes it over — with a write
//! conditional on the version it read, so only one retry does — and runs the
//! handler.

use std::future::Future;

use campaigns_contracts::records::IdempotencyRecord;
use campaigns_records::{Condition, Records, StoreError, Write, typed};
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

use crate::failure::ApiFailure;
use crate::http::{ApiResponse, Handled};

/// How long a key is remembered.
const RETENTION_SECS: i64 = 24 * 3600;
/// How long a claim holds its key while its request runs: longer than any
/// create can run, or a retry would run it a second time beside the first.
/// On AWS an API function is stopped after 29 s (`infra/functions.tf`); on
/// one machine a create's slowest path is two Stripe calls of at most 20 s
/// each (open a session, then expire it when the journey cannot start).
pub const CLAIM_LEASE_SECS: i64 = 60;
/// The status stored while the first request is still running.
const IN_PROGRESS: u16 = 0;

/// Replays the answer kept for `key`, or claims the key at `now`, runs the
/// request and keeps its answer. Over the records alone, so it behaves the
/// same on every store.
pub async fn replay_or_run<F, Fut>(
    records: &Records,
    now: DateTime<Utc>,
    operation: &str,
    key: &str,
    body: &[u8],
    run: F,
) -> Handled
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Handled>,
{
    if key.is_empty() || key.len() > 255 {
        return Err(ApiFailure::bad_request(
            campaigns_contracts::api::ApiError::new(
                "INVALID_IDEMPOTENCY_KEY",
                "Idempotency-Key must be 1 to 255 characters",
            )
            .with_field("Idempotency-Key", "maxLength"),
        ));
    }
    let record_key = format!("{operation}:{key}");
    let request_hash = hex::encode(Sha256::digest(body));
    let claim = IdempotencyRecord {
        idempotency_key: record_key.clone(),
        request_hash: request_hash.clone(),
        status: IN_PROGRESS,
        response: serde_json::Value::Null,
        created_at: now,
        lease_expires_at: Some(now + TimeDelta::seconds(CLAIM_LEASE_SECS)),
        ttl: now.timestamp() + RETENTION_SECS,
    };
    let claimed = match records
        .store()
        .transact(&[typed::put(&claim, Condition::NotExists)?])
        .await
    {
        Ok(()) => 1,
        Err(StoreError::ConditionFailed { .. }) => {
            match existing(records, &record_key, &request_hash, now).await? {
                Existing::Answered(response) => return Ok(response),
                Existing::Lapsed { version } => take_over(records, &claim, version).await?,
            }
        }
        Err(other) => return Err(other.into()),
    };

    let result = run().await;
    let outcome = match &result {
        Ok(response) => Some(response.clone()),
        Err(failure) if failure.status < 500 => Some(ApiResponse::from(failure.clone())),
        Err(_) => None,
    };
    let write = match outcome {
        Some(response) => typed::put(
            &IdempotencyRecord {
                status: response.status,
                response: response.body,
                lease_expires_at: None,
                ..claim
            },
            Condition::Version(claimed),
        )?,
        None => Write::Delete {
            table: campaigns_records::Table::IdempotencyKeys,
            key: record_key,
            condition: Condition::Version(claimed),
        },
    };
    records.store().transact(&[write]).await?;
    result
}

/// What a key already claimed means for a request with the same key.
enum Existing {
    /// The first request's answer, to replay.
    Answered(ApiResponse),
    /// A claim whose request never finished; `version` is the one read.
    Lapsed { version: u64 },
}

async fn existing(
    records: &Records,
    record_key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Existing, ApiFailure> {
    let Some(found) = records.get::<IdempotencyRecord>(record_key).await? else {
        // Released between our claim and this read: the first try failed.
        return Err(ApiFailure::conflict(
            "REQUEST_IN_PROGRESS",
            "a request with this Idempotency-Key just failed; retry",
        ));
    };
    let stored = found.record;
    if stored.request_hash != request_hash {
        return Err(ApiFailure::conflict(
            "IDEMPOTENCY_KEY_REUSED",
            "this Idempotency-Key was used with another request body",
        ));
    }
    if stored.status != IN_PROGRESS {
        return Ok(Existing::Answered(ApiResponse {
            status: stored.status,
            body: stored.response,
        }));
    }
    // A claim without a lease was written before claims had one: lapsed.
    if stored.lease_expires_at.is_some_and(|end| now < end) {
        return Err(in_progress());
    }
    Ok(Existing::Lapsed {
        version: found.version,
    })
}

/// Claims a lapsed key for this request; the version of the claim now held.
async fn take_over(
    records: &Records,
    claim: &IdempotencyRecord,
    lapsed: u64,
) -> Result<u64, ApiFailure> {
    match records
        .store()
        .transact(&[typed::put(claim, Condition::Version(lapsed))?])
        .await
    {
        Ok(()) => Ok(lapsed + 1),
        // Another retry took it over first and is running it now.
        Err(StoreError::ConditionFailed { .. }) => Err(in_progress()),
        Err(other) => Err(other.into()),
    }
}

fn in_progress() -> ApiFailure {
    ApiFailure::conflict(
        "REQUEST_IN_PROGRESS",
        "a request with this Idempotency-Key is still running",
    )
}
