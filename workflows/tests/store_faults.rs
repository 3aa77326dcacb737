//! A store that fails: SQLite refuses one execution's writes (a trigger
//! the test installs through its own connection, as a full disk or a
//! locked database would refuse them). That execution's step is retried
//! from what was stored until the store accepts it again; the other
//! executions carry on, and nothing panics.
//!
//! The tests of this file count the panics of the whole process, so they
//! are kept apart from the others.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;
use workflows::{Engine, ExecutionStatus, SqliteStore};

fn definition() -> Value {
    json!({"StartAt": "Charge", "States": {
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
            "ResultSelector": {"cents.$": "$.Payload.cents"}, "Next": "Done"},
        "Done": {"Type": "Pass", "End": true}}})
}

/// Makes SQLite refuse some writes, from a connection of its own.
struct Refusal(Mutex<rusqlite::Connection>);

impl Refusal {
    fn on(db: &std::path::Path) -> Self {
        Refusal(Mutex::new(rusqlite::Connection::open(db).unwrap()))
    }
    /// Refuses the writes `what` (e.g. `INSERT ON events`) for which
    /// `when` holds.
    fn start(&self, what: &str, when: &str) {
        self.0
            .lock()
            .unwrap()
            .execute_batch(&format!(
                "CREATE TRIGGER refuse BEFORE {what} WHEN {when}
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;"
            ))
            .unwrap();
    }
    fn stop(&self) {
        self.0
            .lock()
            .unwrap()
            .execute_batch("DROP TRIGGER refuse")
            .unwrap();
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts the panics of this process from now on, on any thread.
fn count_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            default(info);
        }));
    });
}

fn arn(name: &str) -> String {
    format!("arn:aws:states:us-east-1:123456789012:execution:charges:{name}")
}

fn event_types(engine: &Engine, arn: &str) -> Vec<String> {
    let history = engine.get_execution_history(arn).unwrap();
    history.into_iter().map(|e| e.event_type).collect()
}

/// Once the store accepts writes again, `faulty` completes with the
/// output and the events `healthy` (run undisturbed) has.
async fn completes_as(engine: &Engine, faulty: &str, healthy: &str, why: &str) {
    let done = tokio::time::timeout(Duration::from_secs(30), engine.wait_for_completion(faulty))
        .await
        .expect(why)
        .unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.output.as_deref(), Some(r#"{"cents":9967}"#));
    assert_eq!(event_types(engine, faulty), event_types(engine, healthy));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_error_retries_that_executions_step_and_spares_the_others() {
    count_panics();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let refusal = Arc::new(Refusal::on(&db));
    let calls: Arc<Mutex<BTreeMap<String, u32>>> = Arc::default();

    let engine = Engine::builder()
        .store(Arc::new(SqliteStore::open(&db).unwrap()))
        .handler("charge", {
            let (calls, refusal, faulty) = (calls.clone(), refusal.clone(), arn("faulty"));
            move |v: Value| {
                let member = v["member"].as_str().unwrap().to_string();
                let mut calls = calls.lock().unwrap();
                let n = calls.entry(member.clone()).or_default();
                *n += 1;
                // The disk fills while the first charge of `faulty` runs:
                // its outcome cannot be recorded.
                if member == "faulty" && *n == 1 {
                    refusal.start(
                        "INSERT ON events",
                        &format!(
                            "NEW.execution = (SELECT id FROM executions WHERE arn = '{faulty}')"
                        ),
                    );
                }
                async { Ok(json!({"cents": 9967})) }
            }
        })
        .start()
        .await
        .unwrap();
    let sm = engine
        .create_state_machine("charges", &definition().to_string(), &BTreeMap::new())
        .unwrap();
    let charges = |member: &str| calls.lock().unwrap().get(member).copied().unwrap_or(0);

    let faulty = engine
        .start_execution(&sm, Some("faulty"), Some(r#"{"member":"faulty"}"#))
        .await
        .unwrap()
        .execution_arn;
    // The step is retried, from its history, while the store refuses it.
    tokio::time::timeout(Duration::from_secs(10), async {
        while charges("faulty") < 3 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the step is tried again after the store error");

    // Meanwhile another execution runs to its end.
    let healthy = engine
        .start_execution(&sm, Some("healthy"), Some(r#"{"member":"healthy"}"#))
        .await
        .unwrap()
        .execution_arn;
    let done = tokio::time::timeout(
        Duration::from_secs(10),
        engine.wait_for_completion(&healthy),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(charges("healthy"), 1);
    let faulty_now = engine.describe_execution(&faulty).unwrap();
    assert_eq!(faulty_now.status, ExecutionStatus::Running);

    // The store accepts writes again: the execution completes, each of its
    // events recorded once, as the other's were.
    refusal.stop();
    completes_as(
        &engine,
        &faulty,
        &healthy,
        "the execution completes once the store accepts its writes",
    )
    .await;
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "nothing panicked");
}

/// A stop whose end is recorded but whose record cannot be updated: the
/// execution has ended, and neither a callback nor a resumed run takes it
/// a step further while the store refuses, nor after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_cut_short_by_a_store_error_takes_no_further_step() {
    count_panics();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let refusal = Refusal::on(&db);
    let charges = Arc::new(AtomicUsize::new(0));
    let (tokens, mut token) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::builder()
        .store(Arc::new(SqliteStore::open(&db).unwrap()))
        .handler("hold", move |v: Value| {
            tokens
                .send(v["token"].as_str().unwrap().to_string())
                .unwrap();
            async { Ok(json!({})) }
        })
        .handler("charge", {
            let charges = charges.clone();
            move |_: Value| {
                charges.fetch_add(1, Ordering::SeqCst);
                async { Ok(json!({"cents": 9967})) }
            }
        })
        .start()
        .await
        .unwrap();
    let definition = json!({"StartAt": "Hold", "States": {
        "Hold": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "hold", "Payload": {"token.$": "$$.Task.Token"}},
            "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "charge"}, "End": true}}});
    let sm = engine
        .create_state_machine("charges", &definition.to_string(), &BTreeMap::new())
        .unwrap();
    let stopped = engine
        .start_execution(&sm, Some("stopped"), None)
        .await
        .unwrap()
        .execution_arn;
    let token = token.recv().await.unwrap();

    refusal.start("UPDATE ON executions", &format!("NEW.arn = '{stopped}'"));
    let refused = engine
        .stop_execution(&stopped, None, None)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), "ServiceUnavailable");
    // The run resumed after the refused stop finds the end recorded and
    // only retries applying it; it does not wait on the token any more.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = engine.send_task_success(&token, "{}").await.unwrap_err();
    assert_eq!(late.code(), "TaskTimedOut");

    refusal.stop();
    let done = tokio::time::timeout(
        Duration::from_secs(30),
        engine.wait_for_completion(&stopped),
    )
    .await
    .expect("the stop is applied once the store accepts it")
    .unwrap();
    assert_eq!(done.status, ExecutionStatus::Aborted);
    assert_eq!(charges.load(Ordering::SeqCst), 0, "no step after the stop");
    let history = event_types(&engine, &stopped);
    assert_eq!(history.last().map(String::as_str), Some("ExecutionAborted"));
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "nothing panicked");
}

/// The run's end is one store call: the last state's pending events, the
/// end event, the tokens closed and the record. When the record cannot be
/// updated the whole call is undone — no end is recorded without its record
/// — and the run replays and ends again once the store accepts it, without
/// calling its task again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_end_is_undone_whole_and_recorded_once_accepted() {
    count_panics();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("engine.db");
    let refusal = Refusal::on(&db);
    let charges = Arc::new(AtomicUsize::new(0));
    let engine = Engine::builder()
        .store(Arc::new(SqliteStore::open(&db).unwrap()))
        .handler("charge", {
            let charges = charges.clone();
            move |_: Value| {
                charges.fetch_add(1, Ordering::SeqCst);
                async { Ok(json!({"cents": 9967})) }
            }
        })
        .start()
        .await
        .unwrap();
    let sm = engine
        .create_state_machine("charges", &definition().to_string(), &BTreeMap::new())
        .unwrap();
    let (faulty, healthy) = (arn("faulty"), arn("healthy"));
    refusal.start("UPDATE ON executions", &format!("NEW.arn = '{faulty}'"));
    for name in ["faulty", "healthy"] {
        engine
            .start_execution(&sm, Some(name), Some(r#"{"member":"m"}"#))
            .await
            .unwrap();
    }
    let done = tokio::time::timeout(
        Duration::from_secs(10),
        engine.wait_for_completion(&healthy),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    // Refused for a while: tried (and undone) more than once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        engine.describe_execution(&faulty).unwrap().status,
        ExecutionStatus::Running
    );
    let so_far = event_types(&engine, &faulty);
    assert!(
        !so_far
            .iter()
            .any(|t| t == "ExecutionSucceeded" || t == "PassStateExited"),
        "nothing of the refused end is stored: {so_far:?}"
    );

    refusal.stop();
    completes_as(
        &engine,
        &faulty,
        &healthy,
        "the end is recorded once the store accepts it",
    )
    .await;
    assert_eq!(charges.load(Ordering::SeqCst), 2, "each task called once");
    assert_eq!(PANICS.load(Ordering::SeqCst), 0, "nothing panicked");
}
