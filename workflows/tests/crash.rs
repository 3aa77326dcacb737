//! Crash test: a child process runs journey-shaped executions on the SQLite
//! store and is killed with SIGKILL at random instants, then started again,
//! until every execution has finished. Each execution must end exactly as
//! in an uninterrupted run: same status and output, and the same history
//! events (a step is never recorded twice). Task handlers may run more than
//! once (at-least-once, as on AWS), never zero times.
//!
//! The child is this same test binary, run with `CRASH_CHILD_DB` set.

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use workflows::{Engine, EngineBuilder, ExecutionStatus, MemoryStore, SqliteStore, Store};

const EXECUTIONS: usize = 4;

fn journey() -> Value {
    json!({"StartAt": "Prepare", "TimeoutSeconds": 600, "States": {
        "Prepare": {"Type": "Pass", "Assign": {"team.$": "$.team"}, "Next": "HasMembers"},
        "HasMembers": {"Type": "Choice", "Choices": [
            {"Variable": "$.members[0]", "IsPresent": true, "Next": "Members"}], "Default": "Empty"},
        "Empty": {"Type": "Fail", "Error": "NoMembers"},
        "Members": {"Type": "Map", "ItemsPath": "$.members", "MaxConcurrency": 2, "ResultPath": "$.shares",
            "ItemProcessor": {"StartAt": "Charge", "States": {
                "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "charge", "Payload": {"team.$": "$team", "member.$": "$", "attempt.$": "$$.State.RetryCount"}},
                    "ResultSelector": {"cents.$": "$.Payload.cents"},
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 0, "MaxAttempts": 3}],
                    "Next": "Authorize"},
                "Authorize": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "authorize",
                        "Payload": {"token.$": "$$.Task.Token", "cents.$": "$.cents"}},
                    "TimeoutSeconds": 300, "End": true}}},
            "Next": "Settle"},
        "Settle": {"Type": "Wait", "Seconds": 1, "Next": "Done"},
        "Done": {"Type": "Pass", "Parameters": {"team.$": "$team", "shares.$": "$.shares",
            "total.$": "States.ArrayLength($.shares)"}, "End": true}}})
}

fn inputs() -> Vec<(String, String)> {
    (0..EXECUTIONS)
        .map(|i| (format!("team-{i}"), json!({"team": i, "members": [format!("m{i}a"), format!("m{i}b"), format!("m{i}c")]}).to_string()))
        .collect()
}

/// Handlers whose results depend only on their input. `log` receives a line
/// per invocation (the side effect), `tokens` a line per issued token.
fn handlers(builder: EngineBuilder, log: PathBuf, engine: Arc<OnceLock<Engine>>) -> EngineBuilder {
    let append = |path: &Path, line: String| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        writeln!(f, "{line}").unwrap();
        f.sync_data().unwrap();
    };
    let log2 = log.clone();
    builder
        .handler("charge", move |v: Value| {
            let member = v["member"].as_str().unwrap().to_string();
            append(&log, format!("charge {member}"));
            // Fails the first attempt for some members: a function of the
            // input, so a replay sees the same outcome.
            let flaky = member.ends_with('b') && v["attempt"] == json!(0);
            async move {
                if flaky {
                    return Err(workflows::HandlerError::new("Flaky", "try again"));
                }
                Ok(json!({"cents": 9967 + member.len() as i64}))
            }
        })
        .handler("authorize", move |v: Value| {
            let token = v["token"].as_str().unwrap().to_string();
            let output = json!({"authorized": v["cents"]}).to_string();
            append(&log2.with_extension("tokens"), format!("{token} {output}"));
            if let Some(engine) = engine.get().cloned() {
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(3)).await;
                    let _ = engine.send_task_success(&token, &output).await;
                });
            }
            async { Ok(json!({})) }
        })
}

/// The external party redelivers its callbacks, as Stripe redelivers
/// webhooks: every token seen so far is answered again.
async fn redeliver(engine: &Engine, tokens: &Path) {
    let text = std::fs::read_to_string(tokens).unwrap_or_default();
    for line in text.lines() {
        if let Some((token, output)) = line.split_once(' ') {
            let _ = engine.send_task_success(token, output).await;
        }
    }
}

async fn run_all(builder: EngineBuilder, log: PathBuf, sm_store_arn: &mut String) -> Engine {
    let cell = Arc::new(OnceLock::new());
    let engine = handlers(builder, log.clone(), cell.clone())
        .start()
        .await
        .unwrap();
    let _ = cell.set(engine.clone());
    redeliver(&engine, &log.with_extension("tokens")).await;
    let sm = engine
        .create_state_machine("journey", &journey().to_string(), &BTreeMap::new())
        .unwrap();
    for (name, input) in inputs() {
        match engine.start_execution(&sm, Some(&name), Some(&input)).await {
            Ok(_) => {}
            Err(e) => assert_eq!(e.code(), "ExecutionAlreadyExists"),
        }
    }
    for e in engine.list_executions(&sm, None).unwrap() {
        engine.wait_for_completion(&e.execution_arn).await.unwrap();
    }
    *sm_store_arn = sm;
    engine
}

/// The child process: runs (or resumes) the executions to their end.
#[test]
fn crash_child() {
    let Ok(db) = std::env::var("CRASH_CHILD_DB") else {
        return;
    };
    let db = PathBuf::from(db);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Arc::new(SqliteStore::open(&db).unwrap());
        let mut sm = String::new();
        run_all(
            Engine::builder().store(store),
            db.with_extension("log"),
            &mut sm,
        )
        .await;
    });
}

struct Outcome {
    status: ExecutionStatus,
    output: Option<String>,
    events: Vec<String>,
}

fn outcomes(store: Arc<dyn Store>) -> BTreeMap<String, Outcome> {
    let mut out = BTreeMap::new();
    for e in store.list_executions(None).unwrap() {
        let mut events: Vec<String> = store
            .history(&e.arn)
            .unwrap()
            .into_iter()
            .map(|h| h.event_type)
            .collect();
        events.sort();
        out.insert(
            e.name.clone(),
            Outcome {
                status: e.status,
                output: e.output,
                events,
            },
        );
    }
    out
}

fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn killed_at_random_points_every_execution_completes_as_uninterrupted() {
    if std::env::var("CRASH_CHILD_DB").is_ok() {
        return;
    }
    // The uninterrupted reference run, in memory.
    let ref_dir = tempfile::tempdir().unwrap();
    let reference: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut sm = String::new();
        run_all(
            Engine::builder().store(reference.clone()),
            ref_dir.path().join("ref.log"),
            &mut sm,
        )
        .await;
    });
    drop(rt);
    let expected = outcomes(reference);
    assert_eq!(expected.len(), EXECUTIONS);

    let rounds: u64 = std::env::var("CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let mut seed = 0x9E37_79B9_7F4A_7C15u64 ^ std::process::id() as u64;
    let mut total_kills = 0;
    for round in 0..rounds {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("engine.db");
        let mut kills = 0;
        loop {
            let mut child = Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
                .env("CRASH_CHILD_DB", &db)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            // Kill after a random delay; stop killing after enough kills so
            // the round finishes.
            let delay = Duration::from_millis(5 + next_random(&mut seed) % 120);
            let deadline = std::time::Instant::now() + delay;
            let mut finished = None;
            while std::time::Instant::now() < deadline || kills >= 25 {
                if let Some(status) = child.try_wait().unwrap() {
                    finished = Some(status);
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            match finished {
                Some(status) => {
                    assert!(status.success(), "round {round}: child failed");
                    break;
                }
                None => {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    kills += 1;
                }
            }
        }
        total_kills += kills;
        eprintln!("round {round}: killed {kills} times before the executions completed");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&db).unwrap());
        let got = outcomes(store);
        assert_eq!(got.len(), EXECUTIONS, "round {round}");
        for (name, want) in &expected {
            let have = &got[name];
            assert_eq!(have.status, want.status, "round {round}, {name}");
            assert_eq!(have.output, want.output, "round {round}, {name}");
            assert_eq!(
                have.events, want.events,
                "round {round}, {name}: history differs"
            );
        }
        let log = std::fs::read_to_string(db.with_extension("log")).unwrap();
        let charged: HashSet<&str> = log
            .lines()
            .filter_map(|l| l.strip_prefix("charge "))
            .collect();
        assert_eq!(
            charged.len(),
            EXECUTIONS * 3,
            "every member charged at least once"
        );
    }
    assert!(
        total_kills >= rounds,
        "the child was killed {total_kills} times"
    );
}
