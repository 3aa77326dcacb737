//! An access event owed to the main platform: written in the same batch as
//! the grant's change, crossed off once published (docs/decisions.md,
//! "Access on the main platform").

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;
use crate::events::AccessEvent;

/// The one value of [`OwedAccessEvent::queue`]: every owed event sits in one
/// index partition, ordered by when it falls due, so the sweep publishes
/// them in the order the changes were made.
pub const ACCESS_EVENT_QUEUE: &str = "owed";

/// An event not yet published. A handler that dies between the change and
/// the publish leaves it here, and the sweep (`publish-owed-access-events`)
/// publishes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwedAccessEvent {
    /// The detail's `eventId`: one per change.
    pub event_id: String,
    pub event: AccessEvent,
    /// Always [`ACCESS_EVENT_QUEUE`] (the index's partition).
    pub queue: String,
    /// From when the sweep may publish it: by then the handler that made the
    /// change has either published it or died.
    pub due_at: DateTime<Utc>,
}

impl Example for OwedAccessEvent {
    fn example() -> Self {
        let event = AccessEvent::example();
        OwedAccessEvent {
            event_id: event.detail.event_id.clone(),
            due_at: event.time + chrono::TimeDelta::minutes(1),
            event,
            queue: ACCESS_EVENT_QUEUE.into(),
        }
    }
}
