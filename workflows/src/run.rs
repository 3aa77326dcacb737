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
use crate::store::{Append, StoreAccess, StoreError};
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
#[derive(Debug)]
pub(crate) struct Branch {
    pub key: String,
    pub seq: u64,
    /// The id the next event links to; `None` while the last event is
    /// still pending (its id is given when it is stored).
    pub last_id: Option<u64>,
    pub last_time: DateTime<Utc>,
    /// Events recorded by [`Run::emit_later`], stored with the branch's
    /// next [`Run::emit`] (or [`Run::flush`]) in the same call.
    pub pending: Vec<Append>,
    /// The run found nothing stored when it started (not a replay): what it
    /// stores is what it computed, so a state's entered event may wait too.
    pub fresh: bool,
}

impl Branch {
    pub fn new(
        key: String,
        seq: u64,
        last_id: u64,
        last_time: DateTime<Utc>,
        fresh: bool,
    ) -> Branch {
        Branch {
            key,
            seq,
            last_id: Some(last_id),
            last_time,
            pending: Vec::new(),
            fresh,
        }
    }
    pub fn child(&self, parent_event: &HistoryEvent, index: usize) -> Branch {
        Branch::new(
            format!("{}/{}.{}", self.key, parent_event.id, index),
            0,
            parent_event.id,
            parent_event.timestamp,
            self.fresh,
        )
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
    /// Records an event (or finds it, when replaying), together with the
    /// branch's pending ones in one store call, and moves the branch on.
    pub async fn emit(
        &self,
        b: &mut Branch,
        event_type: &str,
        details: Value,
    ) -> Result<HistoryEvent, StoreError> {
        self.emit_later(b, event_type, details);
        let e = self
            .store_pending(b)
            .await?
            .into_iter()
            .next_back()
            .ok_or_else(|| StoreError("the store returned no event".into()))?;
        b.last_id = Some(e.id);
        b.last_time = e.timestamp;
        Ok(e)
    }

    /// Records an event that nothing waits on (a state's exit, a Map
    /// iteration's start): it is stored with the branch's next event, in
    /// the same call. Only pure events may wait so: if the process stops
    /// first, the replay derives the same event again.
    pub fn emit_later(&self, b: &mut Branch, event_type: &str, details: Value) -> String {
        let timestamp = self.core.clock.now();
        let key = b.next_key();
        b.pending.push(Append {
            key: Some(key.clone()),
            event: NewEvent {
                previous_event_id: b.last_id.unwrap_or_default(),
                timestamp,
                event_type: event_type.to_string(),
                details,
            },
            chained: b.last_id.is_none(),
        });
        b.seq += 1;
        b.last_id = None;
        b.last_time = timestamp;
        key
    }

    /// The event stored under `key`, the branch's pending events stored
    /// first (for an event that waited and whose id is now needed).
    pub async fn stored(&self, b: &mut Branch, key: String) -> Result<HistoryEvent, StoreError> {
        self.flush(b).await?;
        let arn = self.execution_arn.clone();
        self.core
            .store
            .run(move |s| s.find_event(&arn, &key))
            .await?
            .ok_or_else(|| StoreError("a stored event is missing".into()))
    }

    /// Stores the branch's pending events, if any (a branch that ends with
    /// no event of its own after them).
    pub async fn flush(&self, b: &mut Branch) -> Result<(), StoreError> {
        if b.pending.is_empty() {
            return Ok(());
        }
        b.last_id = self.store_pending(b).await?.last().map(|e| e.id);
        Ok(())
    }

    /// The branch's pending events stored in one call, as the store holds them.
    async fn store_pending(&self, b: &mut Branch) -> Result<Vec<HistoryEvent>, StoreError> {
        let (arn, events) = (self.execution_arn.clone(), std::mem::take(&mut b.pending));
        self.core
            .store
            .run(move |s| s.append_events(&arn, events))
            .await
    }

    /// The event already recorded at the branch's next position, if any.
    pub async fn peek(&self, b: &mut Branch) -> Result<Option<HistoryEvent>, StoreError> {
        self.flush(b).await?;
        let (arn, key) = (self.execution_arn.clone(), b.next_key());
        self.core.store.run(move |s| s.find_event(&arn, &key)).await
    }

    /// Key the branch's next event will have.
    pub fn key_at(&self, b: &Branch, ahead: u64) -> String {
        format!("{}#{}", b.key, b.seq + ahead)
    }

    pub fn advance(&self, b: &mut Branch, e: &HistoryEvent) {
        b.seq += 1;
        b.last_id = Some(e.id);
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
