//! Persistence: state machines, executions, their history (which is also
//! the replay journal) and task tokens. Every write is idempotent by key, so
//! an execution replayed after a crash re-reads what it had recorded instead
//! of doing it again.

mod access;
mod memory;
mod sqlite;

pub(crate) use access::{Backoff, StoreAccess};
pub use memory::MemoryStore;
pub use sqlite::SqliteStore;

use crate::history::{HistoryEvent, NewEvent};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A store operation that failed: I/O, a full disk, a database locked past
/// its busy timeout, a record that does not parse. Inside an execution it
/// stops the run, which resumes from what was stored (see
/// [`StoreAccess`]); from an operation it is answered as `ApiError::Store`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StateMachineRecord {
    pub arn: String,
    pub name: String,
    /// The definition after `${Name}` substitution.
    pub definition: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Succeeded,
            Self::Failed,
            Self::TimedOut,
            Self::Aborted,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionRecord {
    pub arn: String,
    pub name: String,
    pub state_machine_arn: String,
    /// The definition the execution runs (a snapshot taken at start).
    pub definition: String,
    pub status: ExecutionStatus,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub start_date: DateTime<Utc>,
    pub stop_date: Option<DateTime<Utc>>,
    pub redrive_count: u32,
    pub redrive_date: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub token: String,
    pub execution_arn: String,
    /// History key the task's outcome is recorded under.
    pub outcome_key: String,
    pub open: bool,
    pub last_heartbeat: Option<DateTime<Utc>>,
}

/// A one-time schedule that starts an execution (EventBridge Scheduler's
/// `at(...)` schedules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    pub name: String,
    pub at: DateTime<Utc>,
    pub state_machine_arn: String,
    pub input: String,
    /// False once disabled (a disabled schedule does not fire).
    pub enabled: bool,
    /// Delete the schedule once it has fired (ActionAfterCompletion DELETE).
    pub delete_after_completion: bool,
    /// The execution it started, once it has fired.
    pub execution_arn: Option<String>,
}

pub trait Store: Send + Sync {
    /// Whether a call may block its thread (file I/O, fsync, waiting on a
    /// lock): the engine then makes its calls on a thread of its own, never
    /// on an async worker.
    fn blocks(&self) -> bool {
        true
    }

    /// Group commit, for a store whose calls block: the engine's store
    /// thread opens one transaction with `begin_group` for the calls queued
    /// at that moment, makes each between `begin_call` and `end_call` (which
    /// undoes that call alone when `keep` is false) and makes them durable
    /// together with `end_group(true)` (`false` undoes them all). A caller
    /// is answered only after that commit, so what it was told is on disk.
    /// The defaults make each call a transaction of its own.
    fn begin_group(&self) -> StoreResult<()> {
        Ok(())
    }
    fn begin_call(&self) -> StoreResult<()> {
        Ok(())
    }
    fn end_call(&self, _keep: bool) -> StoreResult<()> {
        Ok(())
    }
    fn end_group(&self, _commit: bool) -> StoreResult<()> {
        Ok(())
    }

    fn put_state_machine(&self, sm: &StateMachineRecord) -> StoreResult<()>;
    fn get_state_machine(&self, arn: &str) -> StoreResult<Option<StateMachineRecord>>;
    fn list_state_machines(&self) -> StoreResult<Vec<StateMachineRecord>>;

    /// Inserts unless an execution with that ARN exists; returns the stored one.
    fn insert_execution(&self, e: &ExecutionRecord) -> StoreResult<(ExecutionRecord, bool)>;
    fn get_execution(&self, arn: &str) -> StoreResult<Option<ExecutionRecord>>;
    fn update_execution(&self, e: &ExecutionRecord) -> StoreResult<()>;
    fn list_executions(&self, state_machine_arn: Option<&str>)
    -> StoreResult<Vec<ExecutionRecord>>;

    /// Appends an event unless one with the same key exists, in which case
    /// that one is returned. Ids are consecutive per execution.
    fn append_event(
        &self,
        execution: &str,
        key: Option<&str>,
        ev: NewEvent,
    ) -> StoreResult<HistoryEvent>;
    /// Appends events in order as one atomic call, each as
    /// [`Store::append_event`] would (a stored key returns the stored
    /// event). One call per state transition instead of one per event.
    fn append_events(
        &self,
        execution: &str,
        events: Vec<Append>,
    ) -> StoreResult<Vec<HistoryEvent>> {
        let mut out: Vec<HistoryEvent> = Vec::with_capacity(events.len());
        for a in events {
            let (key, ev) = a.resolve(out.last());
            out.push(self.append_event(execution, key.as_deref(), ev)?);
        }
        Ok(out)
    }
    fn find_event(&self, execution: &str, key: &str) -> StoreResult<Option<HistoryEvent>>;
    fn history(&self, execution: &str) -> StoreResult<Vec<HistoryEvent>>;
    /// Makes the events that ended each branch in failure no longer count
    /// for replay, so that a redrive runs those steps again.
    fn forget_failures(&self, execution: &str) -> StoreResult<()>;

    /// Inserts unless a token exists for that outcome key; returns the stored one.
    fn insert_token(&self, t: &TokenRecord) -> StoreResult<TokenRecord>;
    fn get_token(&self, token: &str) -> StoreResult<Option<TokenRecord>>;
    fn update_token(&self, t: &TokenRecord) -> StoreResult<()>;
    fn open_tokens(&self, execution: &str) -> StoreResult<Vec<TokenRecord>>;

    fn put_schedule(&self, s: &ScheduleRecord) -> StoreResult<()>;
    fn get_schedule(&self, name: &str) -> StoreResult<Option<ScheduleRecord>>;
    fn delete_schedule(&self, name: &str) -> StoreResult<bool>;
    fn list_schedules(&self) -> StoreResult<Vec<ScheduleRecord>>;
}

/// An event of a batch ([`Store::append_events`]). A `chained` event links
/// to the event before it in the batch, whose id is known only once it is
/// stored; otherwise it keeps its own `previous_event_id`.
#[derive(Debug, Clone)]
pub struct Append {
    pub key: Option<String>,
    pub event: NewEvent,
    pub chained: bool,
}

impl Append {
    /// The event to store, given the one stored before it in the batch.
    pub(crate) fn resolve(self, before: Option<&HistoryEvent>) -> (Option<String>, NewEvent) {
        let mut ev = self.event;
        if let (true, Some(b)) = (self.chained, before) {
            ev.previous_event_id = b.id;
        }
        (self.key, ev)
    }
}

/// The branch part of a history key (`branch#seq`).
pub(crate) fn branch_of(key: &str) -> Option<&str> {
    key.rsplit_once('#').map(|(b, _)| b)
}

/// Keys of the trailing failure events of every branch, given the keys and
/// types of the keyed events in order.
pub(crate) fn trailing_failures<'a>(
    events: impl Iterator<Item = (&'a str, &'a str)>,
) -> Vec<String> {
    use std::collections::HashMap;
    let mut per_branch: HashMap<&str, Vec<(&str, bool)>> = HashMap::new();
    for (key, event_type) in events {
        if let Some(b) = branch_of(key) {
            per_branch
                .entry(b)
                .or_default()
                .push((key, crate::history::is_failure_type(event_type)));
        }
    }
    let mut out = Vec::new();
    for evs in per_branch.values() {
        for (key, failed) in evs.iter().rev() {
            if !failed {
                break;
            }
            out.push(key.to_string());
        }
    }
    out
}
