//! Cold starts of every function, each from its shipped package, beside a
//! Node.js 20 handler doing the seed's imports, on one local Lambda Runtime
//! API, in one run. Prints, per function: its package, time to ready (spawn →
//! first poll for an event), time to first response (spawn → answer to a
//! request the function rejects without I/O), peak RSS and the ratios
//! against Node; per package, the binary and zip sizes. Exits non-zero when a
//! function misses a target.
//!
//!   bash tests/lambda/cold-start.sh [RUNS]
//!
//! (which builds the zips, unpacks each package's `bootstrap`, installs
//! Node's packages and runs `cargo run -p campaigns-lambda --example
//! cold_start -- LAMBDA_DIR UNPACKED_DIR [RUNS]`, reading
//! `LAMBDA_DIR/<package>/bootstrap.zip` and `UNPACKED_DIR/<package>/bootstrap`).

#[path = "../tests/runtime_api/mod.rs"]
#[allow(dead_code)] // the harness serves the tests too; a cold start reads no logs
mod runtime_api;

use std::path::Path;
use std::time::{Duration, Instant};

use campaigns_lambda::{PACKAGES, Serves};
use runtime_api::{RuntimeApi, function_env, invalid_event, proxy_event, rejected};

/// The targets every function must meet against the Node baseline, and the
/// zip size every package must stay under (`tests/lambda/check-artifact.sh`
/// enforces it on every build too).
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

/// What to start, from which package.
struct Function {
    name: String,
    package: &'static str,
    serves: Serves,
    event: serde_json::Value,
}

/// Every shipped function, with an event it rejects without I/O.
fn functions() -> Vec<Function> {
    campaigns_lambda::Function::all()
        .into_iter()
        .map(|function| Function {
            package: function.package().name,
            serves: function.serves,
            event: invalid_event(&function),
            name: function.name,
        })
        .collect()
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
    serves: Serves,
) -> Start {
    let mut api = RuntimeApi::start().await;
    api.invoke(event);
    let started = Instant::now();
    let function = spawn(&api);
    let (_, outcome) = api.outcome(Duration::from_secs(30)).await;
    let answered = Instant::now();
    assert!(rejected(serves, &outcome), "{name} answered {outcome:?}");
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
    let [zips, unpacked, rest @ ..] = args.as_slice() else {
        panic!(
            "usage: cold_start LAMBDA_DIR UNPACKED_DIR [RUNS] (tests/lambda/cold-start.sh passes them)"
        )
    };
    let bootstrap = |package: &str| format!("{unpacked}/{package}/bootstrap");
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
                // The baseline answers as an API function would.
                Serves::Api,
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
                    |api| api.spawn(&bootstrap(function.package), &env),
                    function.event.clone(),
                    function.serves,
                )
                .await,
            );
        }
    }

    let node = summarize(&node_starts);
    let mut misses = Vec::new();
    let mib = |bytes: u64| bytes as f64 / (1024.0 * 1024.0);
    println!("packages (every zip must stay under {MAX_ZIP_BYTES} bytes):\n");
    println!(
        "{:<20} {:>14} {:>11} {:>9}  against 4 MiB",
        "package", "bootstrap MiB", "zip bytes", "zip MiB"
    );
    for package in &PACKAGES {
        let binary_bytes = std::fs::metadata(bootstrap(package.name))
            .expect("bootstrap")
            .len();
        let zip_bytes = std::fs::metadata(format!("{zips}/{}/bootstrap.zip", package.name))
            .expect("zip")
            .len();
        let over = zip_bytes >= MAX_ZIP_BYTES;
        println!(
            "{:<20} {:>14.1} {:>11} {:>9.2}  {}",
            package.name,
            mib(binary_bytes),
            zip_bytes,
            mib(zip_bytes),
            if over {
                format!("over by {}", zip_bytes - MAX_ZIP_BYTES)
            } else {
                "under".to_owned()
            }
        );
        if over {
            misses.push(format!(
                "package {}: zip is {zip_bytes} bytes",
                package.name
            ));
        }
    }
    println!("\ncold starts, median of {runs} runs each:\n");
    println!(
        "{:<34} {:<19} {:>9} {:>11} {:>9} {:>8} {:>8}",
        "function", "package", "ready ms", "1st resp ms", "peak MiB", "× init", "× memory"
    );
    println!(
        "{:<34} {:<19} {:>9.1} {:>11.1} {:>9.1} {:>8} {:>8}",
        format!("node 20 ({node_version})"),
        "",
        node.ready_ms,
        node.first_response_ms,
        node.peak_rss_mib,
        "1.0",
        "1.0"
    );
    for (function, starts) in functions.iter().zip(&rust_starts) {
        let rust = summarize(starts);
        let init_ratio = node.first_response_ms / rust.first_response_ms;
        let memory_ratio = node.peak_rss_mib / rust.peak_rss_mib;
        println!(
            "{:<34} {:<19} {:>9.1} {:>11.1} {:>9.1} {:>8.1} {:>8.1}",
            function.name,
            function.package,
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
    println!(
        "\ntargets: ≥{MIN_INIT_RATIO}× faster to first response, ≥{MIN_MEMORY_RATIO}× less peak memory, every package's zip < {} bytes",
        MAX_ZIP_BYTES
    );
    if !misses.is_empty() {
        eprintln!("missed: {}", misses.join("; "));
        std::process::exit(1);
    }
    println!("all {} functions meet the targets", functions.len());
}
