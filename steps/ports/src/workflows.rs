//! Starting journeys and resuming the ones that wait on a task token.

use async_trait::async_trait;
use serde_json::Value;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WorkflowError {
    /// An execution of that name exists with another input.
    #[error("execution already exists: {0}")]
    ExecutionAlreadyExists(String),
    #[error("no state machine named {0}")]
    StateMachineDoesNotExist(String),
    /// The token is malformed or unknown.
    #[error("invalid task token")]
    InvalidToken,
    /// The task already closed (completed, failed or timed out).
    #[error("the task is no longer open")]
    TaskClosed,
    #[error("workflow service unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Workflows: Send + Sync {
    /// Starts `state_machine` as execution `name`. Starting the same name with
    /// the same input again is not an error (it returns the same execution),
    /// so a retried request never starts a journey twice.
    async fn start(
        &self,
        state_machine: &str,
        name: &str,
        input: &Value,
    ) -> Result<String, WorkflowError>;

    async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), WorkflowError>;

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError>;

    async fn send_task_heartbeat(&self, token: &str) -> Result<(), WorkflowError>;
}
