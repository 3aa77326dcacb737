//! Cold starts of the shipped `bootstrap`, every function, beside a Node.js 20
//! handler doing the seed's imports, on one local Lambda Runtime API, in one
//! run. Prints, per function: time to ready (spawn → first poll for an
//! event), time to first response (spawn → answer to a request the function
//! rejects without I/O), peak RSS; the binary and zip sizes; and the ratios
//! against Node. Exits non-zero when a function misses a target.
//!
//!   bash tests/lambda/cold-start.sh [RUNS]
//!
//! (which builds the zip, unpacks its `bootstrap`, installs Node's packages
//! and runs `cargo run -p campaigns-lambda --example cold_start -- BOOTSTRAP ZIP [RUNS]`).

#[path = "../tests/runtime_api/mod.rs"]
mod runtime_api;

use std::path::Path;
use std::time::{Duration, Instant};

use runtime_api::{Outcome, RuntimeApi, function_env, proxy_event};
use serde_json::json;

/// The targets the functions must meet against the Node baseline.
const MIN_INIT_RATIO: f64 = 20.0;
const MIN_MEMORY_RATIO: f64 = 5.0;
const MAX_ZIP_BYTES: u64 = 4 * 1024 * 1024;

/// One cold start's figures.
#[derive(Clone, Copy)]
struct Start {
    ready: Duration,
    first_response: Duration,
    peak_rss_kib: u64,
}

/// What to start, and the event that checks its answer.
struct Function {
    name: String,
    event: serde_json::Value,
    expect: fn(&Outcome) -> bool,
}

fn rejected_request(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Response(r) if (400..500).contains(&r["statusCode"].as_u64().unwrap_or(0)))
}

fn invalid_step_input(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Error(kind, _) if kind == "Step.InvalidInput")
}

/// Every shipped function: the API groups (a POST of theirs with an empty
/// body, rejected by validation) and the steps (an empty input).
fn functions() -> Vec<Function> {
    let mut api: Vec<Function> = Vec::new();
    for route in campaigns_contracts::routes::routes() {
        if route.method.as_str() == "POST" && !api.iter().any(|f| f.name == route.lambda) {
            api.push(Function {
                name: route.lambda.to_owned(),
                event: proxy_event("POST", route.path, "{}"),
                expect: rejected_request,
            });
        }
    }
    let steps = campaigns_app::steps::all()
        .into_iter()
        .map(|step| Function {
            name: step.function_name(),
            event: json!({}),
            expect: invalid_step_input,
        });
    api.into_iter().chain(steps).collect()
}

/// Peak resident set of a running process (Linux's high-water mark).
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc status")
}

/// Starts a fresh process on a fresh runtime API, sends one event, and
/// measures it up to its first answer.
async fn cold_start(
    name: &str,
    spawn: impl FnOnce(&RuntimeApi) -> runtime_api::Function,
    event: serde_json::Value,
    expect: fn(&Outcome) -> bool,
) -> Start {
    let mut api = RuntimeApi::start().await;
    api.invoke(event);
    let started = Instant::now();
    let function = spawn(&api);
    let (_, outcome) = api.outcome(Duration::from_secs(30)).await;
    let answered = Instant::now();
    assert!(expect(&outcome), "{name} answered {outcome:?}");
    let ready = api.first_poll().expect("it polled before answering") - started;
    let peak_rss_kib = peak_rss_kib(function.child.id());
    Start {
        ready,
        first_response: answered - started,
        peak_rss_kib,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

struct Summary {
    ready_ms: f64,
    first_response_ms: f64,
    peak_rss_mib: f64,
}

fn summarize(starts: &[Start]) -> Summary {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Summary {
        ready_ms: median(starts.iter().map(|s| ms(s.ready)).collect()),
        first_response_ms: median(starts.iter().map(|s| ms(s.first_response)).collect()),
        peak_rss_mib: median(
            starts
                .iter()
                .map(|s| s.peak_rss_kib as f64 / 1024.0)
                .collect(),
        ),
    }
}

fn which(program: &str) -> String {
    let output = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .expect("sh runs");
    let path = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(!path.is_empty(), "{program} is not installed");
    path
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bootstrap, zip, rest @ ..] = args.as_slice() else {
        panic!("usage: cold_start BOOTSTRAP ZIP [RUNS] (tests/lambda/cold-start.sh passes them)")
    };
    let runs: usize = rest
        .first()
        .map(|n| n.parse().expect("RUNS is a number"))
        .unwrap_or(7);
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lambda/node-baseline");
    assert!(
        node_dir.join("node_modules").exists(),
        "run `npm ci --prefix {}` first",
        node_dir.display()
    );
    let node = which("node");
    let node_version = std::process::Command::new(&node)
        .arg("--version")
        .output()
        .expect("node runs");
    let node_version = String::from_utf8_lossy(&node_version.stdout)
        .trim()
        .to_owned();
    assert!(
        node_version.starts_with("v20."),
        "the baseline is Node.js 20, found {node_version}"
    );
    let runtime = node_dir.join("runtime.mjs");
    let runtime = runtime.to_str().expect("a UTF-8 path").to_owned();

    let functions = functions();
    let mut node_starts = Vec::new();
    let mut rust_starts = vec![Vec::new(); functions.len()];
    // Interleaved, so both sides see the same machine; each round starts the
    // functions from a different one, so none always follows the Node process.
    for round in 0..runs {
        let env = function_env("node-baseline");
        node_starts.push(
            cold_start(
                "node",
                |api| api.spawn_with_args(&node, &[&runtime], &env),
                proxy_event("POST", "/coupons/validate", "{}"),
                rejected_request,
            )
            .await,
        );
        for offset in 0..functions.len() {
            let index = (round + offset) % functions.len();
            let function = &functions[index];
            let env = function_env(&function.name);
            rust_starts[index].push(
                cold_start(
                    &function.name,
                    |api| api.spawn(bootstrap, &env),
                    function.event.clone(),
                    function.expect,
                )
                .await,
            );
        }
    }

    let node = summarize(&node_starts);
    let binary_bytes = std::fs::metadata(bootstrap).expect("bootstrap").len();
    let zip_bytes = std::fs::metadata(zip).expect("zip").len();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!(
        "cold starts, median of {runs} runs each; bootstrap {:.1} MiB, zip {:.2} MiB (limit {:.0} MiB)\n",
        mib(binary_bytes),
        mib(zip_bytes),
        mib(MAX_ZIP_BYTES)
    );
    println!(
        "{:<34} {:>9} {:>11} {:>9} {:>8} {:>8}",
        "function", "ready ms", "1st resp ms", "peak MiB", "× init", "× memory"
    );
    println!(
        "{:<34} {:>9.1} {:>11.1} {:>9.1} {:>8} {:>8}",
        format!("node 20 ({node_version})"),
        node.ready_ms,
        node.first_response_ms,
        node.peak_rss_mib,
        "1.0",
        "1.0"
    );
    let mut misses = Vec::new();
    for (function, starts) in functions.iter().zip(&rust_starts) {
        let rust = summarize(starts);
        let init_ratio = node.first_response_ms / rust.first_response_ms;
        let memory_ratio = node.peak_rss_mib / rust.peak_rss_mib;
        println!(
            "{:<34} {:>9.1} {:>11.1} {:>9.1} {:>8.1} {:>8.1}",
            function.name,
            rust.ready_ms,
            rust.first_response_ms,
            rust.peak_rss_mib,
            init_ratio,
            memory_ratio
        );
        if init_ratio < MIN_INIT_RATIO {
            misses.push(format!("{}: {init_ratio:.1}× faster", function.name));
        }
        if memory_ratio < MIN_MEMORY_RATIO {
            misses.push(format!("{}: {memory_ratio:.1}× less memory", function.name));
        }
    }
    if zip_bytes >= MAX_ZIP_BYTES {
        misses.push(format!("zip is {zip_bytes} bytes"));
    }
    println!(
        "\ntargets: ≥{MIN_INIT_RATIO}× faster to first response, ≥{MIN_MEMORY_RATIO}× less peak memory, zip < {} bytes",
        MAX_ZIP_BYTES
    );
    if !misses.is_empty() {
        eprintln!("missed: {}", misses.join("; "));
        std::process::exit(1);
    }
    println!("all {} functions meet the targets", functions.len());
}
