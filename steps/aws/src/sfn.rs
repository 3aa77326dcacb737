//! The workflows port on Step Functions: journeys started by execution name,
//! and waits on a task token resumed with SendTask*.

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata};
use campaigns_ports::workflows::{WorkflowError, Workflows};
use serde_json::Value;

use crate::settings::AwsSettings;

pub struct StepFunctions {
    client: Client,
    settings: AwsSettings,
}

impl StepFunctions {
    /// State machines named under STATE_MACHINE_ARN_PREFIX.
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings) -> StepFunctions {
        StepFunctions {
            client: Client::new(sdk),
            settings: settings.clone(),
        }
    }

    /// The execution `name` of `state_machine`, if it was started with `input`.
    ///
    /// Step Functions treats a repeated start as the same one only while the
    /// execution runs; the port promises it for good, so a retried request
    /// that arrives after the journey ended does not fail.
    async fn started_with(
        &self,
        state_machine_arn: &str,
        name: &str,
        input: &Value,
    ) -> Result<Option<String>, WorkflowError> {
        let execution_arn = format!(
            "{}:{name}",
            state_machine_arn.replacen(":stateMachine:", ":execution:", 1)
        );
        let execution = self
            .client
            .describe_execution()
            .execution_arn(&execution_arn)
            .send()
            .await
            .map_err(workflow_error)?;
        let same_input = execution
            .input()
            .and_then(|stored| serde_json::from_str::<Value>(stored).ok())
            .is_some_and(|stored| &stored == input);
        Ok(same_input.then_some(execution_arn))
    }
}

/// The port's error for what any call may meet; a start's own errors are
/// told apart where it is made.
fn workflow_error<E>(err: E) -> WorkflowError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match err.code() {
        Some("InvalidToken") => WorkflowError::InvalidToken,
        Some("TaskTimedOut" | "TaskDoesNotExist") => WorkflowError::TaskClosed,
        _ => WorkflowError::Unavailable(DisplayErrorContext(err).to_string()),
    }
}

#[async_trait]
impl Workflows for StepFunctions {
    /// Returns the execution's ARN.
    async fn start(
        &self,
        state_machine: &str,
        name: &str,
        input: &Value,
    ) -> Result<String, WorkflowError> {
        let state_machine_arn = self.settings.state_machine_arn(state_machine);
        let started = self
            .client
            .start_execution()
            .state_machine_arn(&state_machine_arn)
            .name(name)
            .input(input.to_string())
            .send()
            .await;
        match started {
            Ok(started) => Ok(started.execution_arn),
            Err(err) => match err.code() {
                Some("ExecutionAlreadyExists") => self
                    .started_with(&state_machine_arn, name, input)
                    .await?
                    .ok_or_else(|| WorkflowError::ExecutionAlreadyExists(name.to_owned())),
                Some("StateMachineDoesNotExist") => Err(WorkflowError::StateMachineDoesNotExist(
                    state_machine.to_owned(),
                )),
                _ => Err(workflow_error(err)),
            },
        }
    }

    async fn send_task_success(&self, token: &str, output: &Value) -> Result<(), WorkflowError> {
        self.client
            .send_task_success()
            .task_token(token)
            .output(output.to_string())
            .send()
            .await
            .map(drop)
            .map_err(workflow_error)
    }

    async fn send_task_failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), WorkflowError> {
        self.client
            .send_task_failure()
            .task_token(token)
            .error(error)
            .cause(cause)
            .send()
            .await
            .map(drop)
            .map_err(workflow_error)
    }

    async fn send_task_heartbeat(&self, token: &str) -> Result<(), WorkflowError> {
        self.client
            .send_task_heartbeat()
            .task_token(token)
            .send()
            .await
            .map(drop)
            .map_err(workflow_error)
    }
}
