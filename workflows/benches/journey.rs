//! Engine throughput: executions/s, state transitions/s and peak memory for
//!
//! - `reference`: Pass → Choice → Map (3 items) → Succeed, the machine the
//!   issue's figures compare with aws-local-stepfunctions on;
//! - `journey`: a campaign-journey shape: Pass → Choice → Map over 3 members
//!   (lambda:invoke step, then a task-token wait resumed by a callback) →
//!   Wait → Succeed;
//!
//! each in memory and durable (SQLite), and, in the same run, `reference`
//! on aws-local-stepfunctions (the pinned npm project in `benches/peer`, run
//! by Node as a child process) with the measured ratios. Run with
//! `npm ci --prefix workflows/benches/peer` once, then
//! `cargo bench -p workflows --bench journey` (optionally `-- N` executions;
//! the durable scenarios run N/5).
#![allow(clippy::unwrap_used, reason = "a bench aborts on a failed setup")]

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use workflows::{Engine, EngineBuilder, MemoryStore, SqliteStore, VirtualClock};

fn reference() -> Value {
    json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Result": {"members": [1, 2, 3]}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.members", "IsPresent": true, "Next": "Each"}], "Default": "Done"},
        "Each": {"Type": "Map", "ItemsPath": "$.members", "ItemProcessor": {"StartAt": "Item", "States": {
            "Item": {"Type": "Pass", "End": true}}}, "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
}

fn input() -> Value {
    json!({"team": "t", "members": ["a", "b", "c"]})
}

fn journey() -> Value {
    json!({"StartAt": "Start", "States": {
        "Start": {"Type": "Pass", "Assign": {"team.$": "$.team"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.members[0]", "IsPresent": true, "Next": "Members"}], "Default": "Done"},
        "Members": {"Type": "Map", "ItemsPath": "$.members", "ResultPath": "$.shares", "ItemProcessor": {"StartAt": "Invite", "States": {
            "Invite": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "invite", "Payload": {"member.$": "$", "team.$": "$team"}},
                "ResultSelector": {"cents.$": "$.Payload.cents"}, "Next": "Authorize"},
            "Authorize": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "authorize", "Payload": {"token.$": "$$.Task.Token", "cents.$": "$.cents"}},
                "TimeoutSeconds": 518400, "End": true}}}, "Next": "Settle"},
        "Settle": {"Type": "Wait", "Seconds": 60, "Next": "Done"},
        "Done": {"Type": "Succeed"}}})
}

fn handlers(b: EngineBuilder, engine: Arc<OnceLock<Engine>>) -> EngineBuilder {
    b.handler("invite", |_v: Value| async { Ok(json!({"cents": 9967})) })
        .handler("authorize", move |v: Value| {
            // The callback (the payment webhook) arrives right away.
            let token = v["token"].as_str().unwrap_or_default().to_string();
            let engine = engine.get().cloned();
            async move {
                if let Some(engine) = engine {
                    tokio::spawn(async move {
                        engine
                            .send_task_success(&token, r#"{"authorized":true}"#)
                            .await
                    });
                }
                Ok(json!({}))
            }
        })
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// How many starts the bench keeps in flight at once (a store group's
/// size: the engine's store thread commits up to 512 calls together).
const CONCURRENT_STARTS: usize = 512;

struct Figures {
    executions_per_s: f64,
    transitions_per_s: f64,
    peak_mib: f64,
}

async fn measure(
    label: &str,
    store: Arc<dyn workflows::Store>,
    definition: &Value,
    n: usize,
) -> Figures {
    let clock = Arc::new(VirtualClock::new(chrono::Utc::now()));
    let cell = Arc::new(OnceLock::new());
    let engine = handlers(
        Engine::builder().store(store).clock(clock.clone()),
        cell.clone(),
    )
    .start()
    .await
    .unwrap();
    let _ = cell.set(engine.clone());
    let sm = engine
        .create_state_machine(
            &label.replace('/', "-"),
            &definition.to_string(),
            &BTreeMap::new(),
        )
        .unwrap();
    // Moves the virtual clock on so that Wait states end without real waiting.
    let ticker = {
        let clock = clock.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                clock.advance(Duration::from_secs(60));
            }
        })
    };
    let input = input().to_string();
    let started = Instant::now();
    // Started concurrently, as a server's requests arrive (and as the peer
    // starts its own): each start on a task of its own, up to
    // `CONCURRENT_STARTS` in flight, so that a durable store's group commit
    // takes many starts per transaction instead of one start per commit.
    let arns: Vec<String> = futures_util::stream::iter(0..n)
        .map(|_| {
            let (engine, sm, input) = (engine.clone(), sm.clone(), input.clone());
            tokio::spawn(async move {
                engine
                    .start_execution(&sm, None, Some(&input))
                    .await
                    .unwrap()
                    .execution_arn
            })
        })
        .buffered(CONCURRENT_STARTS)
        .map(Result::unwrap)
        .collect()
        .await;
    for arn in &arns {
        let d = engine.wait_for_completion(arn).await.unwrap();
        assert_eq!(
            d.status,
            workflows::ExecutionStatus::Succeeded,
            "{label}: {d:?}"
        );
    }
    let secs = started.elapsed().as_secs_f64();
    ticker.abort();
    let transitions = engine
        .get_execution_history(&arns[0])
        .unwrap()
        .iter()
        .filter(|e| e.event_type.ends_with("StateEntered"))
        .count();
    let f = Figures {
        executions_per_s: n as f64 / secs,
        transitions_per_s: (n * transitions) as f64 / secs,
        peak_mib: peak_rss_kib() as f64 / 1024.0,
    };
    println!(
        "{label:<22} {n:>6} executions in {secs:>6.2}s: {:>9.0} executions/s, {:>10.0} transitions/s ({transitions} per execution), peak RSS {:>6.1} MiB",
        f.executions_per_s, f.transitions_per_s, f.peak_mib
    );
    f
}

/// The pinned aws-local-stepfunctions project.
fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peer")
}

/// Runs `reference` `n` times on aws-local-stepfunctions under Node and
/// reads back its executions/s and peak RSS; panics, saying how to install
/// them, when Node or the npm project is missing.
fn run_peer(n: usize) -> (f64, f64) {
    let dir = peer_dir();
    let install = format!(
        "install Node.js (apt-get install nodejs) and then `npm ci --prefix {}`",
        dir.display()
    );
    assert!(
        dir.join("node_modules/aws-local-stepfunctions/package.json")
            .is_file(),
        "aws-local-stepfunctions is not installed: {install}"
    );
    let tmp = std::env::temp_dir().join(format!("workflows-bench-peer-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let (def, inp) = (tmp.join("definition.json"), tmp.join("input.json"));
    std::fs::write(&def, reference().to_string()).unwrap();
    std::fs::write(&inp, input().to_string()).unwrap();
    let out = Command::new("node")
        .arg(dir.join("run.mjs"))
        .arg(&def)
        .arg(&inp)
        .arg(n.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): {install}"));
    let _ = std::fs::remove_dir_all(&tmp);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let figures = stdout
        .lines()
        .find_map(|l| l.strip_prefix("FIGURES "))
        .filter(|_| out.status.success())
        .unwrap_or_else(|| {
            panic!(
                "aws-local-stepfunctions failed ({}): {stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let v: Vec<f64> = figures.split(' ').map(|x| x.parse().unwrap()).collect();
    println!(
        "{:<22} {n:>6} executions:           {:>9.0} executions/s, peak RSS {:>6.1} MiB",
        "reference/peer", v[0], v[1]
    );
    (v[0], v[1])
}

const SCENARIOS: [&str; 4] = [
    "reference/memory",
    "journey/memory",
    "reference/sqlite",
    "journey/sqlite",
];

/// Runs one scenario in this process and prints its figures.
fn run_scenario(label: &str, n: usize) -> Figures {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = std::env::temp_dir().join(format!("workflows-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (machine, store) = label.split_once('/').unwrap();
        let def = if machine == "reference" {
            reference()
        } else {
            journey()
        };
        let store: Arc<dyn workflows::Store> = if store == "memory" {
            Arc::new(MemoryStore::new())
        } else {
            Arc::new(SqliteStore::open(dir.join("bench.db")).unwrap())
        };
        let f = measure(label, store, &def, n).await;
        let _ = std::fs::remove_dir_all(&dir);
        f
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes --bench; run without it (`cargo test --benches`)
    // it only checks, on a few executions, that every scenario runs.
    let default_n = if args.iter().any(|a| a == "--bench") {
        5000
    } else {
        20
    };
    let n: usize = args
        .iter()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_n);
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        let f = run_scenario(&args[i + 1], n);
        println!(
            "FIGURES {} {} {}",
            f.executions_per_s, f.transitions_per_s, f.peak_mib
        );
        return;
    }
    // Each scenario in its own process, so that peak memory is its own.
    let mut figures = Vec::new();
    for label in SCENARIOS {
        let count = if label.ends_with("sqlite") {
            (n / 5).max(1)
        } else {
            n
        };
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--scenario", label, &count.to_string()])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut f = None;
        for line in text.lines() {
            match line.strip_prefix("FIGURES ") {
                Some(rest) => {
                    let v: Vec<f64> = rest.split(' ').map(|x| x.parse().unwrap()).collect();
                    f = Some(Figures {
                        executions_per_s: v[0],
                        transitions_per_s: v[1],
                        peak_mib: v[2],
                    });
                }
                None => println!("{line}"),
            }
        }
        figures.push(
            f.unwrap_or_else(|| panic!("{label} failed: {}", String::from_utf8_lossy(&out.stderr))),
        );
    }
    let (peer_per_s, peer_mib) = run_peer(n);
    let [base, j_mem, base_db, j_db] = [&figures[0], &figures[1], &figures[2], &figures[3]];
    println!();
    println!(
        "reference/memory vs aws-local-stepfunctions (same run): {:.1}x executions/s, {:.1}x less peak RSS",
        base.executions_per_s / peer_per_s,
        peer_mib / base.peak_mib
    );
    println!(
        "journey/memory   vs reference/memory (same run):       {:.2}x",
        j_mem.executions_per_s / base.executions_per_s
    );
    println!(
        "reference/sqlite vs reference/memory (same run):       {:.2}x",
        base_db.executions_per_s / base.executions_per_s
    );
    println!(
        "journey/sqlite   vs journey/memory (same run):         {:.2}x",
        j_db.executions_per_s / j_mem.executions_per_s
    );
    println!(
        "transitions/s: reference/memory {:.0}, journey/memory {:.0}",
        base.transitions_per_s, j_mem.transitions_per_s
    );
}
