//! The workflow-control and scheduler ports over the embedded engine.

use std::sync::OnceLock;

use async_trait::async_trait;
use campaigns_ports::schedules::{Schedule, ScheduleError, Scheduler};
use campaigns_ports::workflows::{WorkflowError, Workflows};
use serde_json::Value;
use workflows::{ApiError, Engine, ScheduleSpec, state_machine_arn};

/// The engine is built after the application (its step handlers call the
/// application), so the ports find it here once it runs.
#[derive(Default)]
pub struct EngineSlot(OnceLock<Engine>);

impl EngineSlot {
    pub fn set(&self, engine: Engine) {
        if self.0.set(engine).is_err() {
            panic!("the engine is set once");
        }
    }

    fn get(&self) -> Result<&Engine, WorkflowError> {
        self.0
            .get()
            .ok_or_else(|| WorkflowError::Unavailable("the engine is still starting".into()))
    }
}

pub struct EngineWorkflows {
    pub slot: std::sync::Arc<EngineSlot>,
}

fn workflow_error(err: ApiError) -> WorkflowError {
    match err {
        ApiError::ExecutionAlreadyExists(message) => WorkflowError::ExecutionAlreadyExists(message),
        ApiError::StateMachineDoesNotExist(message) => {
            WorkflowError::StateMachineDoesNotExist(message)
        }
        ApiError::InvalidToken(_) | ApiError::TaskDoesNotExist(_) => WorkflowError::InvalidToken,
        ApiError::TaskTimedOut(_) => WorkflowError::TaskClosed,
        other => WorkflowError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl Workflows for EngineWorkflows {
    async fn start(
        &self,
        state_machine: &str,
        name: &str,
        input: &Value,
    ) -> Result<String, WorkflowError> {
        let output = self
            .slot
            .get()?
            .start_execution(
                &state_machine_arn(state_machine),
                Some(name),
                Some(&input.to_string()),
            )
            .await
            .map_err(workflow_error)?;
        Ok(output.execution_arn)
    }

    async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), WorkflowError> {
        self.slot
            .get()?
            .send_task_success(token, &output.to_string())
            .await
            .map_err(workflow_error)
    }

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.slot
            .get()?
            .send_task_failure(token, Some(error), Some(cause))
            .await
            .map_err(workflow_error)
    }

    async fn send_task_heartbeat(&self, token: &str) -> Result<(), WorkflowError> {
        self.slot
            .get()?
            .send_task_heartbeat(token)
            .await
            .map_err(workflow_error)
    }
}

pub struct EngineScheduler {
    pub slot: std::sync::Arc<EngineSlot>,
}

fn schedule_error(err: impl std::fmt::Display) -> ScheduleError {
    ScheduleError::Unavailable(err.to_string())
}

#[async_trait]
impl Scheduler for EngineScheduler {
    async fn upsert(&self, schedule: &Schedule) -> Result<(), ScheduleError> {
        let engine = self.slot.get().map_err(schedule_error)?;
        let spec = ScheduleSpec {
            name: schedule.name.clone(),
            schedule_expression: format!("at({})", schedule.at.format("%Y-%m-%dT%H:%M:%S")),
            state_machine_arn: state_machine_arn(&schedule.state_machine),
            input: schedule.input.to_string(),
            enabled: true,
            delete_after_completion: false,
        };
        match engine.create_schedule(&spec) {
            Err(ApiError::Conflict(_)) => engine.update_schedule(&spec).map_err(schedule_error),
            other => other.map_err(schedule_error),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), ScheduleError> {
        let engine = self.slot.get().map_err(schedule_error)?;
        match engine.delete_schedule(name) {
            Ok(()) | Err(ApiError::ResourceNotFound(_)) => Ok(()),
            Err(other) => Err(schedule_error(other)),
        }
    }
}
