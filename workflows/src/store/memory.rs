//! The in-memory store: for tests, `asl run` and benchmarks.

use super::*;
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    machines: HashMap<String, StateMachineRecord>,
    executions: HashMap<String, ExecutionRecord>,
    order: Vec<String>,
    histories: HashMap<String, History>,
    tokens: HashMap<String, TokenRecord>,
    tokens_by_key: HashMap<(String, String), String>,
    schedules: std::collections::BTreeMap<String, ScheduleRecord>,
}

#[derive(Debug, Default)]
struct History {
    events: Vec<Stored>,
    keys: Vec<Option<String>>,
    by_key: HashMap<String, usize>,
}

/// An event held compactly: its details as JSON text, parsed when read
/// (a parsed `Value` takes several times the memory).
#[derive(Debug)]
struct Stored {
    previous_event_id: u64,
    timestamp: DateTime<Utc>,
    event_type: Box<str>,
    details: Box<str>,
}

impl History {
    fn load(&self, i: usize) -> HistoryEvent {
        let s = &self.events[i];
        HistoryEvent {
            id: i as u64 + 1,
            previous_event_id: s.previous_event_id,
            timestamp: s.timestamp,
            event_type: s.event_type.to_string(),
            details: serde_json::from_str(&s.details).expect("stored details are JSON"),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().expect("store lock")
    }
}

impl Store for MemoryStore {
    fn blocks(&self) -> bool {
        false
    }

    fn put_state_machine(&self, sm: &StateMachineRecord) -> StoreResult<()> {
        self.lock().machines.insert(sm.arn.clone(), sm.clone());
        Ok(())
    }
    fn get_state_machine(&self, arn: &str) -> StoreResult<Option<StateMachineRecord>> {
        Ok(self.lock().machines.get(arn).cloned())
    }
    fn list_state_machines(&self) -> StoreResult<Vec<StateMachineRecord>> {
        let mut v: Vec<_> = self.lock().machines.values().cloned().collect();
        v.sort_by(|a, b| a.created.cmp(&b.created).then(a.arn.cmp(&b.arn)));
        Ok(v)
    }

    fn insert_execution(&self, e: &ExecutionRecord) -> StoreResult<(ExecutionRecord, bool)> {
        let mut g = self.lock();
        if let Some(x) = g.executions.get(&e.arn) {
            return Ok((x.clone(), false));
        }
        g.executions.insert(e.arn.clone(), e.clone());
        g.order.push(e.arn.clone());
        Ok((e.clone(), true))
    }
    fn get_execution(&self, arn: &str) -> StoreResult<Option<ExecutionRecord>> {
        Ok(self.lock().executions.get(arn).cloned())
    }
    fn update_execution(&self, e: &ExecutionRecord) -> StoreResult<()> {
        self.lock().executions.insert(e.arn.clone(), e.clone());
        Ok(())
    }
    fn list_executions(&self, sm: Option<&str>) -> StoreResult<Vec<ExecutionRecord>> {
        let g = self.lock();
        Ok(g.order
            .iter()
            .rev()
            .filter_map(|a| g.executions.get(a))
            .filter(|e| sm.is_none_or(|s| e.state_machine_arn == s))
            .cloned()
            .collect())
    }

    fn append_event(
        &self,
        execution: &str,
        key: Option<&str>,
        ev: NewEvent,
    ) -> StoreResult<HistoryEvent> {
        let mut g = self.lock();
        let h = g.histories.entry(execution.to_string()).or_default();
        if let Some(k) = key
            && let Some(&i) = h.by_key.get(k)
        {
            return Ok(h.load(i));
        }
        if let Some(k) = key {
            h.by_key.insert(k.to_string(), h.events.len());
        }
        h.keys.push(key.map(String::from));
        h.events.push(Stored {
            previous_event_id: ev.previous_event_id,
            timestamp: ev.timestamp,
            event_type: ev.event_type.as_str().into(),
            details: ev.details.to_string().into(),
        });
        Ok(HistoryEvent {
            id: h.events.len() as u64,
            previous_event_id: ev.previous_event_id,
            timestamp: ev.timestamp,
            event_type: ev.event_type,
            details: ev.details,
        })
    }
    fn find_event(&self, execution: &str, key: &str) -> StoreResult<Option<HistoryEvent>> {
        let g = self.lock();
        Ok(g.histories
            .get(execution)
            .and_then(|h| h.by_key.get(key).map(|&i| h.load(i))))
    }
    fn history(&self, execution: &str) -> StoreResult<Vec<HistoryEvent>> {
        Ok(self
            .lock()
            .histories
            .get(execution)
            .map(|h| (0..h.events.len()).map(|i| h.load(i)).collect())
            .unwrap_or_default())
    }
    fn forget_failures(&self, execution: &str) -> StoreResult<()> {
        let mut g = self.lock();
        let Some(h) = g.histories.get_mut(execution) else {
            return Ok(());
        };
        let keyed = h
            .keys
            .iter()
            .zip(&h.events)
            .filter_map(|(k, e)| k.as_deref().map(|k| (k, &*e.event_type)));
        for k in trailing_failures(keyed) {
            if let Some(i) = h.by_key.remove(&k) {
                h.keys[i] = None;
            }
        }
        Ok(())
    }

    fn insert_token(&self, t: &TokenRecord) -> StoreResult<TokenRecord> {
        let mut g = self.lock();
        let k = (t.execution_arn.clone(), t.outcome_key.clone());
        if let Some(existing) = g.tokens_by_key.get(&k).and_then(|tok| g.tokens.get(tok)) {
            return Ok(existing.clone());
        }
        g.tokens_by_key.insert(k, t.token.clone());
        g.tokens.insert(t.token.clone(), t.clone());
        Ok(t.clone())
    }
    fn get_token(&self, token: &str) -> StoreResult<Option<TokenRecord>> {
        Ok(self.lock().tokens.get(token).cloned())
    }
    fn update_token(&self, t: &TokenRecord) -> StoreResult<()> {
        self.lock().tokens.insert(t.token.clone(), t.clone());
        Ok(())
    }
    fn open_tokens(&self, execution: &str) -> StoreResult<Vec<TokenRecord>> {
        Ok(self
            .lock()
            .tokens
            .values()
            .filter(|t| t.open && t.execution_arn == execution)
            .cloned()
            .collect())
    }

    fn put_schedule(&self, s: &ScheduleRecord) -> StoreResult<()> {
        self.lock().schedules.insert(s.name.clone(), s.clone());
        Ok(())
    }
    fn get_schedule(&self, name: &str) -> StoreResult<Option<ScheduleRecord>> {
        Ok(self.lock().schedules.get(name).cloned())
    }
    fn delete_schedule(&self, name: &str) -> StoreResult<bool> {
        Ok(self.lock().schedules.remove(name).is_some())
    }
    fn list_schedules(&self) -> StoreResult<Vec<ScheduleRecord>> {
        Ok(self.lock().schedules.values().cloned().collect())
    }
}
