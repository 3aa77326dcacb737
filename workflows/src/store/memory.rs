//! The in-memory store: for tests, `asl run` and benchmarks.

use super::*;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    machines: HashMap<String, StateMachineRecord>,
    /// Each execution's record and history under its ARN, which the map
    /// and `order` share.
    executions: HashMap<Arc<str>, Entry>,
    /// ARNs in the order the executions were started.
    order: Vec<Arc<str>>,
    tokens: HashMap<String, TokenRecord>,
    tokens_by_key: HashMap<(String, String), String>,
    schedules: std::collections::BTreeMap<String, ScheduleRecord>,
    /// Texts many records repeat (definitions, event types), held once.
    shared: std::collections::HashSet<Arc<str>>,
}

/// An execution's record (none for a history written without one) and
/// its history.
#[derive(Debug, Default)]
struct Entry {
    execution: Option<Execution>,
    history: History,
}

/// An execution's record, its state machine and definition shared with
/// every other execution of the same one, its ARN held by its entry.
#[derive(Debug)]
struct Execution {
    /// The record, its `arn`, `state_machine_arn` and `definition` left empty.
    rec: ExecutionRecord,
    state_machine_arn: Arc<str>,
    definition: Arc<str>,
}

impl Execution {
    fn record(&self, arn: &str) -> ExecutionRecord {
        ExecutionRecord {
            arn: arn.to_string(),
            state_machine_arn: self.state_machine_arn.to_string(),
            definition: self.definition.to_string(),
            ..self.rec.clone()
        }
    }
}

impl Inner {
    fn share(&mut self, text: &str) -> Arc<str> {
        if let Some(t) = self.shared.get(text) {
            return t.clone();
        }
        let t: Arc<str> = text.into();
        self.shared.insert(t.clone());
        t
    }
    fn execution(&mut self, e: &ExecutionRecord) -> Execution {
        Execution {
            rec: ExecutionRecord {
                arn: String::new(),
                state_machine_arn: String::new(),
                definition: String::new(),
                ..e.clone()
            },
            state_machine_arn: self.share(&e.state_machine_arn),
            definition: self.share(&e.definition),
        }
    }
    /// The entry of an execution, made if it has none.
    fn entry(&mut self, arn: &str) -> &mut Entry {
        if !self.executions.contains_key(arn) {
            self.executions.insert(arn.into(), Entry::default());
        }
        self.executions.get_mut(arn).expect("just inserted")
    }
    fn history(&self, arn: &str) -> Option<&History> {
        self.executions.get(arn).map(|x| &x.history)
    }
}

#[derive(Debug, Default)]
struct History {
    events: Vec<Stored>,
    /// Event positions by key, while the execution may still add or look
    /// up events; dropped when it ends and rebuilt if it is redriven.
    by_key: Option<HashMap<Box<str>, usize>>,
}

/// An event held compactly: its type shared, its details as text, parsed
/// when read (a parsed `Value` takes several times the memory).
#[derive(Debug)]
struct Stored {
    previous_event_id: u64,
    timestamp: DateTime<Utc>,
    event_type: Arc<str>,
    details: Details,
    key: Option<Box<str>>,
}

#[derive(Debug)]
enum Details {
    Json(Box<str>),
    /// The shape of most events, a state's entered or exited one:
    /// `{"name": …, "input" | "output": text, "…Details": {"truncated": false}}`.
    /// A state's output is the next state's input: the text is shared with
    /// a recent event's when equal, the name with every event's.
    Io {
        name: Arc<str>,
        output: bool,
        text: Arc<str>,
    },
}

/// How many recent events a text is looked for in (Map iterations and
/// Parallel branches interleave their events).
const RECENT: usize = 8;

impl Details {
    fn value(&self) -> Value {
        match self {
            Details::Json(text) => serde_json::from_str(text).expect("stored details are JSON"),
            Details::Io { name, output, text } => {
                let field = if *output { "output" } else { "input" };
                serde_json::json!({
                    "name": &**name,
                    field: &**text,
                    format!("{field}Details"): {"truncated": false},
                })
            }
        }
    }
    fn text(&self) -> Option<&Arc<str>> {
        match self {
            Details::Io { text, .. } => Some(text),
            Details::Json(_) => None,
        }
    }
}

/// The `Io` parts of details of that shape: name, whether output, text.
fn io_parts(v: &Value) -> Option<(&str, bool, &str)> {
    let o = v.as_object().filter(|o| o.len() == 3)?;
    let name = o.get("name")?.as_str()?;
    let (output, text) = match (o.get("input"), o.get("output")) {
        (Some(t), None) => (false, t.as_str()?),
        (None, Some(t)) => (true, t.as_str()?),
        _ => return None,
    };
    let field = if output {
        "outputDetails"
    } else {
        "inputDetails"
    };
    (o.get(field)? == &serde_json::json!({"truncated": false})).then_some((name, output, text))
}

impl History {
    fn load(&self, i: usize) -> HistoryEvent {
        let s = &self.events[i];
        HistoryEvent {
            id: i as u64 + 1,
            previous_event_id: s.previous_event_id,
            timestamp: s.timestamp,
            event_type: s.event_type.to_string(),
            details: s.details.value(),
        }
    }
    /// `text`, shared with a recent event's equal text if there is one.
    fn recent_text(&self, text: &str) -> Arc<str> {
        self.events
            .iter()
            .rev()
            .take(RECENT)
            .filter_map(|e| e.details.text())
            .find(|t| &***t == text)
            .cloned()
            .unwrap_or_else(|| text.into())
    }
    /// Event positions by key (rebuilt for an execution that had ended).
    fn by_key(&mut self) -> &mut HashMap<Box<str>, usize> {
        let events = &self.events;
        self.by_key.get_or_insert_with(|| {
            events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.key.clone().map(|k| (k, i)))
                .collect()
        })
    }
    /// What an ended execution no longer needs: spare capacity, the index.
    fn compact(&mut self) {
        self.events.shrink_to_fit();
        self.by_key = None;
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
        if let Some(x) = g.executions.get(&*e.arn).and_then(|x| x.execution.as_ref()) {
            return Ok((x.record(&e.arn), false));
        }
        let stored = g.execution(e);
        g.entry(&e.arn).execution = Some(stored);
        let arn = g
            .executions
            .get_key_value(&*e.arn)
            .map(|(k, _)| k.clone())
            .expect("just stored");
        g.order.push(arn);
        Ok((e.clone(), true))
    }
    fn get_execution(&self, arn: &str) -> StoreResult<Option<ExecutionRecord>> {
        Ok(self
            .lock()
            .executions
            .get(arn)
            .and_then(|x| x.execution.as_ref())
            .map(|x| x.record(arn)))
    }
    fn update_execution(&self, e: &ExecutionRecord) -> StoreResult<()> {
        let mut g = self.lock();
        let stored = g.execution(e);
        let entry = g.entry(&e.arn);
        entry.execution = Some(stored);
        if e.status != ExecutionStatus::Running {
            entry.history.compact();
        }
        Ok(())
    }
    fn list_executions(&self, sm: Option<&str>) -> StoreResult<Vec<ExecutionRecord>> {
        let g = self.lock();
        Ok(g.order
            .iter()
            .rev()
            .filter_map(|a| Some((a, g.executions.get(a)?.execution.as_ref()?)))
            .filter(|(_, e)| sm.is_none_or(|s| &*e.state_machine_arn == s))
            .map(|(a, e)| e.record(a))
            .collect())
    }

    fn append_event(
        &self,
        execution: &str,
        key: Option<&str>,
        ev: NewEvent,
    ) -> StoreResult<HistoryEvent> {
        let mut g = self.lock();
        let event_type = g.share(&ev.event_type);
        let io = io_parts(&ev.details).map(|(name, output, text)| (g.share(name), output, text));
        let h = &mut g.entry(execution).history;
        if let Some(k) = key
            && let Some(&i) = h.by_key().get(k)
        {
            return Ok(h.load(i));
        }
        if let Some(k) = key {
            let i = h.events.len();
            h.by_key().insert(k.into(), i);
        }
        h.events.push(Stored {
            previous_event_id: ev.previous_event_id,
            timestamp: ev.timestamp,
            event_type,
            details: match io {
                Some((name, output, text)) => Details::Io {
                    name,
                    output,
                    text: h.recent_text(text),
                },
                None => Details::Json(ev.details.to_string().into()),
            },
            key: key.map(Into::into),
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
        let mut g = self.lock();
        Ok(g.executions
            .get_mut(execution)
            .map(|x| &mut x.history)
            .and_then(|h| h.by_key().get(key).copied().map(|i| h.load(i))))
    }
    fn history(&self, execution: &str) -> StoreResult<Vec<HistoryEvent>> {
        Ok(self
            .lock()
            .history(execution)
            .map(|h| (0..h.events.len()).map(|i| h.load(i)).collect())
            .unwrap_or_default())
    }
    fn forget_failures(&self, execution: &str) -> StoreResult<()> {
        let mut g = self.lock();
        let Some(h) = g.executions.get_mut(execution).map(|x| &mut x.history) else {
            return Ok(());
        };
        let keyed = h
            .events
            .iter()
            .filter_map(|e| e.key.as_deref().map(|k| (k, &*e.event_type)));
        let forgotten = trailing_failures(keyed);
        for k in forgotten {
            if let Some(i) = h.by_key().remove(k.as_str()) {
                h.events[i].key = None;
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Details kept in the compact form, or as text, read back as given;
    /// an ended execution's index is rebuilt when a key is looked up.
    #[test]
    fn compact_events_read_back_as_given() {
        let store = MemoryStore::new();
        let details = [
            json!({"name": "A", "input": "{\"x\":1}", "inputDetails": {"truncated": false}}),
            json!({"name": "A", "output": "{\"x\":1}", "outputDetails": {"truncated": false}}),
            json!({"name": "B", "output": "{}", "outputDetails": {"truncated": true}}),
            json!({"name": "B", "input": "{}", "inputDetails": {"truncated": false}, "extra": 1}),
            json!({"input": "{}", "inputDetails": {"truncated": false}, "roleArn": "r"}),
            Value::Null,
        ];
        let mut written = Vec::new();
        for (i, d) in details.iter().enumerate() {
            let ev = NewEvent {
                previous_event_id: i as u64,
                timestamp: Utc::now(),
                event_type: "PassStateEntered".into(),
                details: d.clone(),
            };
            written.push(
                store
                    .append_event("e", Some(&format!("r#{i}")), ev)
                    .unwrap(),
            );
        }
        assert_eq!(store.history("e").unwrap(), written);
        let g = store.lock();
        let shared = match (
            &g.executions["e"].history.events[0].details,
            &g.executions["e"].history.events[1].details,
        ) {
            (Details::Io { text: a, .. }, Details::Io { text: b, .. }) => Arc::ptr_eq(a, b),
            _ => false,
        };
        assert!(shared, "an output equal to the input before it is shared");
        drop(g);

        store
            .lock()
            .executions
            .get_mut("e")
            .unwrap()
            .history
            .compact();
        assert_eq!(
            store.find_event("e", "r#1").unwrap().as_ref(),
            Some(&written[1])
        );
        assert_eq!(store.history("e").unwrap(), written);
    }
}
