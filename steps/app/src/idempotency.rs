//! `Idempotency-Key` on create routes, with Stripe's semantics: the first
//! response to a key is kept for a day and replayed to every retry with the
//! same body; the same key with another body is a 409.
//!
//! The key is claimed before the handler runs (a conditional insert), so two
//! concurrent retries cannot both create a record. Failures a retry might
//! cure (5xx) release the claim.

use std::future::Future;

use campaigns_contracts::records::IdempotencyRecord;
use campaigns_records::{Condition, StoreError, Write, typed};
use sha2::{Digest, Sha256};

use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiResponse, Handled};

/// How long a key is remembered.
const RETENTION_SECS: i64 = 24 * 3600;
/// The status stored while the first request is still running.
const IN_PROGRESS: u16 = 0;

pub async fn replay_or_run<F, Fut>(
    app: &App,
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
    let now = app.now();
    let claim = IdempotencyRecord {
        idempotency_key: record_key.clone(),
        request_hash: request_hash.clone(),
        status: IN_PROGRESS,
        response: serde_json::Value::Null,
        created_at: now,
        ttl: now.timestamp() + RETENTION_SECS,
    };
    match app
        .records
        .store()
        .transact(&[typed::put(&claim, Condition::NotExists)?])
        .await
    {
        Ok(()) => {}
        Err(StoreError::ConditionFailed { .. }) => {
            return replay(app, &record_key, &request_hash).await;
        }
        Err(other) => return Err(other.into()),
    }

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
                ..claim
            },
            Condition::Version(1),
        )?,
        None => Write::Delete {
            table: campaigns_records::Table::IdempotencyKeys,
            key: record_key,
            condition: Condition::Version(1),
        },
    };
    app.records.store().transact(&[write]).await?;
    result
}

async fn replay(app: &App, record_key: &str, request_hash: &str) -> Handled {
    let Some(found) = app.records.get::<IdempotencyRecord>(record_key).await? else {
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
    if stored.status == IN_PROGRESS {
        return Err(ApiFailure::conflict(
            "REQUEST_IN_PROGRESS",
            "a request with this Idempotency-Key is still running",
        ));
    }
    Ok(ApiResponse {
        status: stored.status,
        body: stored.response,
    })
}
