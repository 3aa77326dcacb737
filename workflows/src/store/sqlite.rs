//! The durable store: one SQLite file in WAL mode. Each call is atomic (a
//! transaction of its own, or a savepoint inside the engine's group commit),
//! so a process killed at any instant leaves every write either wholly
//! present or absent, and nothing a caller was answered is lost.
//! `synchronous=NORMAL` survives a killed process (not a power cut, which
//! may lose the last commits but never corrupts).

use super::*;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

/// The layout's version (`PRAGMA user_version`). Version 0 held each
/// record as JSON keyed by text (the execution ARN repeated in every event
/// and token row and in both event keys, the definition copied into each
/// execution); `open` migrates such a file.
const VERSION: i64 = 1;

/// Layout 1. Events and tokens reference their execution by its integer
/// id; an event's fixed fields are columns and only its details JSON; an
/// execution references its definition, which is held once. An execution's
/// `body` is its record without the fields held in columns (ARN, state
/// machine, definition).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS state_machines (arn TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS definitions (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, text TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS definitions_by_hash ON definitions (hash);
CREATE TABLE IF NOT EXISTS executions (
    id INTEGER PRIMARY KEY, arn TEXT NOT NULL UNIQUE, state_machine_arn TEXT NOT NULL,
    definition INTEGER NOT NULL REFERENCES definitions (id), body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine_arn);
CREATE TABLE IF NOT EXISTS events (
    execution INTEGER NOT NULL REFERENCES executions (id), id INTEGER NOT NULL, key TEXT,
    type TEXT NOT NULL, previous INTEGER NOT NULL, time INTEGER NOT NULL, details TEXT NOT NULL,
    PRIMARY KEY (execution, id)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS events_by_key ON events (execution, key);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, execution INTEGER NOT NULL REFERENCES executions (id),
    outcome_key TEXT NOT NULL, open INTEGER NOT NULL, last_heartbeat INTEGER,
    UNIQUE (execution, outcome_key));
CREATE TABLE IF NOT EXISTS schedules (name TEXT PRIMARY KEY, body TEXT NOT NULL);
";

fn to_json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError(format!("unserializable record: {e}")))
}

fn from_json<T: for<'de> Deserialize<'de>>(s: String) -> StoreResult<T> {
    serde_json::from_str(&s).map_err(|e| StoreError(format!("corrupt record: {e}")))
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError(e.to_string())
    }
}

/// A time as stored: nanoseconds since the epoch (exact for 1677–2262).
fn to_nanos(t: DateTime<Utc>) -> StoreResult<i64> {
    t.timestamp_nanos_opt()
        .ok_or_else(|| StoreError(format!("time out of range: {t}")))
}

fn from_nanos(n: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(n)
}

/// FNV-1a: a hash of a definition's text that stays the same across builds
/// (the standard library's does not promise to).
fn text_hash(text: &str) -> i64 {
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// `SELECT` of the columns `execution_row` reads, in its order, then `$rest`.
/// (A join's `= +?1`: with `= ?1` SQLite, built with STAT4, prepares the
/// query anew on every run; the `+` keeps the same index search without it.)
macro_rules! select_execution {
    ($rest:literal) => {
        concat!(
            "SELECT e.arn, e.state_machine_arn, d.text, e.body FROM executions e ",
            "JOIN definitions d ON d.id = e.definition ",
            $rest
        )
    };
}

fn execution_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

/// The record from the columns `execution_row` read.
fn execution_record(
    (arn, state_machine_arn, definition, body): (String, String, String, String),
) -> StoreResult<ExecutionRecord> {
    let rec: ExecutionRecord = from_json(body)?;
    Ok(ExecutionRecord {
        arn,
        state_machine_arn,
        definition,
        ..rec
    })
}

/// An execution's `body`: the record without the fields held in columns.
fn execution_body(e: &ExecutionRecord) -> StoreResult<String> {
    to_json(&ExecutionRecord {
        arn: String::new(),
        state_machine_arn: String::new(),
        definition: String::new(),
        ..e.clone()
    })
}

/// `SELECT` of the columns `event_row` reads, in its order, then `$rest`.
macro_rules! select_event {
    ($rest:literal) => {
        concat!(
            "SELECT id, previous, time, type, details FROM events ",
            $rest
        )
    };
}

fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, i64, i64, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn event_record(
    (id, previous, time, event_type, details): (i64, i64, i64, String, String),
) -> StoreResult<HistoryEvent> {
    Ok(HistoryEvent {
        id: id as u64,
        previous_event_id: previous as u64,
        timestamp: from_nanos(time),
        event_type,
        details: from_json(details)?,
    })
}

/// `SELECT` of the columns `token_row` reads, in its order, then `$rest`.
macro_rules! select_token {
    ($rest:literal) => {
        concat!(
            "SELECT t.token, e.arn, t.outcome_key, t.open, t.last_heartbeat FROM tokens t ",
            "JOIN executions e ON e.id = t.execution ",
            $rest
        )
    };
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        token: r.get(0)?,
        execution_arn: r.get(1)?,
        outcome_key: r.get(2)?,
        open: r.get(3)?,
        last_heartbeat: r.get::<_, Option<i64>>(4)?.map(from_nanos),
    })
}

impl SqliteStore {
    /// Opens (or creates) a store file, migrating one of an older layout.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=10000;",
        )?;
        conn.set_prepared_statement_cache_capacity(64);
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > VERSION {
            return Err(StoreError(format!(
                "the store file has layout {version}, newer than this build's {VERSION}"
            )));
        }
        let v0_events: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info('events') WHERE name = 'body')",
            [],
            |r| r.get(0),
        )?;
        if version == 0 && v0_events {
            migrate_v0(&tx)?;
        } else {
            tx.execute_batch(SCHEMA)?;
        }
        tx.pragma_update(None, "user_version", VERSION)?;
        tx.commit()?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    /// The connection. A panic while it was held leaves it usable: each
    /// write is one transaction or savepoint, which is undone if unfinished.
    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` atomically: in a transaction of its own (IMMEDIATE, so that
    /// its read and write see the same state), or in a savepoint inside a
    /// group's transaction.
    fn atomically<T>(&self, f: impl FnOnce(&Connection) -> StoreResult<T>) -> StoreResult<T> {
        let mut conn = self.conn();
        if conn.is_autocommit() {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let r = f(&tx)?;
            tx.commit()?;
            Ok(r)
        } else {
            conn.prepare_cached("SAVEPOINT atomic")?.execute([])?;
            match f(&conn) {
                Ok(r) => {
                    conn.prepare_cached("RELEASE atomic")?.execute([])?;
                    Ok(r)
                }
                Err(e) => {
                    conn.prepare_cached("ROLLBACK TO atomic")?.execute([])?;
                    conn.prepare_cached("RELEASE atomic")?.execute([])?;
                    Err(e)
                }
            }
        }
    }

    /// An execution's integer id, if it exists.
    fn execution_id(conn: &Connection, arn: &str) -> StoreResult<Option<i64>> {
        Ok(conn
            .prepare_cached("SELECT id FROM executions WHERE arn = ?1")?
            .query_row([arn], |r| r.get(0))
            .optional()?)
    }

    /// The id of an execution that must exist (a write about it).
    fn existing_execution_id(conn: &Connection, arn: &str) -> StoreResult<i64> {
        Self::execution_id(conn, arn)?.ok_or_else(|| StoreError(format!("no execution {arn}")))
    }

    /// The id of a definition's text, stored if new.
    fn definition_id(conn: &Connection, text: &str) -> StoreResult<i64> {
        let hash = text_hash(text);
        let found: Option<i64> = conn
            .prepare_cached("SELECT id FROM definitions WHERE hash = ?1 AND text = ?2")?
            .query_row(params![hash, text], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(id);
        }
        conn.prepare_cached("INSERT INTO definitions (hash, text) VALUES (?1, ?2)")?
            .execute(params![hash, text])?;
        Ok(conn.last_insert_rowid())
    }

    fn event_by_key(
        conn: &Connection,
        execution: i64,
        key: &str,
    ) -> StoreResult<Option<HistoryEvent>> {
        conn.prepare_cached(select_event!("WHERE execution = ?1 AND key = ?2"))?
            .query_row(params![execution, key], event_row)
            .optional()?
            .map(event_record)
            .transpose()
    }

    /// Inserts an execution unless one with its ARN exists; whether it did.
    fn insert_execution_in(conn: &Connection, e: &ExecutionRecord) -> StoreResult<bool> {
        let definition = Self::definition_id(conn, &e.definition)?;
        let n = conn
            .prepare_cached(
                "INSERT INTO executions (arn, state_machine_arn, definition, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (arn) DO NOTHING",
            )?
            .execute(params![e.arn, e.state_machine_arn, definition, execution_body(e)?])?;
        Ok(n == 1)
    }

    fn insert_token_in(conn: &Connection, execution: i64, t: &TokenRecord) -> StoreResult<()> {
        let heartbeat = t.last_heartbeat.map(to_nanos).transpose()?;
        conn.prepare_cached(
            "INSERT INTO tokens (token, execution, outcome_key, open, last_heartbeat) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![t.token, execution, t.outcome_key, t.open, heartbeat])?;
        Ok(())
    }

    /// Inserts one event row (the caller has checked its key is free).
    fn insert_event_in(
        conn: &Connection,
        execution: i64,
        key: Option<&str>,
        e: &HistoryEvent,
    ) -> StoreResult<()> {
        conn.prepare_cached(
            "INSERT INTO events (execution, id, key, type, previous, time, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            execution,
            e.id as i64,
            key,
            e.event_type,
            e.previous_event_id as i64,
            to_nanos(e.timestamp)?,
            to_json(&e.details)?
        ])?;
        Ok(())
    }

    /// Appends one event inside the caller's transaction. `next_id` caches
    /// the execution's next id across the events of one batch.
    fn append_in(
        tx: &Connection,
        execution: i64,
        key: Option<&str>,
        ev: NewEvent,
        next_id: &mut Option<i64>,
    ) -> StoreResult<HistoryEvent> {
        if let Some(k) = key
            && let Some(existing) = Self::event_by_key(tx, execution, k)?
        {
            return Ok(existing);
        }
        let id = match *next_id {
            Some(id) => id,
            // `+?1`: with `execution = ?1` (or `MAX(id)`) SQLite, built
            // with STAT4, prepares the query anew on every run; the same
            // search on the primary key.
            None => {
                tx.prepare_cached(
                    "SELECT id FROM events WHERE execution = +?1 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([execution], |r| r.get::<_, i64>(0))
                .optional()?
                .unwrap_or(0)
                    + 1
            }
        };
        let e = HistoryEvent {
            id: id as u64,
            previous_event_id: ev.previous_event_id,
            timestamp: ev.timestamp,
            event_type: ev.event_type,
            details: ev.details,
        };
        Self::insert_event_in(tx, execution, key, &e)?;
        *next_id = Some(id + 1);
        Ok(e)
    }
}

/// Moves a file of layout 0 to layout 1 inside the caller's transaction:
/// the old tables are renamed, their rows copied into the new ones, and
/// dropped. Either all of it is committed or none.
fn migrate_v0(tx: &Connection) -> StoreResult<()> {
    tx.execute_batch(
        "DROP INDEX IF EXISTS executions_by_machine; DROP INDEX IF EXISTS events_by_key;
         ALTER TABLE executions RENAME TO v0_executions;
         ALTER TABLE events RENAME TO v0_events;
         ALTER TABLE tokens RENAME TO v0_tokens;",
    )?;
    tx.execute_batch(SCHEMA)?;
    // A row as the new id of its execution (NULL for a row whose execution
    // is missing, which fails the migration), that execution's ARN, its key
    // and its body.
    type Row = (Option<i64>, String, Option<String>, String);
    let rows = |sql: &str| -> StoreResult<Vec<Row>> {
        let mut st = tx.prepare(sql)?;
        let rows = st
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    let id =
        |id: Option<i64>, arn: &str| id.ok_or_else(|| StoreError(format!("no execution {arn}")));
    for (_, _, _, body) in rows("SELECT NULL, arn, NULL, body FROM v0_executions ORDER BY rowid")? {
        SqliteStore::insert_execution_in(tx, &from_json(body)?)?;
    }
    for (execution, arn, key, body) in rows(
        "SELECT x.id, v.execution, v.key, v.body FROM v0_events v
         LEFT JOIN executions x ON x.arn = v.execution ORDER BY v.execution, v.id",
    )? {
        let e: HistoryEvent = from_json(body)?;
        SqliteStore::insert_event_in(tx, id(execution, &arn)?, key.as_deref(), &e)?;
    }
    for (execution, arn, _, body) in rows(
        "SELECT x.id, v.execution, NULL, v.body FROM v0_tokens v
         LEFT JOIN executions x ON x.arn = v.execution ORDER BY v.rowid",
    )? {
        let t: TokenRecord = from_json(body)?;
        SqliteStore::insert_token_in(tx, id(execution, &arn)?, &t)?;
    }
    tx.execute_batch("DROP TABLE v0_executions; DROP TABLE v0_events; DROP TABLE v0_tokens;")?;
    Ok(())
}

impl Store for SqliteStore {
    fn begin_group(&self) -> StoreResult<()> {
        let conn = self.conn();
        if !conn.is_autocommit() {
            // A group whose rollback failed is still open: undo it first.
            conn.execute_batch("ROLLBACK")?;
        }
        Ok(conn.execute_batch("BEGIN IMMEDIATE")?)
    }
    fn begin_call(&self) -> StoreResult<()> {
        self.conn().prepare_cached("SAVEPOINT call")?.execute([])?;
        Ok(())
    }
    fn end_call(&self, keep: bool) -> StoreResult<()> {
        let conn = self.conn();
        if !keep {
            conn.prepare_cached("ROLLBACK TO call")?.execute([])?;
        }
        conn.prepare_cached("RELEASE call")?.execute([])?;
        Ok(())
    }
    fn end_group(&self, commit: bool) -> StoreResult<()> {
        let conn = self.conn();
        if commit {
            let committed = conn.execute_batch("COMMIT");
            if committed.is_err() && !conn.is_autocommit() {
                // Undone now, or else before the next group.
                let _ = conn.execute_batch("ROLLBACK");
            }
            return Ok(committed?);
        }
        Ok(conn.execute_batch("ROLLBACK")?)
    }

    fn put_state_machine(&self, sm: &StateMachineRecord) -> StoreResult<()> {
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO state_machines (arn, body) VALUES (?1, ?2)")?
            .execute(params![sm.arn, to_json(sm)?])?;
        Ok(())
    }
    fn get_state_machine(&self, arn: &str) -> StoreResult<Option<StateMachineRecord>> {
        let body: Option<String> = self
            .conn()
            .prepare_cached("SELECT body FROM state_machines WHERE arn = ?1")?
            .query_row([arn], |r| r.get(0))
            .optional()?;
        body.map(from_json).transpose()
    }
    fn list_state_machines(&self) -> StoreResult<Vec<StateMachineRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT body FROM state_machines ORDER BY rowid")?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(from_json).collect()
    }

    fn insert_execution(&self, e: &ExecutionRecord) -> StoreResult<(ExecutionRecord, bool)> {
        self.atomically(|tx| {
            if Self::insert_execution_in(tx, e)? {
                return Ok((e.clone(), true));
            }
            let row = tx
                .prepare_cached(select_execution!("WHERE e.arn = +?1"))?
                .query_row([&e.arn], execution_row)?;
            Ok((execution_record(row)?, false))
        })
    }
    fn get_execution(&self, arn: &str) -> StoreResult<Option<ExecutionRecord>> {
        self.conn()
            .prepare_cached(select_execution!("WHERE e.arn = +?1"))?
            .query_row([arn], execution_row)
            .optional()?
            .map(execution_record)
            .transpose()
    }
    fn update_execution(&self, e: &ExecutionRecord) -> StoreResult<()> {
        self.atomically(|tx| {
            let definition = Self::definition_id(tx, &e.definition)?;
            tx.prepare_cached("UPDATE executions SET definition = ?2, body = ?3 WHERE arn = ?1")?
                .execute(params![e.arn, definition, execution_body(e)?])?;
            Ok(())
        })
    }
    fn list_executions(&self, sm: Option<&str>) -> StoreResult<Vec<ExecutionRecord>> {
        let conn = self.conn();
        let rows: Vec<_> = match sm {
            Some(sm) => {
                let mut st = conn.prepare(select_execution!(
                    "WHERE e.state_machine_arn = ?1 ORDER BY e.id DESC"
                ))?;
                st.query_map([sm], execution_row)?
                    .collect::<Result<_, _>>()?
            }
            None => {
                let mut st = conn.prepare(select_execution!("ORDER BY e.id DESC"))?;
                st.query_map([], execution_row)?.collect::<Result<_, _>>()?
            }
        };
        rows.into_iter().map(execution_record).collect()
    }

    fn append_event(
        &self,
        execution: &str,
        key: Option<&str>,
        ev: NewEvent,
    ) -> StoreResult<HistoryEvent> {
        self.atomically(|tx| {
            let id = Self::existing_execution_id(tx, execution)?;
            Self::append_in(tx, id, key, ev, &mut None)
        })
    }
    fn append_events(
        &self,
        execution: &str,
        events: Vec<Append>,
    ) -> StoreResult<Vec<HistoryEvent>> {
        self.atomically(|tx| {
            let id = Self::existing_execution_id(tx, execution)?;
            let mut next_id = None;
            let mut out: Vec<HistoryEvent> = Vec::with_capacity(events.len());
            for a in events {
                let (key, ev) = a.resolve(out.last());
                out.push(Self::append_in(tx, id, key.as_deref(), ev, &mut next_id)?);
            }
            Ok(out)
        })
    }
    fn find_event(&self, execution: &str, key: &str) -> StoreResult<Option<HistoryEvent>> {
        let conn = self.conn();
        match Self::execution_id(&conn, execution)? {
            Some(id) => Self::event_by_key(&conn, id, key),
            None => Ok(None),
        }
    }
    fn history(&self, execution: &str) -> StoreResult<Vec<HistoryEvent>> {
        let conn = self.conn();
        let Some(id) = Self::execution_id(&conn, execution)? else {
            return Ok(Vec::new());
        };
        let mut st = conn.prepare_cached(select_event!("WHERE execution = ?1 ORDER BY id"))?;
        let rows = st
            .query_map([id], event_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(event_record).collect()
    }
    fn forget_failures(&self, execution: &str) -> StoreResult<()> {
        self.atomically(|tx| {
            let Some(id) = Self::execution_id(tx, execution)? else {
                return Ok(());
            };
            let keyed: Vec<(String, String)> = {
                let mut st = tx.prepare(
                    "SELECT key, type FROM events WHERE execution = ?1 AND key IS NOT NULL ORDER BY id",
                )?;
                st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<Vec<_>, _>>()?
            };
            for k in trailing_failures(keyed.iter().map(|(k, t)| (k.as_str(), t.as_str()))) {
                tx.prepare_cached("UPDATE events SET key = NULL WHERE execution = ?1 AND key = ?2")?
                    .execute(params![id, k])?;
            }
            Ok(())
        })
    }

    fn insert_token(&self, t: &TokenRecord) -> StoreResult<TokenRecord> {
        self.atomically(|tx| {
            let id = Self::existing_execution_id(tx, &t.execution_arn)?;
            Self::insert_token_in(tx, id, t)?;
            Ok(tx
                .prepare_cached(select_token!(
                    "WHERE t.execution = +?1 AND t.outcome_key = +?2"
                ))?
                .query_row(params![id, t.outcome_key], token_row)?)
        })
    }
    fn get_token(&self, token: &str) -> StoreResult<Option<TokenRecord>> {
        Ok(self
            .conn()
            .prepare_cached(select_token!("WHERE t.token = +?1"))?
            .query_row([token], token_row)
            .optional()?)
    }
    fn update_token(&self, t: &TokenRecord) -> StoreResult<()> {
        let heartbeat = t.last_heartbeat.map(to_nanos).transpose()?;
        self.conn()
            .prepare_cached("UPDATE tokens SET open = ?2, last_heartbeat = ?3 WHERE token = ?1")?
            .execute(params![t.token, t.open, heartbeat])?;
        Ok(())
    }
    fn open_tokens(&self, execution: &str) -> StoreResult<Vec<TokenRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(select_token!("WHERE e.arn = +?1 AND t.open"))?;
        let rows = st
            .query_map([execution], token_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn put_schedule(&self, s: &ScheduleRecord) -> StoreResult<()> {
        self.conn()
            .prepare_cached("INSERT OR REPLACE INTO schedules (name, body) VALUES (?1, ?2)")?
            .execute(params![s.name, to_json(s)?])?;
        Ok(())
    }
    fn get_schedule(&self, name: &str) -> StoreResult<Option<ScheduleRecord>> {
        let body: Option<String> = self
            .conn()
            .prepare_cached("SELECT body FROM schedules WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        body.map(from_json).transpose()
    }
    fn delete_schedule(&self, name: &str) -> StoreResult<bool> {
        Ok(self
            .conn()
            .prepare_cached("DELETE FROM schedules WHERE name = ?1")?
            .execute([name])?
            == 1)
    }
    fn list_schedules(&self) -> StoreResult<Vec<ScheduleRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT body FROM schedules ORDER BY name")?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(from_json).collect()
    }
}
