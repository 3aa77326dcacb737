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

/// What the old layout's rows say: each execution's description (newest
/// first, as listed), its history, and the schedules.
struct Before {
    executions: Vec<workflows::ExecutionDescription>,
    histories: Vec<Vec<workflows::HistoryEvent>>,
    schedules: Vec<workflows::ScheduleRecord>,
    token: String,
}

/// The bodies `sql` selects (with `params`), each read as a `T`.
fn bodies<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Vec<T> {
    let mut st = conn.prepare(sql).unwrap();
    st.query_map(params, |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| serde_json::from_str(&b.unwrap()).unwrap())
        .collect()
}

/// Reads a file of layout 0 with that layout's SQL.
fn read_v0(db: &std::path::Path) -> Before {
    let conn = rusqlite::Connection::open(db).unwrap();
    let executions: Vec<workflows::ExecutionDescription> =
        bodies::<workflows::store::ExecutionRecord>(
            &conn,
            "SELECT body FROM executions ORDER BY rowid DESC",
            [],
        )
        .into_iter()
        .map(Into::into)
        .collect();
    let histories = executions
        .iter()
        .map(|e| {
            bodies(
                &conn,
                "SELECT body FROM events WHERE execution = ?1 ORDER BY id",
                [&e.execution_arn],
            )
        })
        .collect();
    let schedules = bodies(&conn, "SELECT body FROM schedules ORDER BY name", []);
    let token = conn
        .query_row(
            "SELECT token FROM tokens WHERE body LIKE '%\"open\":true%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    Before {
        executions,
        histories,
        schedules,
        token,
    }
}

/// A store file of the layout before version 1 (written by a run of that
/// build, `fixtures/store_v0.sql`) is migrated when opened: describe,
/// list, history and schedules answer as before, and its executions go on
/// (a callback on its open token, a redrive of the failed one).
#[test]
fn a_store_file_of_the_old_layout_is_migrated_when_opened() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(include_str!("fixtures/store_v0.sql"))
        .unwrap();
    let before = read_v0(&db);
    assert_eq!(before.executions.len(), 3);
    assert!(before.histories.iter().all(|h| !h.is_empty()));
    let clock = virtual_clock();
    let charges = Arc::new(AtomicU32::new(0));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = Engine::builder()
            .store(Arc::new(SqliteStore::open(&db).unwrap()))
            .clock(clock.clone())
            .handler("charge", {
                let charges = charges.clone();
                move |_v: Value| {
                    charges.fetch_add(1, Ordering::SeqCst);
                    async { Ok(json!({"cents": 9967})) }
                }
            })
            .handler("pay", |_v: Value| async { Ok(json!({})) })
            .start()
            .await
            .unwrap();
        let sm = before.executions[0].state_machine_arn.clone();
        assert_eq!(
            engine.list_executions(&sm, None).unwrap(),
            before.executions
        );
        for (e, history) in before.executions.iter().zip(&before.histories) {
            assert_eq!(
                &engine.describe_execution(&e.execution_arn).unwrap(),
                e,
                "{}",
                e.name
            );
            assert_eq!(
                &engine.get_execution_history(&e.execution_arn).unwrap(),
                history,
                "{}",
                e.name
            );
        }
        assert_eq!(engine.list_schedules().unwrap(), before.schedules);

        // The waiting execution's token is still its callback.
        let waiting = before
            .executions
            .iter()
            .find(|e| e.name == "waiting")
            .unwrap();
        engine
            .send_task_success(&before.token, r#"{"paid": true}"#)
            .await
            .unwrap();
        let d = engine
            .wait_for_completion(&waiting.execution_arn)
            .await
            .unwrap();
        assert_eq!(d.status, ExecutionStatus::Succeeded);
        assert_eq!(d.output.as_deref(), Some(r#"{"paid":true}"#));

        // The failed one is redriven from its failed step, its history
        // going on from the migrated one.
        let failed = before
            .executions
            .iter()
            .find(|e| e.name == "failed")
            .unwrap();
        assert_eq!(failed.status, ExecutionStatus::Failed);
        engine
            .redrive_execution(&failed.execution_arn)
            .await
            .unwrap();
        let d = engine
            .wait_for_completion(&failed.execution_arn)
            .await
            .unwrap();
        assert_eq!((d.status, d.redrive_count), (ExecutionStatus::Succeeded, 1));
        assert_eq!(
            charges.load(Ordering::SeqCst),
            1,
            "only the failed step runs again"
        );
        let history = engine.get_execution_history(&failed.execution_arn).unwrap();
        let old = &before.histories[before
            .executions
            .iter()
            .position(|e| e.name == "failed")
            .unwrap()];
        assert_eq!(&history[..old.len()], &old[..]);
        assert_eq!(history.last().unwrap().event_type, "ExecutionSucceeded");
    });
    drop(rt);

    // The file is of layout 1 now, without the old tables, and opens again.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let body_columns: i64 = conn
        .query_row(
            "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'body'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(body_columns, 0);
    drop(conn);
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(
        workflows::Store::list_executions(&store, None)
            .unwrap()
            .len(),
        3
    );
}
