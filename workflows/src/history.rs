//! Execution history events, shaped as `GetExecutionHistory` returns them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    pub timestamp: DateTime<Utc>,
    /// AWS event type, e.g. `TaskStateEntered`, `TaskScheduled`.
    pub event_type: String,
    /// The event's details object (what AWS puts under e.g.
    /// `stateEnteredEventDetails`).
    pub details: Value,
}

/// An event about to be appended; the store assigns its id.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub previous_event_id: u64,
    pub timestamp: DateTime<Utc>,
    pub event_type: String,
    pub details: Value,
}

impl HistoryEvent {
    /// The field AWS names the details by, e.g. `taskScheduledEventDetails`.
    pub fn details_field(event_type: &str) -> Option<String> {
        if event_type.ends_with("StateEntered") {
            return Some("stateEnteredEventDetails".into());
        }
        if event_type.ends_with("StateExited") {
            return Some("stateExitedEventDetails".into());
        }
        if (event_type.starts_with("ParallelState") || event_type.starts_with("MapState"))
            && event_type != "MapStateStarted"
        {
            return None;
        }
        let mut c = event_type.chars();
        let first = c.next()?.to_ascii_lowercase();
        Some(format!("{first}{}EventDetails", c.as_str()))
    }

    /// The event as the AWS API prints it.
    pub fn to_aws_json(&self) -> Value {
        let mut o = Map::new();
        o.insert("id".into(), self.id.into());
        o.insert("previousEventId".into(), self.previous_event_id.into());
        o.insert(
            "timestamp".into(),
            crate::values::format_timestamp(self.timestamp).into(),
        );
        o.insert("type".into(), self.event_type.clone().into());
        if let Some(field) = Self::details_field(&self.event_type)
            && !self.details.is_null()
        {
            o.insert(field, self.details.clone());
        }
        Value::Object(o)
    }
}

/// Failure, timeout and abort events: how a branch ends when an error
/// leaves it (what a redrive runs again).
pub fn is_failure_type(event_type: &str) -> bool {
    ["Failed", "TimedOut", "Aborted"]
        .iter()
        .any(|s| event_type.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::HistoryEvent;

    #[test]
    fn details_fields_follow_aws_names() {
        let f = |t| HistoryEvent::details_field(t);
        assert_eq!(
            f("TaskStateEntered").as_deref(),
            Some("stateEnteredEventDetails")
        );
        assert_eq!(
            f("MapStateExited").as_deref(),
            Some("stateExitedEventDetails")
        );
        assert_eq!(
            f("TaskScheduled").as_deref(),
            Some("taskScheduledEventDetails")
        );
        assert_eq!(
            f("MapStateStarted").as_deref(),
            Some("mapStateStartedEventDetails")
        );
        assert_eq!(
            f("ExecutionStarted").as_deref(),
            Some("executionStartedEventDetails")
        );
        assert_eq!(f("ParallelStateStarted"), None);
    }
}
