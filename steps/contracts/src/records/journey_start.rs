//! A journey a record is owed: written in the record's own batch, crossed off
//! once the journey has started (see docs/decisions.md, "No stranded work").

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// The one value of [`JourneyStart::queue`]: every owed start sits in one
/// index partition, ordered by when it falls due. There are only ever a
/// few, each for seconds unless its creator died.
pub const JOURNEY_START_QUEUE: &str = "owed";

/// The start of a record's journey, owed until the journey runs. A create
/// that dies after writing its record leaves this behind, and the sweep
/// (`start-owed-journeys`) starts the journey for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JourneyStart {
    /// The execution's name: the record's id.
    pub execution_name: String,
    pub state_machine: String,
    pub input: serde_json::Value,
    /// Always [`JOURNEY_START_QUEUE`] (the index's partition).
    pub queue: String,
    /// From when the sweep may start it: by then its creator has either
    /// started it or died.
    pub due_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl Example for JourneyStart {
    fn example() -> Self {
        JourneyStart {
            execution_name: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            state_machine: "discount-purchase".into(),
            input: serde_json::json!({"purchaseId": "pur_01JH3Z8Q4W6T2V9K5M7N1P3R", "free": false}),
            queue: JOURNEY_START_QUEUE.into(),
            due_at: "2025-03-10T08:01:00Z".parse().expect("valid timestamp"),
            created_at: "2025-03-10T08:00:00Z".parse().expect("valid timestamp"),
        }
    }
}
