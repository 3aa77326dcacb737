//! Embedded, durable Amazon States Language engine.
//!
//! Runs Step Functions state machine definitions (JSONPath and JSONata query
//! languages) with the semantics of AWS Step Functions, on one machine: Task states call
//! Rust handlers registered by Lambda function name, executions survive a
//! process kill when the store is SQLite, and time comes from a replaceable
//! clock. See `docs/workflows-engine.md`.

mod choice;
pub mod clock;
pub mod definition;
mod engine;
pub mod error;
mod fold;
pub mod history;
mod interpreter;
mod intrinsics;
pub mod jsonata;
pub mod jsonpath;
mod payload;
mod query;
mod retry;
mod run;
mod schedule;
pub mod store;
mod tasks;
mod values;

pub use clock::{Clock, SystemClock, VirtualClock};
pub use engine::{
    ACCOUNT, Engine, EngineBuilder, ExecutionDescription, REGION, StartExecutionOutput,
    load_definition, state_machine_arn,
};
pub use error::{ApiError, DefinitionError, Failure};
pub use history::HistoryEvent;
pub use intrinsics::CallSyntaxError;
pub use schedule::ScheduleSpec;
pub use store::{ExecutionStatus, MemoryStore, ScheduleRecord, SqliteStore, Store, StoreError};
pub use tasks::HandlerError;
