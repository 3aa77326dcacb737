//! A bounded load run against a running `campaigns serve` on loopback.
//!
//! ```text
//! cargo run --release -p campaigns-tests --example load -- --url http://127.0.0.1:8080
//! ```
//!
//! An admin first creates a coupon and a mock exam with room for every
//! registration of the run. Then each scenario gets a warm-up and a measured
//! phase of a fixed number of requests at a fixed concurrency, each phase
//! ending after its requests or its time limit, whichever comes first:
//!
//! - `baseline`: the CORS preflight `OPTIONS /v1/coupons/validate`, which
//!   the router answers without touching records or parsing a body;
//! - `coupon-validate`: `POST /v1/coupons/validate`, a distinct email each;
//! - `webhook`: signed `checkout.session.completed` deliveries with distinct
//!   `evt_` ids for records that do not exist (acknowledged with 200), one in
//!   ten repeating an id delivered 101 requests earlier (acknowledged as a
//!   duplicate);
//! - `free-registration`: `POST /v1/mock-exams/register`, tier `free`, a
//!   distinct email each (last, since each one starts a journey that keeps
//!   the server busy afterwards).
//!
//! Any answer other than 2xx, and any request that gets no answer, counts as
//! an error. Percentiles are nearest-rank over the recorded latencies of the
//! measured phase (time from sending the request to having read the whole
//! body), errors included.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use campaigns_local::client::{Client, expect, text};
use serde_json::json;

const USAGE: &str = "usage: load --url http://127.0.0.1:PORT [--requests N] [--warmup N] \
     [--concurrency N] [--time-limit SECONDS] [--admin-token TOKEN] [--webhook-secret SECRET]";

struct Options {
    url: String,
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
                "--requests" => options.requests = number()?,
                "--warmup" => options.warmup = number()?,
                "--concurrency" => options.concurrency = number()?.max(1),
                "--time-limit" => options.time_limit = Duration::from_secs(number()? as u64),
                "--admin-token" => options.admin_token = value,
                "--webhook-secret" => options.webhook_secret = value,
                other => bail!("unknown flag {other}\n{USAGE}"),
            }
        }
        if options.url.is_empty() {
            bail!("--url is required\n{USAGE}");
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
async fn set_up(options: &Options, stamp: &str) -> anyhow::Result<(String, String)> {
    let client = Client::new(&format!("{}/v1", options.url), &options.admin_token)?;
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = Options::parse()?;
    let stamp = chrono::Utc::now().timestamp_millis().to_string();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(options.concurrency)
        .build()?;
    let api = format!("{}/v1", options.url);
    let (code, exam_id) = set_up(&options, &stamp).await?;

    let baseline: MakeRequest = {
        let url = format!("{api}/coupons/validate");
        let origin = options.url.clone();
        Arc::new(move |http, _| {
            http.request(reqwest::Method::OPTIONS, &url)
                .header("Origin", &origin)
                .header("Access-Control-Request-Method", "POST")
        })
    };
    let coupon: MakeRequest = {
        let url = format!("{api}/coupons/validate");
        let stamp = stamp.clone();
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

    println!(
        "load run against {}: {} measured requests per scenario after {} warm-up, \
         concurrency {}, at most {} s per phase",
        options.url,
        options.requests,
        options.warmup,
        options.concurrency,
        options.time_limit.as_secs()
    );
    let scenarios: [(&'static str, &MakeRequest); 4] = [
        ("baseline", &baseline),
        ("coupon-validate", &coupon),
        ("webhook", &webhook),
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

    println!();
    println!(
        "{:<18} {:>8} {:>7} {:>6} {:>9} {:>8} {:>8} {:>8} {:>8}",
        "SCENARIO", "REQUESTS", "ERRORS", "DUPS", "REQ/S", "P50 ms", "P90 ms", "P99 ms", "MAX ms"
    );
    for figures in &results {
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
    let errors: usize = results.iter().map(|figures| figures.errors).sum();
    if errors > 0 {
        bail!("{errors} requests failed");
    }
    Ok(())
}
