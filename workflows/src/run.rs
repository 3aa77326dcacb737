//! One execution while it runs: where its events go, how replay finds what
//! was already recorded, and the context object (`$$`).
//!
//! Each branch of an execution (the top level, each Parallel branch, each
//! Map iteration) numbers its events; `branch#n` is the event's key in the
//! store. Running an execution again after a crash walks the same branches:
//! an event whose key is already stored is not written again, and an
//! outcome that was recorded (a task's result, a callback, a timeout) is
//! read back instead of being produced again.

use crate::clock::Clock;
use crate::history::{HistoryEvent, NewEvent};
use crate::store::{StoreAccess, StoreError};
use crate::tasks::Handlers;
use crate::values::format_timestamp;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// What every execution of an engine shares.
pub(crate) struct Core {
    pub store: StoreAccess,
    pub clock: Arc<dyn Clock>,
    pub handlers: Handlers,
    /// Wakes the step waiting on a task token (callback or heartbeat).
    pub token_waiters: Mutex<HashMap<String, Arc<Notify>>>,
    /// Bumped whenever an execution stops, for those awaiting one.
    pub completions: tokio::sync::watch::Sender<u64>,
}

impl Core {
    pub fn token_notify(&self, token: &str) -> Arc<Notify> {
        self.token_waiters
            .lock()
            .expect("waiters lock")
            .entry(token.to_string())
            .or_default()
            .clone()
    }
    /// Marks a token as no longer waiting (callbacks on it are answered
    /// TaskTimedOut).
    pub async fn close_token(&self, token: &str) -> Result<(), StoreError> {
        let closing = token.to_string();
        self.store
            .run(move |s| match s.get_token(&closing)? {
                Some(mut t) if t.open => {
                    t.open = false;
                    s.update_token(&t)
                }
                _ => Ok(()),
            })
            .await?;
        self.forget_waiter(token);
        Ok(())
    }
    /// Drops the notifier of a token no step waits on any more.
    pub fn forget_waiter(&self, token: &str) {
        self.token_waiters
            .lock()
            .expect("waiters lock")
            .remove(token);
    }
}

pub(crate) struct Run {
    pub core: Arc<Core>,
    pub execution_arn: String,
    pub execution_name: String,
    pub state_machine_arn: String,
    pub state_machine_name: String,
    pub input: Value,
    pub start_time: DateTime<Utc>,
    pub redrive_count: u32,
}

/// A sequence of events within an execution.
#[derive(Debug, Clone)]
pub(crate) struct Branch {
    pub key: String,
    pub seq: u64,
    pub last_id: u64,
    pub last_time: DateTime<Utc>,
}

impl Branch {
    pub fn child(&self, parent_event: &HistoryEvent, index: usize) -> Branch {
        Branch {
            key: format!("{}/{}.{}", self.key, parent_event.id, index),
            seq: 0,
            last_id: parent_event.id,
            last_time: parent_event.timestamp,
        }
    }
    fn next_key(&self) -> String {
        format!("{}#{}", self.key, self.seq)
    }
}

pub(crate) const ROOT_BRANCH: &str = "r";

/// The key `back` positions before `key` in the same branch, if there is one.
pub(crate) fn key_before(key: &str, back: u64) -> Option<String> {
    let (branch, seq) = key.rsplit_once('#')?;
    let seq = seq.parse::<u64>().ok()?.checked_sub(back)?;
    Some(format!("{branch}#{seq}"))
}

impl Run {
    /// Records an event (or finds it, when replaying) and moves the branch on.
    pub async fn emit(
        &self,
        b: &mut Branch,
        event_type: &str,
        details: Value,
    ) -> Result<HistoryEvent, StoreError> {
        let ev = NewEvent {
            previous_event_id: b.last_id,
            timestamp: self.core.clock.now(),
            event_type: event_type.to_string(),
            details,
        };
        let (arn, key) = (self.execution_arn.clone(), b.next_key());
        let e = self
            .core
            .store
            .run(move |s| s.append_event(&arn, Some(&key), ev))
            .await?;
        self.advance(b, &e);
        Ok(e)
    }

    /// The event already recorded at the branch's next position, if any.
    pub async fn peek(&self, b: &Branch) -> Result<Option<HistoryEvent>, StoreError> {
        let (arn, key) = (self.execution_arn.clone(), b.next_key());
        self.core.store.run(move |s| s.find_event(&arn, &key)).await
    }

    /// Key the branch's next event will have.
    pub fn key_at(&self, b: &Branch, ahead: u64) -> String {
        format!("{}#{}", b.key, b.seq + ahead)
    }

    pub fn advance(&self, b: &mut Branch, e: &HistoryEvent) {
        b.seq += 1;
        b.last_id = e.id;
        b.last_time = e.timestamp;
    }

    pub fn execution_context(&self) -> Value {
        json!({
            "Execution": {
                "Id": self.execution_arn,
                "Input": self.input,
                "StartTime": format_timestamp(self.start_time),
                "Name": self.execution_name,
                "RoleArn": crate::engine::ROLE_ARN,
                "RedriveCount": self.redrive_count,
            },
            "StateMachine": { "Id": self.state_machine_arn, "Name": self.state_machine_name },
        })
    }

    /// The context object as a state sees it.
    pub fn context(&self, state: &str, entered: DateTime<Utc>, retry_count: Option<u32>) -> Value {
        let mut c = self.execution_context();
        let mut s = json!({ "Name": state, "EnteredTime": format_timestamp(entered) });
        if let Some(n) = retry_count {
            s["RetryCount"] = n.into();
        }
        c["State"] = s;
        c
    }

    /// A number in [0, 1) fixed by the branch position, so a replay computes
    /// the same jittered back-off as the first run.
    pub fn stable_unit(&self, b: &Branch) -> f64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.execution_arn, &b.key, b.seq).hash(&mut h);
        (h.finish() >> 11) as f64 / (1u64 << 53) as f64
    }
}
