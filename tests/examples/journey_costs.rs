//! Counts what each journey costs on the embedded default, for
//! docs/cost-model.md: it runs `campaigns demo` (every journey's main path)
//! against the product on the system clock, then reads the engine's
//! histories — state transitions per execution, Lambda invocations, and the
//! measured duration of each Task that runs a step.
//!
//!     cargo run -p campaigns-tests --example journey_costs

use std::collections::BTreeMap;

use campaigns_local::time::Time;
use campaigns_tests::{ADMIN_TOKEN, Product};
use chrono::{DateTime, Utc};

#[derive(Default)]
struct Totals {
    executions: u32,
    transitions: u32,
    invocations: u32,
    step_ms: f64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let product = Product::start_with(|options| options.time = Time::System).await;
    let mut timeline = Vec::new();
    campaigns_local::demo::run(&product.embedded.api_url(), ADMIN_TOKEN, &mut timeline).await?;

    let engine = &product.embedded.engine;
    let mut totals: BTreeMap<String, Totals> = BTreeMap::new();
    for machine in engine.list_state_machines()? {
        for execution in engine.list_executions(&machine.arn, None)? {
            let history = engine.get_execution_history(&execution.execution_arn)?;
            let entry = totals.entry(machine.name.clone()).or_default();
            entry.executions += 1;
            entry.transitions += history
                .iter()
                .filter(|event| event.event_type.ends_with("StateEntered"))
                .count() as u32;
            // A step runs from TaskScheduled to its outcome; a task-token wait
            // is not a step's run time (its Lambda only leaves the token).
            let mut scheduled: Option<(DateTime<Utc>, bool)> = None;
            for event in &history {
                match event.event_type.as_str() {
                    "TaskScheduled" => {
                        let waits = event.details["resource"] == "invoke.waitForTaskToken";
                        scheduled = Some((event.timestamp, waits));
                        entry.invocations += 1;
                    }
                    "TaskSucceeded" | "TaskFailed" | "TaskSubmitted" => {
                        if let Some((start, waits)) = scheduled.take() {
                            if !waits || event.event_type == "TaskSubmitted" {
                                entry.step_ms +=
                                    (event.timestamp - start).num_microseconds().unwrap_or(0)
                                        as f64
                                        / 1000.0;
                            }
                            if waits && event.event_type == "TaskSubmitted" {
                                scheduled = None;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    println!(
        "{:<26} {:>10} {:>22} {:>22} {:>20}",
        "state machine",
        "executions",
        "transitions/execution",
        "invocations/execution",
        "ms per invocation"
    );
    for (name, total) in &totals {
        let per = |value: f64| value / f64::from(total.executions.max(1));
        println!(
            "{name:<26} {:>10} {:>22.1} {:>22.1} {:>20.1}",
            total.executions,
            per(f64::from(total.transitions)),
            per(f64::from(total.invocations)),
            total.step_ms / f64::from(total.invocations.max(1)),
        );
    }
    Ok(())
}
