//! Durability with the SQLite store: a process that stops at any point and
//! starts again resumes its executions, keeps its task tokens and timers.
//! Each "process" here is a tokio runtime that is dropped mid-execution,
//! which cancels every task without any cleanup.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use workflows::{Engine, ExecutionStatus, SqliteStore, VirtualClock};

fn token_def() -> Value {
    json!({"StartAt": "Pay", "States": {
        "Pay": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "checkout", "Payload": {"token.$": "$$.Task.Token"}},
            "TimeoutSeconds": 86400, "Next": "Cool"},
        "Cool": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}})
}

fn builder(
    path: &std::path::Path,
    clock: Arc<VirtualClock>,
    calls: Arc<AtomicU32>,
    tokens: tokio::sync::mpsc::UnboundedSender<String>,
) -> workflows::EngineBuilder {
    Engine::builder()
        .store(Arc::new(SqliteStore::open(path).unwrap()))
        .clock(clock)
        .handler("checkout", move |v: Value| {
            calls.fetch_add(1, Ordering::SeqCst);
            tokens
                .send(v["token"].as_str().unwrap().to_string())
                .unwrap();
            async { Ok(json!({"url": "https://checkout.local/s"})) }
        })
}

#[test]
fn executions_tokens_and_timers_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let calls = Arc::new(AtomicU32::new(0));
    let clock = virtual_clock();

    // First process: start, get the token, then stop abruptly.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (arn, token) = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let engine = builder(&db, clock.clone(), calls.clone(), tx.clone())
                .start()
                .await
                .unwrap();
            let sm = create(&engine, "checkout", &token_def());
            let arn = engine
                .start_execution(&sm, Some("team-1"), Some("{}"))
                .await
                .unwrap()
                .execution_arn;
            let token = rx.recv().await.unwrap();
            until_timer(&clock).await; // the task timeout is armed: the step is waiting
            (arn, token)
        })
    };

    // Second process: the execution is resumed and the same token works.
    {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let engine = builder(&db, clock.clone(), calls.clone(), tx.clone())
                .start()
                .await
                .unwrap();
            assert_eq!(
                engine.describe_execution(&arn).unwrap().status,
                ExecutionStatus::Running
            );
            engine
                .send_task_success(&token, r#"{"paid": true}"#)
                .await
                .unwrap();
            // Now in the hour-long Wait; stop again while it waits.
            until_timer(&clock).await;
        });
    }

    // Third process: the Wait's timer is re-armed from the stored history.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = builder(&db, clock.clone(), calls.clone(), tx)
            .start()
            .await
            .unwrap();
        until_timer(&clock).await;
        clock.advance(Duration::from_secs(3600));
        let d = engine.wait_for_completion(&arn).await.unwrap();
        assert_eq!(d.status, ExecutionStatus::Succeeded);
        assert_eq!(d.output.as_deref(), Some(r#"{"paid":true}"#));
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "a recorded step is not run again"
        );
        let types = event_types(&engine, &arn);
        assert_eq!(types.iter().filter(|t| *t == "TaskStateEntered").count(), 1);
        assert_eq!(types.iter().filter(|t| *t == "WaitStateEntered").count(), 1);
    });
}

#[test]
fn a_timeout_that_fell_due_while_stopped_fires_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let calls = Arc::new(AtomicU32::new(0));
    let clock = virtual_clock();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let arn = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let engine = builder(&db, clock.clone(), calls.clone(), tx.clone())
                .start()
                .await
                .unwrap();
            let sm = create(&engine, "checkout", &token_def());
            let arn = engine
                .start_execution(&sm, None, Some("{}"))
                .await
                .unwrap()
                .execution_arn;
            rx.recv().await.unwrap();
            until_timer(&clock).await;
            arn
        })
    };
    clock.advance(Duration::from_secs(2 * 86400));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = builder(&db, clock.clone(), calls.clone(), tx)
            .start()
            .await
            .unwrap();
        let d = engine.wait_for_completion(&arn).await.unwrap();
        assert_eq!(
            (d.status, d.error.as_deref()),
            (ExecutionStatus::Failed, Some("States.Timeout"))
        );
    });
}
