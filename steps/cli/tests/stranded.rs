//! `kill -9` of `campaigns serve` at random instants while coupon purchases
//! and premium mock-exam registrations stream in, then a restart on the same
//! data directory: no reservation is stranded. Every purchase or
//! registration still waiting for its payment is carried by its journey,
//! every one that ended gave its coupon use or seat back, the counters agree
//! with the holds, nothing stays owed, every Idempotency-Key answers once
//! its claim's lease is over, and every checkout still open, once paid,
//! completes its journey once.
//!
//! `STRANDED_ROUNDS` sets how many kills (default 3).

mod process;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use campaigns_app::idempotency::CLAIM_LEASE_SECS;
use campaigns_app::tokens::{AccessTokens, record_scope};
use campaigns_contracts::records::{
    CouponRecord, CouponUsage, CouponUsageStatus, DiscountPurchase, MockExam, MockRegistration,
    PurchaseStatus, RegistrationStatus,
};
use campaigns_local::client::{Client, text};
use campaigns_records::sqlite::SqliteStore;
use campaigns_records::{Item, SystemClock, Table};
use process::{Process, free_port};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "stranded-admin-token";
const COUPON: &str = "STREAM20";
/// Buyers and candidates sending at once.
const SENDERS: usize = 6;

fn serve(data: &Path, port: u16, life: u32) -> Process {
    let data_dir = data.to_str().expect("a UTF-8 path");
    Process::start(
        &["serve", "--port", &port.to_string(), "--data-dir", data_dir],
        &[("ADMIN_TOKEN", ADMIN_TOKEN)],
        data.with_extension(format!("serve-{life}.log")),
    )
}

/// A create sent: its route, body and key, to be sent again.
#[derive(Debug, Clone)]
struct Sent {
    path: &'static str,
    body: Value,
    key: String,
}

/// Sends creates until aborted, noting each before it goes.
async fn stream(client: Client, exam_id: String, sender: usize, sent: Arc<Mutex<Vec<Sent>>>) {
    for n in 0.. {
        let email = format!("sender{sender}.{n}.{}@example.com", std::process::id());
        let create = if n % 2 == 0 {
            Sent {
                path: "/purchases/create",
                body: json!({
                    "email": email,
                    "firstName": "Lena",
                    "lastName": "Nguyen",
                    "productId": "full-6months",
                    "couponCode": COUPON
                }),
                key: format!("buy-{sender}-{n}"),
            }
        } else {
            Sent {
                path: "/mock-exams/register",
                body: json!({
                    "mockExamId": exam_id,
                    "email": email,
                    "firstName": "Priya",
                    "lastName": "Kumar",
                    "tier": "premium"
                }),
                key: format!("register-{sender}-{n}"),
            }
        };
        sent.lock().expect("the list").push(create.clone());
        let answer = client
            .call(
                reqwest::Method::POST,
                create.path,
                Some(&create.body),
                &[("Idempotency-Key", &create.key)],
            )
            .await;
        if answer.is_err() {
            // The server is down: wait for the abort.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Every record of `table`, read from the data directory.
async fn all<T: DeserializeOwned>(data: &Path, table: Table) -> Vec<T> {
    let store =
        SqliteStore::open(&data.join("records.db"), Arc::new(SystemClock)).expect("records.db");
    let items: Vec<Item> = store.list(table, 100_000).await.expect("listed");
    items
        .into_iter()
        .map(|item| serde_json::from_value(item.body).expect("a record"))
        .collect()
}

/// The status of `machine`'s execution `name`, through `/sfn`.
async fn execution_status(http: &reqwest::Client, base: &str, machine: &str, name: &str) -> String {
    let arn = format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}");
    let response = http
        .post(format!("{base}/sfn"))
        .header("X-Amz-Target", "AWSStepFunctions.DescribeExecution")
        .header("Content-Type", "application/x-amz-json-1.0")
        .body(json!({"executionArn": arn}).to_string())
        .send()
        .await
        .expect("/sfn answers");
    let body: Value = response.json().await.expect("JSON");
    body["status"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} has no journey: {body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_during_creates_strands_no_reservation() {
    let rounds: u32 = std::env::var("STRANDED_ROUNDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let client = Client::new(&format!("{base}/v1"), ADMIN_TOKEN).expect("a client");

    let mut life = 0;
    let mut server = serve(&data, port, life);
    server
        .ready(&http, &format!("{base}/v1/openapi.json"))
        .await;
    client
        .create_coupon(COUPON, 10_000)
        .await
        .expect("a coupon");
    let starts_at = chrono::Utc::now() + chrono::TimeDelta::days(10);
    let exam = client
        .create_exam("ADC Part 1 Mock Exam", starts_at, 10_000)
        .await
        .expect("an exam");
    let exam_id = text(&exam, "/mockExamId").expect("an id");

    let sent = Arc::new(Mutex::new(Vec::new()));
    for round in 0..rounds {
        let senders: Vec<_> = (0..SENDERS)
            .map(|sender| {
                tokio::spawn(stream(
                    client.clone(),
                    exam_id.clone(),
                    sender,
                    sent.clone(),
                ))
            })
            .collect();
        // Somewhere in the stream, a different instant each round.
        let delay = 300 + (std::process::id() as u64 * 7919 + u64::from(round) * 104_729) % 1500;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.kill();
        for sender in &senders {
            sender.abort();
        }
        life += 1;
        server = serve(&data, port, life);
        server
            .ready(&http, &format!("{base}/v1/openapi.json"))
            .await;
    }
    let sent = sent.lock().expect("the list").clone();
    assert!(sent.len() > 10, "the stream sent only {}", sent.len());

    // The restart started what the dead processes owed.
    let owed: Vec<Value> = all(&data, Table::JourneyStarts).await;
    assert!(owed.is_empty(), "still owed after the restart: {owed:?}");

    // Every purchase waiting for its payment is carried by its journey;
    // every other one holds no coupon use; the counter counts the holds.
    let purchases: Vec<DiscountPurchase> = all(&data, Table::DiscountPurchases).await;
    let usages: Vec<CouponUsage> = all(&data, Table::CouponUsage).await;
    for purchase in &purchases {
        let usage = usages
            .iter()
            .find(|usage| Some(&usage.usage_id) == purchase.coupon_usage_id.as_ref())
            .unwrap_or_else(|| panic!("{} holds no coupon use", purchase.purchase_id));
        if purchase.status == PurchaseStatus::PendingPayment {
            let status =
                execution_status(&http, &base, "discount-purchase", &purchase.purchase_id).await;
            assert_eq!(status, "RUNNING", "{}", purchase.purchase_id);
            assert_eq!(usage.status, CouponUsageStatus::Reserved);
        } else {
            assert_eq!(usage.status, CouponUsageStatus::Released, "{purchase:?}");
        }
    }
    let held = usages
        .iter()
        .filter(|usage| usage.status != CouponUsageStatus::Released)
        .count();
    let coupon: Vec<CouponRecord> = all(&data, Table::Coupons).await;
    assert_eq!(
        coupon[0].usage_count as usize, held,
        "the counter counts the holds"
    );

    let registrations: Vec<MockRegistration> = all(&data, Table::MockRegistrations).await;
    for registration in &registrations {
        if registration.status == RegistrationStatus::PendingPayment {
            let id = &registration.registration_id;
            let status = execution_status(&http, &base, "mock-exam-registration", id).await;
            assert_eq!(status, "RUNNING", "{id}");
        }
    }
    let seats = registrations
        .iter()
        .filter(|registration| registration.status != RegistrationStatus::Cancelled)
        .count();
    let exams: Vec<MockExam> = all(&data, Table::MockExams).await;
    assert_eq!(
        exams[0].registered_count as usize, seats,
        "the seats taken are the holds"
    );

    // Every key answers once its claim's lease is over: the first answer
    // again, or a fresh run of the request — never "still running", never a
    // server error.
    tokio::time::sleep(Duration::from_secs(CLAIM_LEASE_SECS as u64 + 1)).await;
    for create in &sent {
        let answer = client
            .call(
                reqwest::Method::POST,
                create.path,
                Some(&create.body),
                &[("Idempotency-Key", &create.key)],
            )
            .await
            .expect("an answer");
        assert!(
            answer.status < 500 && answer.body["error"]["code"] != json!("REQUEST_IN_PROGRESS"),
            "{} {}: {} {}",
            create.path,
            create.key,
            answer.status,
            answer.body
        );
    }

    // Every purchase still open for payment, once paid, is paid once. Its
    // token is issued as the server issues it, from the data directory's
    // secret (the stream dropped the responses).
    let secret = std::fs::read_to_string(data.join("secret.key")).expect("secret.key");
    let tokens = AccessTokens::new(hex::decode(secret.trim()).expect("a hex secret"));
    let purchases: Vec<DiscountPurchase> = all(&data, Table::DiscountPurchases).await;
    let waiting: Vec<_> = purchases
        .iter()
        .filter(|purchase| purchase.status == PurchaseStatus::PendingPayment)
        .collect();
    for purchase in waiting.iter().take(5) {
        let token = tokens.issue(&record_scope("purchase", &purchase.purchase_id));
        let checkout = client
            .post(
                "/checkout/create",
                &json!({"campaignId": "discount-purchase", "recordId": purchase.purchase_id}),
                &[("X-Access-Token", &token)],
                200,
            )
            .await;
        let Ok(checkout) = checkout else { continue };
        client
            .pay(&text(&checkout, "/checkoutUrl").expect("a URL"))
            .await
            .expect("paid");
        client
            .until_status(
                &format!("/purchases/{}", purchase.purchase_id),
                &token,
                "paid",
            )
            .await
            .expect("the purchase is paid");
        let status =
            execution_status(&http, &base, "discount-purchase", &purchase.purchase_id).await;
        assert_eq!(status, "SUCCEEDED");
    }
    let grants: Vec<Value> = all(&data, Table::AccessGrants).await;
    let mut granted: Vec<&str> = grants
        .iter()
        .filter_map(|grant| grant["recordId"].as_str())
        .collect();
    let before = granted.len();
    granted.sort_unstable();
    granted.dedup();
    assert_eq!(before, granted.len(), "one access grant per paid record");
    server.kill();
}
