//! A bounded load run against `campaigns serve` on loopback: a running one,
//! or builds of it that the run starts and compares.
//!
//! ```text
//! cargo run --release -p campaigns-tests --example load -- --url http://127.0.0.1:8080
//! cargo run --release -p campaigns-tests --example load -- \
//!     --server before=/path/to/campaigns --server after=target/release/campaigns
//! ```
//!
//! With `--server LABEL=BINARY` (given twice or more), the run starts each
//! binary in turn as `serve` on a free loopback port with a fresh data
//! directory, measures it and stops it, so only one server runs at a time;
//! `--rounds N` repeats that, alternating the order, and pools each server's
//! figures. It then compares every server with the first.
//!
//! Against each server, an admin first creates a coupon and a mock exam with
//! room for every registration of the run. Then each scenario gets a warm-up
//! and a measured phase of a fixed number of requests at a fixed concurrency,
//! each phase ending after its requests or its time limit, whichever comes
//! first:
//!
//! - `baseline`: the CORS preflight `OPTIONS /v1/coupons/validate`, which
//!   the router answers without touching records or parsing a body;
//! - `coupon-validate`: `POST /v1/coupons/validate`, a distinct email each;
//! - `webhook`: signed `checkout.session.completed` deliveries with distinct
//!   `evt_` ids for records that do not exist (acknowledged with 200), one in
//!   ten repeating an id delivered 101 requests earlier (acknowledged as a
//!   duplicate);
//! - `purchase-create`: `POST /v1/purchases/create` with the coupon, a
//!   distinct email each: a coupon use reserved, a Checkout Session opened at
//!   the Stripe simulator and a journey started, which then waits for the
//!   payment;
//! - `free-registration`: `POST /v1/mock-exams/register`, tier `free`, a
//!   distinct email each (last, since each one starts a journey that keeps
//!   the server busy afterwards).
//!
//! Any answer other than 2xx, and any request that gets no answer, counts as
//! an error. Percentiles are nearest-rank over the recorded latencies of the
//! measured phase (time from sending the request to having read the whole
//! body), errors included.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use campaigns_local::client::{Client, expect, text};
use serde_json::json;

const USAGE: &str = "usage: load (--url http://127.0.0.1:PORT | --server LABEL=BINARY ...) \
     [--rounds N] [--requests N] [--warmup N] [--concurrency N] [--time-limit SECONDS] \
     [--admin-token TOKEN] [--webhook-secret SECRET]";

struct Options {
    url: String,
    /// Builds of `campaigns` to start and compare, by label.
    servers: Vec<(String, PathBuf)>,
    rounds: usize,
    requests: usize,
    warmup: usize,
    concurrency: usize,
    time_limit: Duration,
    admin_token: String,
    webhook_secret: String,
}

impl Options {
    fn parse() -> anyhow::Result<Self> {
        let mut options = Options {
            url: String::new(),
            servers: Vec::new(),
            rounds: 1,
            requests: 2_000,
            warmup: 200,
            concurrency: 16,
            time_limit: Duration::from_secs(60),
            admin_token: std::env::var("ADMIN_TOKEN")
                .unwrap_or_else(|_| "local-admin-token".to_owned()),
            webhook_secret: std::env::var("STRIPE_WEBHOOK_SECRET")
                .unwrap_or_else(|_| "whsec_local_simulator".to_owned()),
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                println!("{USAGE}");
                std::process::exit(0);
            }
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
            let number = || {
                value
                    .parse::<usize>()
                    .with_context(|| format!("{flag}: not a number: {value}"))
            };
            match flag.as_str() {
                "--url" => options.url = value.trim_end_matches('/').to_owned(),
                "--server" => {
                    let (label, binary) = value
                        .split_once('=')
                        .with_context(|| format!("--server LABEL=BINARY, not {value}"))?;
                    options
                        .servers
                        .push((label.to_owned(), PathBuf::from(binary)));
                }
                "--rounds" => options.rounds = number()?.max(1),
                "--requests" => options.requests = number()?,
                "--warmup" => options.warmup = number()?,
                "--concurrency" => options.concurrency = number()?.max(1),
                "--time-limit" => options.time_limit = Duration::from_secs(number()? as u64),
                "--admin-token" => options.admin_token = value,
                "--webhook-secret" => options.webhook_secret = value,
                other => bail!("unknown flag {other}\n{USAGE}"),
            }
        }
        match (options.url.is_empty(), options.servers.is_empty()) {
            (true, true) => bail!("--url or --server is required\n{USAGE}"),
            (false, false) => bail!("--url and --server exclude each other\n{USAGE}"),
            (true, false) => return Ok(options),
            (false, true) => {}
        }
        let url = reqwest::Url::parse(&options.url).context("--url")?;
        let host = url.host_str().unwrap_or_default();
        let loopback = host == "localhost"
            || host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback());
        if !loopback {
            bail!("the load run only targets loopback, not {}", options.url);
        }
        Ok(options)
    }
}

/// What a phase sends: the request for its `index`-th call.
type MakeRequest = Arc<dyn Fn(&reqwest::Client, usize) -> reqwest::RequestBuilder + Send + Sync>;

/// One measured phase.
struct Figures {
    name: &'static str,
    requests: usize,
    errors: usize,
    duplicates: usize,
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    first_error: Option<String>,
}

impl Figures {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// Nearest rank: the smallest latency with at least `p` percent of the
    /// latencies at or below it.
    fn percentile(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        ms(self.latencies[index])
    }

    fn max(&self) -> f64 {
        self.latencies.last().copied().map(ms).unwrap_or(0.0)
    }

    /// Adds another phase of the same scenario: requests, errors and time
    /// add up, latencies pool.
    fn pool(&mut self, other: Figures) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.duplicates += other.duplicates;
        self.elapsed += other.elapsed;
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

/// Sends up to `count` requests, `concurrency` at a time, for at most
/// `time_limit`.
async fn phase(
    name: &'static str,
    http: &reqwest::Client,
    make: &MakeRequest,
    first_index: usize,
    count: usize,
    concurrency: usize,
    time_limit: Duration,
) -> Figures {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + time_limit;
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let next = Arc::clone(&next);
        let make = Arc::clone(make);
        let http = http.clone();
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut duplicates = 0;
            let mut first_error = None;
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let request = make(&http, first_index + i);
                let sent = Instant::now();
                let outcome = match request.send().await {
                    Ok(response) => {
                        let status = response.status();
                        response.bytes().await.map(|body| (status, body))
                    }
                    Err(err) => Err(err),
                };
                latencies.push(sent.elapsed());
                match outcome {
                    Ok((status, body)) if status.is_success() => {
                        if body.windows(16).any(|w| w == b"\"duplicate\":true") {
                            duplicates += 1;
                        }
                    }
                    Ok((status, body)) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| {
                            format!("{status}: {}", String::from_utf8_lossy(&body))
                        });
                    }
                    Err(err) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| err.to_string());
                    }
                }
            }
            (latencies, errors, duplicates, first_error)
        }));
    }
    let mut figures = Figures {
        name,
        requests: 0,
        errors: 0,
        duplicates: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::with_capacity(count),
        first_error: None,
    };
    for worker in workers {
        let (latencies, errors, duplicates, first_error) =
            worker.await.expect("a load worker panicked");
        figures.requests += latencies.len();
        figures.latencies.extend(latencies);
        figures.errors += errors;
        figures.duplicates += duplicates;
        if figures.first_error.is_none() {
            figures.first_error = first_error;
        }
    }
    figures.elapsed = started.elapsed();
    figures.latencies.sort_unstable();
    figures
}

/// The admin's coupon and mock exam the scenarios use, made with the
/// product's client as `campaigns demo` makes them.
async fn set_up(options: &Options, url: &str, stamp: &str) -> anyhow::Result<(String, String)> {
    let client = Client::new(&format!("{url}/v1"), &options.admin_token)?;
    let code = format!("LOAD{stamp}");
    client.create_coupon(&code, 1_000_000).await?;

    let capacity = u32::try_from(options.warmup + options.requests + 1).unwrap_or(u32::MAX);
    let exam = client
        .create_exam(
            &format!("Load run mock exam {stamp}"),
            chrono::Utc::now() + chrono::TimeDelta::days(3),
            capacity,
        )
        .await?;
    let exam_id = text(&exam, "/mockExamId")?;

    // One check that the coupon applies, so the scenario measures real work.
    let validated = client
        .post(
            "/coupons/validate",
            &json!({
                "couponCode": code,
                "email": format!("setup.{stamp}@example.com"),
                "productId": "full-6months"
            }),
            &[],
            200,
        )
        .await?;
    expect(&validated, "/valid", &json!(true), "the load coupon")?;
    Ok((code, exam_id))
}

/// The `index`-th webhook event's id: one in ten repeats the id of the
/// delivery 101 before it (itself never a repeat).
fn event_number(index: usize) -> usize {
    if index % 10 == 9 && index >= 101 {
        index - 101
    } else {
        index
    }
}

/// `serve` from one build, on a free loopback port and a fresh data
/// directory; killed when dropped.
struct Server {
    child: Child,
    url: String,
    _data: tempfile::TempDir,
}

impl Server {
    async fn start(binary: &PathBuf, options: &Options) -> anyhow::Result<Server> {
        let data = tempfile::tempdir()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new(binary)
            .arg("serve")
            .args(["--port", &port.to_string()])
            .arg("--data-dir")
            .arg(data.path())
            .args(["--admin-token", &options.admin_token])
            .env("STRIPE_WEBHOOK_SECRET", &options.webhook_secret)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
            _data: data,
        };
        let http = reqwest::Client::new();
        let ready = Instant::now() + Duration::from_secs(60);
        loop {
            let answer = http
                .get(format!("{}/v1/openapi.json", server.url))
                .send()
                .await;
            if answer.is_ok_and(|answer| answer.status().is_success()) {
                return Ok(server);
            }
            if Instant::now() > ready {
                bail!("{} did not answer within 60 s", binary.display());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every scenario against the server at `url`: a warm-up and a measured
/// phase each; the measured phases' figures, in order.
async fn measure(options: &Options, url: &str) -> anyhow::Result<Vec<Figures>> {
    let stamp = chrono::Utc::now().timestamp_millis().to_string();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(options.concurrency)
        .build()?;
    let api = format!("{url}/v1");
    let (code, exam_id) = set_up(options, url, &stamp).await?;
    let baseline: MakeRequest = {
        let url = format!("{api}/coupons/validate");
        let origin = url.to_owned();
        Arc::new(move |http, _| {
            http.request(reqwest::Method::OPTIONS, &url)
                .header("Origin", &origin)
                .header("Access-Control-Request-Method", "POST")
        })
    };
    let coupon: MakeRequest = {
        let url = format!("{api}/coupons/validate");
        let stamp = stamp.clone();
        let code = code.clone();
        Arc::new(move |http, i| {
            http.post(&url).json(&json!({
                "couponCode": code,
                "email": format!("buyer{i}.{stamp}@example.com"),
                "productId": "full-6months"
            }))
        })
    };
    let webhook: MakeRequest = {
        let url = format!("{api}/webhook/stripe");
        let secret = options.webhook_secret.clone();
        let stamp = stamp.clone();
        Arc::new(move |http, i| {
            let n = event_number(i);
            let payload = json!({
                "id": format!("evt_load_{stamp}_{n}"),
                "object": "event",
                "type": "checkout.session.completed",
                "created": chrono::Utc::now().timestamp(),
                "livemode": false,
                "data": {"object": {
                    "id": format!("cs_load_{stamp}_{n}"),
                    "object": "checkout.session",
                    "status": "complete",
                    "payment_status": "paid",
                    "payment_intent": format!("pi_load_{stamp}_{n}"),
                    "amount_total": 15_920,
                    "currency": "usd",
                    "metadata": {
                        "campaignId": "discount-purchase",
                        "recordId": format!("pur_load_missing_{stamp}_{n}")
                    }
                }}
            })
            .to_string();
            let signature = campaigns_payments::sign(
                &secret,
                chrono::Utc::now().timestamp(),
                payload.as_bytes(),
            );
            http.post(&url)
                .header(campaigns_payments::SIGNATURE_HEADER, signature)
                .header("Content-Type", "application/json")
                .body(payload)
        })
    };
    let purchase: MakeRequest = {
        let url = format!("{api}/purchases/create");
        let stamp = stamp.clone();
        Arc::new(move |http, i| {
            http.post(&url).json(&json!({
                "email": format!("payer{i}.{stamp}@example.com"),
                "firstName": "Load",
                "lastName": "Payer",
                "productId": "full-6months",
                "couponCode": code
            }))
        })
    };
    let registration: MakeRequest = {
        let url = format!("{api}/mock-exams/register");
        let stamp = stamp.clone();
        Arc::new(move |http, i| {
            http.post(&url).json(&json!({
                "mockExamId": exam_id,
                "email": format!("candidate{i}.{stamp}@example.com"),
                "firstName": "Load",
                "lastName": "Candidate",
                "tier": "free"
            }))
        })
    };

    let scenarios: [(&'static str, &MakeRequest); 5] = [
        ("baseline", &baseline),
        ("coupon-validate", &coupon),
        ("webhook", &webhook),
        ("purchase-create", &purchase),
        ("free-registration", &registration),
    ];
    let mut results = Vec::new();
    for (name, make) in scenarios {
        let warm = phase(
            name,
            &http,
            make,
            0,
            options.warmup,
            options.concurrency,
            options.time_limit,
        )
        .await;
        if warm.errors > 0 {
            eprintln!(
                "{name}: {} of {} warm-up requests failed, first: {}",
                warm.errors,
                warm.requests,
                warm.first_error.as_deref().unwrap_or("")
            );
        }
        let measured = phase(
            name,
            &http,
            make,
            options.warmup,
            options.requests,
            options.concurrency,
            options.time_limit,
        )
        .await;
        if let Some(first) = &measured.first_error {
            eprintln!("{name}: first error: {first}");
        }
        results.push(measured);
    }

    Ok(results)
}

/// One server's figures, and each scenario's against the baseline scenario.
fn print_figures(results: &[Figures]) {
    println!(
        "{:<18} {:>8} {:>7} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "SCENARIO", "REQUESTS", "ERRORS", "DUPS", "REQ/S", "P50 ms", "P90 ms", "P99 ms", "MAX ms"
    );
    for figures in results {
        println!(
            "{:<18} {:>8} {:>7} {:>6} {:>9.1} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
            figures.name,
            figures.requests,
            figures.errors,
            figures.duplicates,
            figures.throughput(),
            figures.percentile(50.0),
            figures.percentile(90.0),
            figures.percentile(99.0),
            figures.max()
        );
    }
    let base = &results[0];
    println!();
    println!("against the baseline (latency: x times the baseline's; throughput: share of it)");
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>9}",
        "SCENARIO", "P50 x", "P90 x", "P99 x", "REQ/S x"
    );
    for figures in &results[1..] {
        let ratio = |p: f64| figures.percentile(p) / base.percentile(p);
        println!(
            "{:<18} {:>8.2} {:>8.2} {:>8.2} {:>9.2}",
            figures.name,
            ratio(50.0),
            ratio(90.0),
            ratio(99.0),
            figures.throughput() / base.throughput()
        );
    }
}

/// `server`'s figures against `first`'s, scenario by scenario.
fn print_comparison(first: &(String, Vec<Figures>), server: &(String, Vec<Figures>)) {
    println!(
        "{} against {} (latency: x times {}'s; throughput: x times {}'s)",
        server.0, first.0, first.0, first.0
    );
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>9}",
        "SCENARIO", "P50 x", "P90 x", "P99 x", "REQ/S x"
    );
    for (figures, base) in server.1.iter().zip(&first.1) {
        let ratio = |p: f64| figures.percentile(p) / base.percentile(p);
        println!(
            "{:<18} {:>8.2} {:>8.2} {:>8.2} {:>9.2}",
            figures.name,
            ratio(50.0),
            ratio(90.0),
            ratio(99.0),
            figures.throughput() / base.throughput()
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    let plan = format!(
        "{} measured requests per scenario after {} warm-up, concurrency {}, at most {} s per phase",
        options.requests,
        options.warmup,
        options.concurrency,
        options.time_limit.as_secs()
    );
    let mut measured: Vec<(String, Vec<Figures>)> = Vec::new();
    if options.servers.is_empty() {
        println!("load run against {}: {plan}", options.url);
        measured.push((options.url.clone(), measure(&options, &options.url).await?));
    } else {
        println!(
            "load run: {plan}; {} round(s), each server started on a fresh data directory",
            options.rounds
        );
        for round in 0..options.rounds {
            let mut order: Vec<usize> = (0..options.servers.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for index in order {
                let (label, binary) = &options.servers[index];
                println!("round {}: {label} ({})", round + 1, binary.display());
                let server = Server::start(binary, &options).await?;
                let figures = measure(&options, &server.url).await?;
                drop(server);
                match measured.iter_mut().find(|(known, _)| known == label) {
                    Some((_, pooled)) => {
                        for (pooled, more) in pooled.iter_mut().zip(figures) {
                            pooled.pool(more);
                        }
                    }
                    None => measured.push((label.clone(), figures)),
                }
            }
        }
        // Listed in the order given, the first being what the others are compared with.
        measured
            .sort_by_key(|(label, _)| options.servers.iter().position(|(known, _)| known == label));
    }
    for (label, results) in &measured {
        println!();
        println!("{label}");
        print_figures(results);
    }
    for server in &measured[1..] {
        println!();
        print_comparison(&measured[0], server);
    }
    let errors: usize = measured
        .iter()
        .flat_map(|(_, results)| results)
        .map(|figures| figures.errors)
        .sum();
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}
