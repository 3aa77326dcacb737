//! Crash test: a child process runs journey-shaped executions on the SQLite
//! store and is killed with SIGKILL at random instants, then started again,
//! until every execution has finished. Each execution must end exactly as
//! in an uninterrupted run: same status and output, and the same history
//! events (a step is never recorded twice). Task handlers may run more than
//! once (at-least-once, as on AWS), never zero times.
//!
//! The child is this same test binary, run with `CRASH_CHILD_DB` set.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
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
                    "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 3}],
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

/// The members of team `i`, each charged by the journey.
fn members(i: usize) -> [String; 3] {
    ["a", "b", "c"].map(|m| format!("m{i}{m}"))
}

fn inputs() -> Vec<(String, String)> {
    (0..EXECUTIONS)
        .map(|i| {
            let input = json!({"team": i, "members": members(i)});
            (format!("team-{i}"), input.to_string())
        })
        .collect()
}

/// Appends a record to a side-effect log, in one write, on a line of its
/// own: a kill between two writes (or, rarely, inside one) leaves a torn
/// record, which spoils only itself, never the records after it.
fn append(path: &Path, record: String) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(format!("\n{record}\n").as_bytes()).unwrap();
    f.sync_data().unwrap();
}

/// Handlers whose results depend only on their input. `log` receives a line
/// per invocation (the side effect), `tokens` a line per issued token.
fn handlers(builder: EngineBuilder, log: PathBuf, engine: Arc<OnceLock<Engine>>) -> EngineBuilder {
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
/// webhooks: every token seen so far is answered again (a torn record is
/// refused as malformed; its task was not submitted, so it runs again).
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

/// How long the last child (never killed) may take to finish its
/// executions before the round is reported as stuck.
const FINISH_WITHIN: Duration = Duration::from_secs(120);

/// One round: a fresh database, and the children started on it, each
/// killed after its delay, until one finishes. Each child's stdout and
/// stderr go to a file in the round's directory, so that a failure can say
/// what every child printed (a panic, an error) along with the round, the
/// kills and their delays.
struct Round {
    number: u64,
    dir: tempfile::TempDir,
    /// The delay after which each child was killed.
    delays: Vec<Duration>,
}

impl Round {
    fn new(number: u64) -> Self {
        Round {
            number,
            dir: tempfile::tempdir().unwrap(),
            delays: Vec::new(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("engine.db")
    }

    fn child_output(&self, child: usize) -> PathBuf {
        self.dir.path().join(format!("child-{child}.out"))
    }

    fn kills(&self) -> usize {
        self.delays.len()
    }

    /// Starts the next child, its output in its own file.
    fn spawn_child(&self) -> Child {
        let out = std::fs::File::create(self.child_output(self.kills())).unwrap();
        Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env("CRASH_CHILD_DB", self.db())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap()
    }

    /// Fails the test with everything the round left: the children's
    /// output, the side-effect logs and what the store holds. The round's
    /// directory is kept for a closer look.
    fn fail(self, what: impl std::fmt::Display) -> ! {
        let mut report = format!(
            "round {}: {what}\nkilled {} times; delays before each kill (ms): {:?}\n",
            self.number,
            self.kills(),
            self.delays
                .iter()
                .map(Duration::as_millis)
                .collect::<Vec<_>>()
        );
        for child in 0..=self.kills() {
            let text = std::fs::read_to_string(self.child_output(child)).unwrap_or_default();
            report += &format!("--- child {child} output ---\n{text}");
        }
        for log in ["log", "tokens"] {
            let text = std::fs::read_to_string(self.db().with_extension(log)).unwrap_or_default();
            report += &format!("--- {log} ---\n{text}");
        }
        report += "--- store ---\n";
        match SqliteStore::open(self.db()) {
            Ok(store) => {
                for e in store.list_executions(None).unwrap_or_default() {
                    let events: Vec<String> = store
                        .history(&e.arn)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|h| format!("{} {}", h.id, h.event_type))
                        .collect();
                    report += &format!(
                        "{} {:?} output={:?}\n  {}\n",
                        e.name,
                        e.status,
                        e.output,
                        events.join(", ")
                    );
                }
            }
            Err(e) => report += &format!("cannot open: {e}\n"),
        }
        report += &format!("(kept in {})", self.dir.keep().display());
        panic!("{report}");
    }

    /// Starts children on the round's database, killing each after a
    /// random delay, until one finishes its executions; stops killing after
    /// 25 kills so that the round ends.
    fn run(&mut self, seed: &mut u64) -> Result<(), String> {
        loop {
            let mut child = self.spawn_child();
            let delay = Duration::from_millis(5 + next_random(seed) % 120);
            let last = self.kills() >= 25;
            let deadline = Instant::now() + if last { FINISH_WITHIN } else { delay };
            let finished = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                if Instant::now() >= deadline {
                    break None;
                }
                std::thread::sleep(Duration::from_millis(1));
            };
            match finished {
                Some(status) if status.success() => return Ok(()),
                Some(status) => return Err(format!("child {} failed: {status}", self.kills())),
                None => {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    if last {
                        return Err(format!(
                            "the last child did not finish within {FINISH_WITHIN:?}"
                        ));
                    }
                    self.delays.push(delay);
                }
            }
        }
    }

    /// Checks that every execution ended as in the uninterrupted run and
    /// that every member was charged.
    fn check(&self, expected: &BTreeMap<String, Outcome>) -> Result<(), String> {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(self.db()).unwrap());
        let got = outcomes(store);
        if got.len() != EXECUTIONS {
            return Err(format!("{} executions, not {EXECUTIONS}", got.len()));
        }
        for (name, want) in expected {
            let have = &got[name];
            if have.status != want.status || have.output != want.output {
                return Err(format!(
                    "{name} ended {:?} with {:?}, not {:?} with {:?}",
                    have.status, have.output, want.status, want.output
                ));
            }
            if have.events != want.events {
                return Err(format!(
                    "{name}: history differs\n  have {:?}\n  want {:?}",
                    have.events, want.events
                ));
            }
        }
        let log = std::fs::read_to_string(self.db().with_extension("log")).unwrap();
        let charged: HashSet<&str> = log
            .lines()
            .filter_map(|l| l.strip_prefix("charge "))
            .collect();
        let uncharged: Vec<String> = (0..EXECUTIONS)
            .flat_map(members)
            .filter(|m| !charged.contains(m.as_str()))
            .collect();
        if !uncharged.is_empty() {
            return Err(format!("never charged: {uncharged:?}"));
        }
        Ok(())
    }
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
    for number in 0..rounds {
        let mut round = Round::new(number);
        if let Err(e) = round.run(&mut seed).and_then(|()| round.check(&expected)) {
            round.fail(e);
        }
        total_kills += round.kills();
        eprintln!(
            "round {number}: killed {} times before the executions completed",
            round.kills()
        );
    }
    assert!(
        total_kills as u64 >= rounds,
        "the child was killed {total_kills} times"
    );
}
