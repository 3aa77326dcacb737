//! The embedded records adapter: one SQLite file, one table of JSON bodies.
//!
//! Every table of [`Table`] is rows of `records` with its name in `tbl`; each
//! index is an expression index over the JSON attribute it is keyed by. A
//! batch runs in one `BEGIN IMMEDIATE` transaction, which SQLite serializes
//! against every other writer (threads or processes), so conditions checked
//! inside it still hold when its writes land. Every call runs on the
//! connection's own thread ([`worker`]), never on the async runtime's.
//!
//! An item past its `ttl` (by the store's clock) is filtered out by every
//! read, the reads inside a batch included, so it is absent to conditions too.

mod worker;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;

use crate::clock::Clock;
use crate::port::{Condition, Item, Query, RecordStore, StoreError, Write};
use crate::table::{TTL, Table};
use worker::Worker;

pub struct SqliteStore {
    worker: Worker,
    /// What an item's `ttl` is compared with.
    clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `path`.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        let connection = Connection::open(path).map_err(unavailable)?;
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(unavailable)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(unavailable)?;
        Self::with_connection(connection, clock)
    }

    /// A private store that lives as long as the value (for tests).
    pub fn in_memory(clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        Self::with_connection(Connection::open_in_memory().map_err(unavailable)?, clock)
    }

    fn with_connection(connection: Connection, clock: Arc<dyn Clock>) -> Result<Self, StoreError> {
        connection
            .busy_timeout(Duration::from_secs(10))
            .map_err(unavailable)?;
        connection.execute_batch(&schema()).map_err(unavailable)?;
        Ok(SqliteStore {
            worker: Worker::start(connection)?,
            clock,
        })
    }

    /// Up to `limit` records of `table`, by key. The local operations
    /// console lists tables with it.
    pub async fn list(&self, table: Table, limit: usize) -> Result<Vec<Item>, StoreError> {
        self.select_all(table, Some(limit)).await
    }

    /// The live records of `table` by key, at most `limit` of them.
    async fn select_all(
        &self,
        table: Table,
        limit: Option<usize>,
    ) -> Result<Vec<Item>, StoreError> {
        let cutoff = cutoff(table, self.now());
        // SQLite reads a negative LIMIT as none.
        let limit = limit.map_or(-1, |limit| limit as i64);
        self.worker
            .call(move |connection| {
                let mut statement = connection
                    .prepare_cached(&format!(
                        "SELECT key, version, body FROM records WHERE tbl = ?1 AND {} \
                         ORDER BY key LIMIT ?3",
                        live(2)
                    ))
                    .map_err(unavailable)?;
                let rows = statement
                    .query_map(params![table_name(table), cutoff, limit], item_row)
                    .map_err(unavailable)?;
                rows.map(|row| row.map_err(unavailable)?).collect()
            })
            .await
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }
}

/// Items of `table` whose `ttl` is before this are expired: `now` for a
/// table with a TTL; none for the others.
fn cutoff(table: Table, now: i64) -> i64 {
    if table.def().ttl { now } else { i64::MIN }
}

/// The table and one expression index per distinct (hash, range) attribute pair.
fn schema() -> String {
    let mut sql = String::from(
        "CREATE TABLE IF NOT EXISTS records (
            tbl TEXT NOT NULL,
            key TEXT NOT NULL,
            version INTEGER NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (tbl, key)
        ) WITHOUT ROWID;\n",
    );
    for table in Table::ALL {
        for index in table.def().indexes {
            let range = index.range.unwrap_or("");
            sql.push_str(&format!(
                "CREATE INDEX IF NOT EXISTS \"records_by_{hash}_{range}\" ON records (tbl, {h}, {r});\n",
                hash = index.hash,
                h = attribute(index.hash),
                r = if range.is_empty() { "NULL".to_owned() } else { attribute(range) },
            ));
        }
    }
    sql
}

/// The SQL expression of a top-level JSON attribute (names are ours, static).
fn attribute(name: &str) -> String {
    format!("json_extract(body, '$.{name}')")
}

/// The condition that a row has not expired by the cutoff bound to
/// `?{parameter}` (a row without a numeric `ttl` never does).
fn live(parameter: usize) -> String {
    format!("coalesce({} >= ?{parameter}, 1)", attribute(TTL))
}

/// An item from a row of `key, version, body`.
fn item_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Item, StoreError>> {
    let (key, version, body) = (
        row.get::<_, String>(0)?,
        row.get::<_, i64>(1)?,
        row.get::<_, String>(2)?,
    );
    Ok(parse_body(&body).map(|body| Item {
        key,
        version: version as u64,
        body,
    }))
}

fn unavailable(err: rusqlite::Error) -> StoreError {
    StoreError::Unavailable(err.to_string())
}

fn table_name(table: Table) -> &'static str {
    table.def().default_name
}

fn to_sql(value: &Value) -> SqlValue {
    match value {
        Value::String(text) => SqlValue::Text(text.clone()),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => SqlValue::Integer(integer),
            None => SqlValue::Real(number.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Bool(flag) => SqlValue::Integer(i64::from(*flag)),
        other => SqlValue::Text(other.to_string()),
    }
}

fn parse_body(text: &str) -> Result<Value, StoreError> {
    serde_json::from_str(text).map_err(|err| StoreError::Invalid(format!("stored body: {err}")))
}

#[async_trait]
impl RecordStore for SqliteStore {
    async fn get(&self, table: Table, key: &str) -> Result<Option<Item>, StoreError> {
        let cutoff = cutoff(table, self.now());
        let key = key.to_owned();
        self.worker
            .call(move |connection| {
                connection
                    .prepare_cached(&format!(
                        "SELECT key, version, body FROM records WHERE tbl = ?1 AND key = ?2 AND {}",
                        live(3)
                    ))
                    .map_err(unavailable)?
                    .query_row(params![table_name(table), key, cutoff], item_row)
                    .optional()
                    .map_err(unavailable)?
                    .transpose()
            })
            .await
    }

    async fn query(&self, query: &Query) -> Result<Vec<Item>, StoreError> {
        let range = query.index.range.map(attribute);
        let mut sql = format!(
            "SELECT key, version, body FROM records WHERE tbl = ?1 AND {} = ?2 AND {}",
            attribute(query.index.hash),
            live(3)
        );
        let mut bound = vec![
            SqlValue::Text(table_name(query.table).to_owned()),
            to_sql(&query.hash_value),
            SqlValue::Integer(cutoff(query.table, self.now())),
        ];
        if let (Some(range), Some(from)) = (&range, &query.range_from) {
            bound.push(SqlValue::Text(from.clone()));
            sql.push_str(&format!(" AND {range} >= ?{}", bound.len()));
        }
        // After the previous page's last record, in (range, key) order.
        if let Some(after) = &query.after {
            bound.push(SqlValue::Text(after.key.clone()));
            let key = bound.len();
            match (&range, &after.range) {
                (Some(range), Some(value)) => {
                    bound.push(SqlValue::Text(value.clone()));
                    let value = bound.len();
                    sql.push_str(&format!(
                        " AND ({range} > ?{value} OR ({range} = ?{value} AND key > ?{key}))"
                    ));
                }
                _ => sql.push_str(&format!(" AND key > ?{key}")),
            }
        }
        sql.push_str(&format!(
            " ORDER BY {}, key",
            range.as_deref().unwrap_or("key")
        ));
        if let Some(limit) = query.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        self.worker
            .call(move |connection| {
                let mut statement = connection.prepare_cached(&sql).map_err(unavailable)?;
                let rows = statement
                    .query_map(rusqlite::params_from_iter(bound), item_row)
                    .map_err(unavailable)?;
                rows.map(|row| row.map_err(unavailable)?).collect()
            })
            .await
    }

    async fn scan(&self, table: Table) -> Result<Vec<Item>, StoreError> {
        self.select_all(table, None).await
    }

    async fn transact(&self, writes: &[Write]) -> Result<(), StoreError> {
        let writes = writes.to_vec();
        let now = self.now();
        self.worker
            .call(move |connection| {
                let transaction = connection
                    .transaction_with_behavior(TransactionBehavior::Immediate)
                    .map_err(unavailable)?;
                for (index, write) in writes.iter().enumerate() {
                    // Dropping the transaction on an early return rolls it back.
                    apply(&transaction, write, now)?
                        .then_some(())
                        .ok_or(StoreError::ConditionFailed { index })?;
                }
                transaction.commit().map_err(unavailable)
            })
            .await
    }
}

/// Applies one write inside the batch's transaction, at `now` (epoch
/// seconds); `false` when its condition does not hold.
fn apply(
    transaction: &rusqlite::Transaction<'_>,
    write: &Write,
    now: i64,
) -> Result<bool, StoreError> {
    let current = |table: Table, key: &str| -> Result<Option<(u64, String)>, StoreError> {
        transaction
            .prepare_cached(&format!(
                "SELECT version, body FROM records WHERE tbl = ?1 AND key = ?2 AND {}",
                live(3)
            ))
            .map_err(unavailable)?
            .query_row(params![table_name(table), key, cutoff(table, now)], |row| {
                Ok((row.get::<_, i64>(0)? as u64, row.get::<_, String>(1)?))
            })
            .optional()
            .map_err(unavailable)
    };
    let store = |table: Table, key: &str, version: u64, body: &Value| -> Result<(), StoreError> {
        transaction
            .execute(
                "INSERT INTO records (tbl, key, version, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tbl, key) DO UPDATE SET version = excluded.version, body = excluded.body",
                params![table_name(table), key, version as i64, body.to_string()],
            )
            .map(drop)
            .map_err(unavailable)
    };
    match write {
        Write::Put {
            table,
            body,
            condition,
        } => {
            let key = table
                .key_of(body)
                .ok_or_else(|| StoreError::Invalid(format!("{table:?} body without its key")))?;
            let existing = current(*table, key)?.map(|(version, _)| version);
            if !holds(*condition, existing) {
                return Ok(false);
            }
            store(*table, key, existing.unwrap_or(0) + 1, body)?;
            Ok(true)
        }
        Write::Increment {
            table,
            key,
            field,
            by,
            limit_field,
        } => {
            let Some((version, text)) = current(*table, key)? else {
                return Ok(false);
            };
            let mut body = parse_body(&text)?;
            let value = body.get(*field).and_then(Value::as_i64).unwrap_or(0) + by;
            let limit = limit_field.and_then(|limit| body.get(limit)?.as_i64());
            let within_limit = match (limit_field, limit) {
                (None, _) => true,
                (Some(_), Some(limit)) => *by <= 0 || value <= limit,
                (Some(_), None) => false,
            };
            if value < 0 || !within_limit {
                return Ok(false);
            }
            body[*field] = Value::from(value);
            store(*table, key, version + 1, &body)?;
            Ok(true)
        }
        Write::Delete {
            table,
            key,
            condition,
        } => {
            if *condition == Condition::NotExists {
                return Err(StoreError::Invalid("delete on NotExists".into()));
            }
            let existing = current(*table, key)?.map(|(version, _)| version);
            if !holds(*condition, existing) {
                return Ok(false);
            }
            transaction
                .execute(
                    "DELETE FROM records WHERE tbl = ?1 AND key = ?2",
                    params![table_name(*table), key],
                )
                .map_err(unavailable)?;
            Ok(true)
        }
    }
}

fn holds(condition: Condition, existing: Option<u64>) -> bool {
    match condition {
        Condition::Always => true,
        Condition::NotExists => existing.is_none(),
        Condition::Version(version) => existing == Some(version),
    }
}
