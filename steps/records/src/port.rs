//! The [`RecordStore`] trait: what every records adapter provides.

use async_trait::async_trait;
use serde_json::Value;

use crate::table::{IndexDef, Table};

/// A stored record: its JSON body and a version that every write bumps, so a
/// writer can say "only if nobody wrote since I read".
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub key: String,
    pub version: u64,
    pub body: Value,
}

/// When a write may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// Always.
    Always,
    /// Only if no record has this key (creates).
    NotExists,
    /// Only if the record exists at this version (read-modify-write).
    Version(u64),
}

/// One write of an all-or-nothing batch.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// Stores `body` (its key is read from it) if `condition` holds.
    Put {
        table: Table,
        body: Value,
        condition: Condition,
    },
    /// Adds `by` to the integer `field` of an existing record, failing rather
    /// than going below zero or above the record's own `limit_field`.
    /// Contended counters (coupon uses, exam seats) use it instead of
    /// read-modify-write, so racing buyers do not retry each other out.
    Increment {
        table: Table,
        key: String,
        field: &'static str,
        by: i64,
        limit_field: Option<&'static str>,
    },
    /// Removes the record if `condition` holds (`NotExists` is not allowed).
    Delete {
        table: Table,
        key: String,
        condition: Condition,
    },
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StoreError {
    /// The write at `index` of the batch found its condition false; nothing
    /// of the batch was applied.
    #[error("write {index} of the batch: its condition does not hold")]
    ConditionFailed { index: usize },
    /// A write the store cannot perform (e.g. a body without its key).
    #[error("invalid write: {0}")]
    Invalid(String),
    /// The store could not be reached or failed; worth retrying.
    #[error("records store unavailable: {0}")]
    Unavailable(String),
}

impl StoreError {
    /// Whether a state machine should retry the step that met it.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }

    /// The error name a state machine's Retry and Catch match on.
    pub fn error_name(&self) -> &'static str {
        match self {
            StoreError::ConditionFailed { .. } => "Records.ConditionFailed",
            StoreError::Invalid(_) => "Records.Invalid",
            StoreError::Unavailable(_) => "Records.Unavailable",
        }
    }
}

/// Records by index: those whose `hash` attribute equals `hash_value`, in
/// `range` order, optionally from `range_from` (inclusive) on, and after
/// `after` (the last record of the previous page), at most `limit` of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub table: Table,
    pub index: &'static IndexDef,
    pub hash_value: Value,
    pub range_from: Option<String>,
    pub after: Option<Position>,
    pub limit: Option<usize>,
}

/// A record's place in an index's order: its range value (a string) and
/// its key, which orders records with equal range values. A page resumes
/// after the last record of the one before, so a page boundary between
/// equal range values neither repeats nor skips one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub range: Option<String>,
    pub key: String,
}

impl Position {
    /// Where `item` stands in `index`'s order.
    pub fn of(item: &Item, index: &IndexDef) -> Position {
        Position {
            range: index
                .range
                .and_then(|range| item.body.get(range))
                .and_then(Value::as_str)
                .map(str::to_owned),
            key: item.key.clone(),
        }
    }
}

/// An item of a table with a TTL whose `ttl` is before the store's clock is
/// absent, whether or not the store has deleted it yet: `get` and `query`
/// skip it, `NotExists` holds over it (a put replaces it, at version 1),
/// and every write that needs the record (`Version`, `Increment`) fails.
#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn get(&self, table: Table, key: &str) -> Result<Option<Item>, StoreError>;

    async fn query(&self, query: &Query) -> Result<Vec<Item>, StoreError>;

    /// Every live record of `table`, in no particular order. It reads the
    /// whole table: only for an operator's rare search that no index serves
    /// (a person's records by email, for export and erasure).
    async fn scan(&self, table: Table) -> Result<Vec<Item>, StoreError>;

    /// Applies every write or none: if any condition is false, nothing changes
    /// and the error names the first write that failed.
    async fn transact(&self, writes: &[Write]) -> Result<(), StoreError>;
}
