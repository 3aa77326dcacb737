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

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS state_machines (arn TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS executions (
    arn TEXT PRIMARY KEY, state_machine_arn TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS executions_by_machine ON executions (state_machine_arn);
CREATE TABLE IF NOT EXISTS events (
    execution TEXT NOT NULL, id INTEGER NOT NULL, key TEXT, body TEXT NOT NULL,
    PRIMARY KEY (execution, id));
CREATE UNIQUE INDEX IF NOT EXISTS events_by_key ON events (execution, key) WHERE key IS NOT NULL;
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, execution TEXT NOT NULL, outcome_key TEXT NOT NULL, body TEXT NOT NULL,
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

impl SqliteStore {
    pub fn open(path: impl AsRef<Path>) -> StoreResult<Self> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA wal_autocheckpoint=10000;",
        )?;
        conn.execute_batch(SCHEMA)?;
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
            let sp = conn.savepoint()?;
            let r = f(&sp)?;
            sp.commit()?;
            Ok(r)
        }
    }

    fn event_by_key(
        conn: &Connection,
        execution: &str,
        key: &str,
    ) -> StoreResult<Option<HistoryEvent>> {
        let body: Option<String> = conn
            .prepare_cached("SELECT body FROM events WHERE execution = ?1 AND key = ?2")?
            .query_row(params![execution, key], |r| r.get(0))
            .optional()?;
        body.map(from_json).transpose()
    }
}

impl SqliteStore {
    /// Appends one event inside the caller's transaction. `next_id` caches
    /// the execution's next id across the events of one batch.
    fn append_in(
        tx: &Connection,
        execution: &str,
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
            None => tx
                .prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM events WHERE execution = ?1")?
                .query_row([execution], |r| r.get(0))?,
        };
        *next_id = Some(id + 1);
        let e = HistoryEvent {
            id: id as u64,
            previous_event_id: ev.previous_event_id,
            timestamp: ev.timestamp,
            event_type: ev.event_type,
            details: ev.details,
        };
        tx.prepare_cached("INSERT INTO events (execution, id, key, body) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![execution, id, key, to_json(&e)?])?;
        Ok(e)
    }
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
        let conn = self.conn();
        let n = conn.prepare_cached("INSERT OR IGNORE INTO executions (arn, state_machine_arn, body) VALUES (?1, ?2, ?3)")?
            .execute(params![e.arn, e.state_machine_arn, to_json(e)?])?;
        if n == 1 {
            return Ok((e.clone(), true));
        }
        let body: String = conn
            .prepare_cached("SELECT body FROM executions WHERE arn = ?1")?
            .query_row([&e.arn], |r| r.get(0))?;
        Ok((from_json(body)?, false))
    }
    fn get_execution(&self, arn: &str) -> StoreResult<Option<ExecutionRecord>> {
        let body: Option<String> = self
            .conn()
            .prepare_cached("SELECT body FROM executions WHERE arn = ?1")?
            .query_row([arn], |r| r.get(0))
            .optional()?;
        body.map(from_json).transpose()
    }
    fn update_execution(&self, e: &ExecutionRecord) -> StoreResult<()> {
        self.conn()
            .prepare_cached("UPDATE executions SET body = ?2 WHERE arn = ?1")?
            .execute(params![e.arn, to_json(e)?])?;
        Ok(())
    }
    fn list_executions(&self, sm: Option<&str>) -> StoreResult<Vec<ExecutionRecord>> {
        let conn = self.conn();
        let rows: Vec<String> = match sm {
            Some(sm) => {
                let mut st = conn.prepare(
                    "SELECT body FROM executions WHERE state_machine_arn = ?1 ORDER BY rowid DESC",
                )?;
                st.query_map([sm], |r| r.get(0))?
                    .collect::<Result<_, _>>()?
            }
            None => {
                let mut st = conn.prepare("SELECT body FROM executions ORDER BY rowid DESC")?;
                st.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?
            }
        };
        rows.into_iter().map(from_json).collect()
    }

    fn append_event(
        &self,
        execution: &str,
        key: Option<&str>,
        ev: NewEvent,
    ) -> StoreResult<HistoryEvent> {
        self.atomically(|tx| {
            let mut next_id = None;
            Self::append_in(tx, execution, key, ev, &mut next_id)
        })
    }
    fn append_events(
        &self,
        execution: &str,
        events: Vec<Append>,
    ) -> StoreResult<Vec<HistoryEvent>> {
        self.atomically(|tx| {
            let mut next_id = None;
            let mut out: Vec<HistoryEvent> = Vec::with_capacity(events.len());
            for a in events {
                let (key, ev) = a.resolve(out.last());
                out.push(Self::append_in(
                    tx,
                    execution,
                    key.as_deref(),
                    ev,
                    &mut next_id,
                )?);
            }
            Ok(out)
        })
    }
    fn find_event(&self, execution: &str, key: &str) -> StoreResult<Option<HistoryEvent>> {
        Self::event_by_key(&self.conn(), execution, key)
    }
    fn history(&self, execution: &str) -> StoreResult<Vec<HistoryEvent>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT body FROM events WHERE execution = ?1 ORDER BY id")?;
        let rows = st
            .query_map([execution], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(from_json).collect()
    }
    fn forget_failures(&self, execution: &str) -> StoreResult<()> {
        self.atomically(|tx| {
            let keyed: Vec<(String, HistoryEvent)> = {
                let mut st = tx.prepare(
                    "SELECT key, body FROM events WHERE execution = ?1 AND key IS NOT NULL ORDER BY id",
                )?;
                let rows = st
                    .query_map([execution], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                    })?
                    .collect::<Result<Vec<_>, _>>()?;
                rows.into_iter()
                    .map(|(k, b)| Ok((k, from_json(b)?)))
                    .collect::<StoreResult<_>>()?
            };
            for k in trailing_failures(
                keyed
                    .iter()
                    .map(|(k, e)| (k.as_str(), e.event_type.as_str())),
            ) {
                tx.prepare_cached("UPDATE events SET key = NULL WHERE execution = ?1 AND key = ?2")?
                    .execute(params![execution, k])?;
            }
            Ok(())
        })
    }

    fn insert_token(&self, t: &TokenRecord) -> StoreResult<TokenRecord> {
        let conn = self.conn();
        conn.prepare_cached("INSERT OR IGNORE INTO tokens (token, execution, outcome_key, body) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![t.token, t.execution_arn, t.outcome_key, to_json(t)?])?;
        let body: String = conn
            .prepare_cached("SELECT body FROM tokens WHERE execution = ?1 AND outcome_key = ?2")?
            .query_row(params![t.execution_arn, t.outcome_key], |r| r.get(0))?;
        from_json(body)
    }
    fn get_token(&self, token: &str) -> StoreResult<Option<TokenRecord>> {
        let body: Option<String> = self
            .conn()
            .prepare_cached("SELECT body FROM tokens WHERE token = ?1")?
            .query_row([token], |r| r.get(0))
            .optional()?;
        body.map(from_json).transpose()
    }
    fn update_token(&self, t: &TokenRecord) -> StoreResult<()> {
        self.conn()
            .prepare_cached("UPDATE tokens SET body = ?2 WHERE token = ?1")?
            .execute(params![t.token, to_json(t)?])?;
        Ok(())
    }
    fn open_tokens(&self, execution: &str) -> StoreResult<Vec<TokenRecord>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached("SELECT body FROM tokens WHERE execution = ?1")?;
        let rows = st
            .query_map([execution], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let all: Vec<TokenRecord> = rows
            .into_iter()
            .map(from_json)
            .collect::<StoreResult<_>>()?;
        Ok(all.into_iter().filter(|t| t.open).collect())
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
