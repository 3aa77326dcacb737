//! Errors: the `States.*` failures raised inside an execution, and the
//! errors the operations answer with (named as the AWS API names them).

use crate::intrinsics::CallSyntaxError;
use crate::jsonata;
use crate::jsonpath::PathError;
use crate::store::StoreError;
use serde::{Deserialize, Serialize};

/// A failure inside an execution: an error name and an optional cause, as
/// matched by Retry/Catch and reported by a failed execution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub error: Option<String>,
    pub cause: Option<String>,
    /// A `States.Runtime` cause still to be prefixed with the state's name
    /// and entered-event id, which only the state runner knows.
    #[serde(skip)]
    pub needs_state_context: bool,
}

impl Failure {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Failure {
            error: Some(error.into()),
            cause: Some(cause.into()),
            needs_state_context: false,
        }
    }
    /// A `States.Runtime` failure; the state runner adds where it happened.
    pub fn runtime(cause: impl Into<String>) -> Self {
        Failure {
            needs_state_context: true,
            ..Self::new(names::RUNTIME, cause)
        }
    }
    /// A `States.QueryEvaluationError` (a JSONata field failed); the state
    /// runner adds where it happened.
    pub fn query(cause: impl Into<String>) -> Self {
        Failure {
            needs_state_context: true,
            ..Self::new(names::QUERY_EVALUATION, cause)
        }
    }
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        Self::new(names::INTRINSIC_FAILURE, cause)
    }
    pub fn name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }
}

/// Why a state or branch stopped short: a failure, which the definition
/// handles (Retry, Catch, the execution's end), or a store error, which no
/// definition sees: it stops the whole run, and the execution resumes from
/// what was stored, as after a crash.
#[derive(Debug)]
pub(crate) enum Halt {
    Failed(Failure),
    Store(StoreError),
}

impl From<Failure> for Halt {
    fn from(f: Failure) -> Self {
        Halt::Failed(f)
    }
}

impl From<StoreError> for Halt {
    fn from(e: StoreError) -> Self {
        Halt::Store(e)
    }
}

/// The `States.*` error names.
pub mod names {
    pub const ALL: &str = "States.ALL";
    pub const RUNTIME: &str = "States.Runtime";
    pub const QUERY_EVALUATION: &str = "States.QueryEvaluationError";
    pub const TIMEOUT: &str = "States.Timeout";
    pub const HEARTBEAT_TIMEOUT: &str = "States.HeartbeatTimeout";
    pub const TASK_FAILED: &str = "States.TaskFailed";
    pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";
    pub const DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
    pub const TOLERATED_FAILURE: &str = "States.ExceedToleratedFailureThreshold";
    pub const RESULT_PATH_MATCH_FAILURE: &str = "States.ResultPathMatchFailure";
}

/// Why a definition, or one of its fields, is refused; the operations
/// answer it as `InvalidDefinition`, prefixed with where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DefinitionError {
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Intrinsic(#[from] CallSyntaxError),
    /// A `{% … %}` string that is not a JSONata expression.
    #[error("the JSONata expression '{text}' is invalid: {error}")]
    Jsonata { text: String, error: jsonata::Error },
    /// A problem inside the named field (`Output: …`, `Catch: …`).
    #[error("{field}: {source}")]
    InField {
        field: String,
        source: Box<DefinitionError>,
    },
    /// A field missing, of the wrong JSON type, or with a value the States
    /// Language does not allow; the text names the field and the rule.
    #[error("{0}")]
    Shape(String),
    #[error("unterminated '${{' placeholder")]
    UnterminatedPlaceholder,
    #[error("no value for placeholder '${{{0}}}'")]
    MissingPlaceholder(String),
}

impl DefinitionError {
    /// This error as found inside `field`.
    pub fn in_field(self, field: &str) -> Self {
        DefinitionError::InField {
            field: field.to_string(),
            source: Box::new(self),
        }
    }
}

/// Shorthand for a [`DefinitionError::Shape`].
pub(crate) fn shape(text: impl Into<String>) -> DefinitionError {
    DefinitionError::Shape(text.into())
}

impl From<DefinitionError> for ApiError {
    fn from(e: DefinitionError) -> Self {
        ApiError::InvalidDefinition(e.to_string())
    }
}

/// Errors answered by the engine's operations, with AWS's exception names.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("ExecutionAlreadyExists: {0}")]
    ExecutionAlreadyExists(String),
    #[error("ExecutionDoesNotExist: {0}")]
    ExecutionDoesNotExist(String),
    #[error("ExecutionNotRedrivable: {0}")]
    ExecutionNotRedrivable(String),
    #[error("StateMachineDoesNotExist: {0}")]
    StateMachineDoesNotExist(String),
    #[error("StateMachineAlreadyExists: {0}")]
    StateMachineAlreadyExists(String),
    #[error("InvalidDefinition: {0}")]
    InvalidDefinition(String),
    #[error("InvalidName: {0}")]
    InvalidName(String),
    #[error("InvalidExecutionInput: {0}")]
    InvalidExecutionInput(String),
    #[error("InvalidOutput: {0}")]
    InvalidOutput(String),
    #[error("InvalidToken: {0}")]
    InvalidToken(String),
    #[error("TaskDoesNotExist: {0}")]
    TaskDoesNotExist(String),
    #[error("TaskTimedOut: {0}")]
    TaskTimedOut(String),
    /// EventBridge Scheduler's name for a schedule that already exists.
    #[error("ConflictException: {0}")]
    Conflict(String),
    /// EventBridge Scheduler's name for a schedule that does not exist.
    #[error("ResourceNotFoundException: {0}")]
    ResourceNotFound(String),
    #[error("ValidationException: {0}")]
    Validation(String),
    #[error("store: {0}")]
    Store(String),
}

impl ApiError {
    /// The AWS exception name, e.g. `ExecutionAlreadyExists`.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::ExecutionAlreadyExists(_) => "ExecutionAlreadyExists",
            ApiError::ExecutionDoesNotExist(_) => "ExecutionDoesNotExist",
            ApiError::ExecutionNotRedrivable(_) => "ExecutionNotRedrivable",
            ApiError::StateMachineDoesNotExist(_) => "StateMachineDoesNotExist",
            ApiError::StateMachineAlreadyExists(_) => "StateMachineAlreadyExists",
            ApiError::InvalidDefinition(_) => "InvalidDefinition",
            ApiError::InvalidName(_) => "InvalidName",
            ApiError::InvalidExecutionInput(_) => "InvalidExecutionInput",
            ApiError::InvalidOutput(_) => "InvalidOutput",
            ApiError::InvalidToken(_) => "InvalidToken",
            ApiError::TaskDoesNotExist(_) => "TaskDoesNotExist",
            ApiError::TaskTimedOut(_) => "TaskTimedOut",
            ApiError::Conflict(_) => "ConflictException",
            ApiError::ResourceNotFound(_) => "ResourceNotFoundException",
            ApiError::Validation(_) => "ValidationException",
            ApiError::Store(_) => "ServiceUnavailable",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e.0)
    }
}
