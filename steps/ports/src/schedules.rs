//! One-time schedules that start a journey at a given instant (the mock
//! exam's reminder run, 24 h before, and its statistics run, after it ends).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// Starts `state_machine` with `input` at `at`. The name is ours and unique,
/// so creating it again moves it rather than adding a second one.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub name: String,
    pub at: DateTime<Utc>,
    pub state_machine: String,
    pub input: Value,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    #[error("scheduler unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Creates the schedule, or moves it if one of that name exists.
    async fn upsert(&self, schedule: &Schedule) -> Result<(), ScheduleError>;

    /// Deletes the schedule; deleting one that does not exist is not an error.
    async fn delete(&self, name: &str) -> Result<(), ScheduleError>;
}
