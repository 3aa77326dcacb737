//! No stranded records: a create writes its record, whatever the record
//! holds (a coupon use, a seat) and the start of its journey in one batch,
//! and crosses the start off once the journey runs. A process killed or a
//! Lambda timed out anywhere after that batch leaves the start owed, and
//! [`start_owed`] — run every minute on one machine, every two by a schedule
//! on AWS — starts the journey, which then settles the record and releases
//! its hold as it would have anyway. Before the batch nothing was written.
//!
//! Starting twice is harmless: an execution is named after its record, and a
//! second start with the same input is answered with the running execution.

use campaigns_contracts::records::{JOURNEY_START_QUEUE, JourneyStart};
use campaigns_ports::workflows::WorkflowError;
use campaigns_records::{Condition, Record, StoreError, Table, Write, typed};
use chrono::{DateTime, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::context::App;

/// How long a creator has to start its journey before the sweep may: longer
/// than any create runs (API Gateway gives up after 29 s).
pub const GRACE: TimeDelta = TimeDelta::minutes(1);

/// A record's journey, to be owed in the record's batch and then started.
#[derive(Debug, Clone)]
pub struct Journey {
    pub state_machine: &'static str,
    /// The execution's name: the record's id.
    pub name: String,
    pub input: Value,
}

impl Journey {
    pub fn new(state_machine: &'static str, name: &str, input: Value) -> Journey {
        Journey {
            state_machine,
            name: name.to_owned(),
            input,
        }
    }

    /// The write that owes this journey; it belongs in the record's batch.
    pub fn owed(&self, app: &App) -> Result<Write, StoreError> {
        let now = app.now();
        typed::put(
            &JourneyStart {
                execution_name: self.name.clone(),
                state_machine: self.state_machine.to_owned(),
                input: self.input.clone(),
                queue: JOURNEY_START_QUEUE.to_owned(),
                due_at: now + GRACE,
                created_at: now,
            },
            Condition::NotExists,
        )
    }

    /// Inserts `record` (a create) owing this journey, in one batch.
    pub async fn insert_owing<T: Record>(&self, app: &App, record: &T) -> Result<(), StoreError> {
        app.records
            .store()
            .transact(&[typed::put(record, Condition::NotExists)?, self.owed(app)?])
            .await
    }

    /// Starts the journey and crosses it off. If the start fails the journey
    /// stays owed and the sweep starts it, so the caller may carry on: its
    /// record is carried either way.
    pub async fn start(&self, app: &App) {
        if let Err(err) = start(app, self.state_machine, &self.name, &self.input).await {
            tracing::warn!(error = %err, execution = self.name, "journey left owed; the sweep will start it");
        }
    }
}

/// Crosses a journey off without starting it, once its create is undone.
/// If this fails the sweep starts the journey, which finds its record
/// settled and ends.
pub async fn forgive(app: &App, journey: &Journey) {
    if let Err(err) = app
        .records
        .store()
        .transact(&[cross_off(&journey.name)])
        .await
    {
        tracing::error!(error = %err, execution = journey.name, "could not cross off an undone journey");
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
}

async fn start(
    app: &App,
    state_machine: &str,
    name: &str,
    input: &Value,
) -> Result<(), StartError> {
    match app.workflows.start(state_machine, name, input).await {
        // The journey ran (and maybe finished) already: nothing is owed.
        Ok(_) | Err(WorkflowError::ExecutionAlreadyExists(_)) => {}
        Err(other) => return Err(other.into()),
    }
    app.records.store().transact(&[cross_off(name)]).await?;
    Ok(())
}

fn cross_off(name: &str) -> Write {
    Write::Delete {
        table: Table::JourneyStarts,
        key: name.to_owned(),
        condition: Condition::Always,
    }
}

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Swept {
    /// Journeys started for records whose creator died before starting them.
    pub started: u32,
    /// Starts that failed this time and stay owed for the next sweep.
    pub still_owed: u32,
}

/// Starts every journey owed since before `due_by`. One that cannot be
/// started now stays owed and is logged; the next sweep tries again.
pub async fn start_owed(app: &App, due_by: DateTime<Utc>) -> Result<Swept, StoreError> {
    let owed: Vec<JourneyStart> = app
        .records
        .query("queue-dueAt-index", JOURNEY_START_QUEUE, None)
        .await?;
    let mut swept = Swept::default();
    for journey in owed.iter().filter(|journey| journey.due_at <= due_by) {
        match start(
            app,
            &journey.state_machine,
            &journey.execution_name,
            &journey.input,
        )
        .await
        {
            Ok(()) => {
                tracing::warn!(
                    execution = journey.execution_name,
                    state_machine = journey.state_machine,
                    owed_since = %journey.created_at,
                    "started a journey its creator did not"
                );
                swept.started += 1;
            }
            Err(err) => {
                tracing::error!(error = %err, execution = journey.execution_name, "could not start an owed journey");
                swept.still_owed += 1;
            }
        }
    }
    Ok(swept)
}
