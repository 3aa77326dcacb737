//! The journeys' Task handlers, each registered under the Lambda function
//! name the state machines invoke (`campaigns-<step>`), with typed input and
//! output. Errors carry the names the definitions' Retry and Catch match:
//! `*.Unavailable` errors are retried, the rest are caught.

mod email;
mod mock_exam;
mod owed;
mod payment;
mod plan;
mod purchase;
mod scholarship;
mod settle;
mod team;

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use campaigns_contracts::records::PaymentOutcome;
use campaigns_mail::MailError;
use campaigns_payments::PaymentsError;
use campaigns_records::StoreError;
use serde_json::Value;

use crate::context::App;
use crate::failure::ApiFailure;
use crate::payment_wait::RendezvousError;
use crate::wiring::Port;

pub use mock_exam::{MOCK_EXAM_REGISTRATION, MOCK_EXAM_REMINDERS, MOCK_EXAM_RESULTS};
pub use plan::PERSONALIZED_PLAN;
pub use purchase::DISCOUNT_PURCHASE;
pub use scholarship::SCHOLARSHIP_APPLICATION;
pub use team::TEAM_CREATION;

/// Every state machine the product runs (`workflows/definitions/<name>.asl.json`).
pub fn state_machines() -> Vec<&'static str> {
    [
        purchase::STATE_MACHINES,
        team::STATE_MACHINES,
        scholarship::STATE_MACHINES,
        plan::STATE_MACHINES,
        mock_exam::STATE_MACHINES,
    ]
    .concat()
}

/// A failed step: `error` is what Retry and Catch match on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct StepError {
    pub error: String,
    pub cause: String,
}

impl StepError {
    pub fn new(error: &str, cause: impl std::fmt::Display) -> Self {
        StepError {
            error: error.to_owned(),
            cause: cause.to_string(),
        }
    }
}

impl From<StoreError> for StepError {
    fn from(err: StoreError) -> Self {
        StepError::new(err.error_name(), err)
    }
}

impl From<MailError> for StepError {
    fn from(err: MailError) -> Self {
        StepError::new(err.name(), err)
    }
}

impl From<PaymentsError> for StepError {
    fn from(err: PaymentsError) -> Self {
        StepError::new(err.name(), err)
    }
}

impl From<RendezvousError> for StepError {
    fn from(err: RendezvousError) -> Self {
        match err {
            RendezvousError::Store(store) => store.into(),
            RendezvousError::Workflow(workflow) => {
                StepError::new("Workflows.Unavailable", workflow)
            }
        }
    }
}

impl From<ApiFailure> for StepError {
    fn from(failure: ApiFailure) -> Self {
        let name = if failure.status >= 500 {
            "Step.Unavailable"
        } else {
            "Step.Rejected"
        };
        StepError::new(name, failure.error.message)
    }
}

pub type StepFuture = Pin<Box<dyn Future<Output = Result<Value, StepError>> + Send>>;

/// A step: its name, the ports it calls, its handler over JSON, and the JSON
/// Schemas of its input and output (published under `schemas/steps/`).
#[derive(Clone, Copy)]
pub struct Step {
    pub name: &'static str,
    /// The ports it calls beyond the records; its function is built with
    /// these adapters only.
    pub ports: &'static [Port],
    run: fn(App, Value) -> StepFuture,
    pub input_schema: fn() -> Value,
    pub output_schema: fn() -> Value,
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Step {
    /// Runs the step on `app` with only its declared ports wired.
    pub fn invoke(&self, app: &App, input: Value) -> StepFuture {
        (self.run)(app.wired_for(self.ports), input)
    }

    /// The Lambda function that runs it.
    pub fn function_name(&self) -> String {
        format!("campaigns-{}", self.name)
    }

    /// The `${…}` placeholder of its function ARN in the definitions:
    /// `await-payment` → `AwaitPaymentFunctionArn`.
    pub fn placeholder(&self) -> String {
        let mut name: String = self
            .name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        name.push_str("FunctionArn");
        name
    }
}

/// Wraps `handler(&App, Input) -> Result<Output, StepError>` as a [`Step`]:
/// `step!("name", handler, Input, Output)` for a step on the records alone,
/// `step!("name", handler, Input, Output, [Payments, ...])` for one that
/// calls other ports.
macro_rules! step {
    ($name:literal, $handler:path, $input:ty, $output:ty) => {
        step!($name, $handler, $input, $output, [])
    };
    ($name:literal, $handler:path, $input:ty, $output:ty, [$($port:ident),*]) => {
        Step {
            name: $name,
            ports: &[$(crate::wiring::Port::$port),*],
            run: |app, input| {
                Box::pin(async move {
                    let input: $input = serde_json::from_value(input)
                        .map_err(|err| StepError::new("Step.InvalidInput", err))?;
                    let output: $output = $handler(&app, input).await?;
                    Ok(serde_json::to_value(output).expect("step outputs serialize"))
                })
            },
            input_schema: campaigns_contracts::validation::schema_of::<$input>,
            output_schema: campaigns_contracts::validation::schema_of::<$output>,
        }
    };
}

pub(crate) use step;

/// Every step of every journey.
pub fn all() -> Vec<Step> {
    let shared = vec![
        step!(
            "await-payment",
            payment::await_payment,
            payment::AwaitPayment,
            payment::Waiting,
            [Workflows]
        ),
        step!(
            "reconcile-payment",
            payment::reconcile_payment,
            payment::Reconcile,
            PaymentOutcome,
            [Payments]
        ),
        step!(
            "send-email",
            email::send_email,
            email::SendEmail,
            email::Sent,
            [Mail]
        ),
        step!(
            "start-owed-journeys",
            owed::start_owed_journeys,
            owed::Sweep,
            crate::journey_starts::Swept,
            [Workflows]
        ),
        step!(
            "publish-owed-access-events",
            owed::publish_owed_access_events,
            owed::Sweep,
            crate::access::Published,
            [Access]
        ),
        step!(
            "redact-scholarships",
            owed::redact_scholarships,
            owed::Sweep,
            crate::privacy::Redacted
        ),
    ];
    [
        shared,
        purchase::steps(),
        team::steps(),
        scholarship::steps(),
        plan::steps(),
        mock_exam::steps(),
    ]
    .concat()
}

/// The step schema files, by path relative to `schemas/`:
/// `steps/<name>.input.schema.json` and `steps/<name>.output.schema.json`.
pub fn schema_files() -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for step in all() {
        for (kind, schema) in [("input", step.input_schema), ("output", step.output_schema)] {
            files.insert(
                format!("steps/{}.{kind}.schema.json", step.name),
                campaigns_contracts::export::pretty(&schema()),
            );
        }
    }
    files
}
