//! Helpers shared by the integration tests.
#![allow(dead_code)]
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use workflows::{Engine, EngineBuilder, ExecutionStatus, VirtualClock};

pub fn t0() -> chrono::DateTime<chrono::Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

pub fn virtual_clock() -> Arc<VirtualClock> {
    Arc::new(VirtualClock::new(t0()))
}

pub async fn engine_with(builder: EngineBuilder) -> Engine {
    builder.start().await.unwrap()
}

pub fn create(engine: &Engine, name: &str, definition: &Value) -> String {
    engine
        .create_state_machine(name, &definition.to_string(), &BTreeMap::new())
        .unwrap()
}

/// Waits (in real time) until some execution waits on a timer of `clock`.
pub async fn until_timer(clock: &VirtualClock) {
    for _ in 0..5000 {
        if clock.pending_timers() > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("no timer was set");
}

pub fn event_types(engine: &Engine, arn: &str) -> Vec<String> {
    engine
        .get_execution_history(arn)
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

pub fn output(engine: &Engine, arn: &str) -> Value {
    serde_json::from_str(
        engine
            .describe_execution(arn)
            .unwrap()
            .output
            .as_deref()
            .unwrap(),
    )
    .unwrap()
}

/// Runs `def` on input `input` to its end on an engine from `builder`: the
/// status and the output, or `{error, cause}`.
pub async fn run_to_end(
    builder: EngineBuilder,
    def: &Value,
    input: &Value,
) -> (ExecutionStatus, Value) {
    let engine = builder.start().await.unwrap();
    let arn = start(&engine, def, input).await;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    ended(d)
}

/// As [`run_to_end`], on a virtual clock that jumps to each timer as it is
/// set, so a wait of any length ends at once.
pub async fn run_to_end_on_virtual_clock(
    builder: EngineBuilder,
    def: &Value,
    input: &Value,
) -> (ExecutionStatus, Value) {
    let clock = virtual_clock();
    let engine = builder.clock(clock.clone()).start().await.unwrap();
    let arn = start(&engine, def, input).await;
    let done = engine.wait_for_completion(&arn);
    tokio::pin!(done);
    let d = loop {
        tokio::select! {
            d = &mut done => break d.unwrap(),
            _ = tokio::time::sleep(Duration::from_millis(2)) => { clock.advance_to_next_timer(); }
        }
    };
    ended(d)
}

/// Creates `def` as machine `m` on `engine` and starts it on `input`: the
/// execution's ARN.
async fn start(engine: &Engine, def: &Value, input: &Value) -> String {
    let sm = create(engine, "m", def);
    engine
        .start_execution(&sm, None, Some(&input.to_string()))
        .await
        .unwrap()
        .execution_arn
}

/// An ended execution's status and output, or `{error, cause}`.
fn ended(d: workflows::ExecutionDescription) -> (ExecutionStatus, Value) {
    let v = match d.status {
        ExecutionStatus::Succeeded => serde_json::from_str(d.output.as_deref().unwrap()).unwrap(),
        _ => json!({"error": d.error, "cause": d.cause}),
    };
    (d.status, v)
}
