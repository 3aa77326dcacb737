//! `asl`: run or validate a state machine definition.
//!
//! `asl run DEFINITION INPUT` runs a definition that needs no task handlers
//! (on a virtual clock, so Wait states take no time) and prints
//! `{"status": …, "output": …}` or `{"status": …, "error": …, "cause": …}`.
//! `asl validate DEFINITION` prints what the engine refuses, state by state.

use clap::{Parser, Subcommand};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use workflows::{ApiError, Engine, ExecutionStatus, VirtualClock, definition};

#[derive(Parser)]
#[command(
    name = "asl",
    about = "Run or validate Amazon States Language definitions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run DEFINITION on the JSON in INPUT and print the result as JSON.
    Run { definition: PathBuf, input: PathBuf },
    /// Report what the engine refuses in DEFINITION.
    Validate { definition: PathBuf },
}

/// Why `asl` could not do what it was asked (exit status 2).
#[derive(Debug, thiserror::Error)]
enum AslError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The runtime could not start.
    #[error(transparent)]
    Runtime(#[from] std::io::Error),
    #[error(transparent)]
    Engine(#[from] ApiError),
    /// The engine stored an output that is not JSON.
    #[error(transparent)]
    Output(#[from] serde_json::Error),
}

fn read(p: &PathBuf) -> Result<String, AslError> {
    std::fs::read_to_string(p).map_err(|source| AslError::Read {
        path: p.clone(),
        source,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { definition: d } => validate(&d),
        Command::Run {
            definition: d,
            input,
        } => run(&d, &input),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("asl: {e}");
            ExitCode::from(2)
        }
    }
}

fn validate(path: &PathBuf) -> Result<ExitCode, AslError> {
    match definition::parse(&read(path)?) {
        Ok(_) => {
            println!("valid");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for p in problems {
                println!("{p}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

fn run(def: &PathBuf, input: &PathBuf) -> Result<ExitCode, AslError> {
    let text = read(def)?;
    let input = read(input)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()?;
    rt.block_on(async {
        let clock = Arc::new(VirtualClock::new(chrono::Utc::now()));
        let engine = Engine::builder().clock(clock.clone()).start().await?;
        let sm = engine.create_state_machine("asl-run", &text, &BTreeMap::new())?;
        let started = engine.start_execution(&sm, None, Some(&input)).await?;
        // Let the execution run until it blocks; then jump the clock to the
        // next timer it waits on.
        let done = engine.wait_for_completion(&started.execution_arn);
        tokio::pin!(done);
        let d = loop {
            tokio::select! {
                biased;
                d = &mut done => break d?,
                _ = settle() => {
                    if !clock.advance_to_next_timer() {
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                    }
                }
            }
        };
        let mut out = Map::new();
        out.insert("status".into(), d.status.as_str().into());
        if d.status == ExecutionStatus::Succeeded {
            let v: Value = serde_json::from_str(d.output.as_deref().unwrap_or("null"))?;
            out.insert("output".into(), v);
        } else {
            if let Some(e) = d.error {
                out.insert("error".into(), e.into());
            }
            if let Some(c) = d.cause {
                out.insert("cause".into(), c.into());
            }
        }
        println!("{}", Value::Object(out));
        Ok(ExitCode::SUCCESS)
    })
}

/// Yields until the other tasks on this thread have had their turn.
async fn settle() {
    for _ in 0..16 {
        tokio::task::yield_now().await;
    }
}
