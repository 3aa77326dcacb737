//! The access events on the embedded default (SQLite, the engine, the Stripe
//! simulator): one event per change of a customer's access, on every path —
//! a paid purchase, a dispute opened, won or lost, a full refund — in the
//! data directory and POSTed, signed, to a receiver that verifies the
//! signature as the main platform would; a grant whose handler died
//! before publishing is published once the work completes; and an event the
//! platform's endpoint does not take is logged for the `access-events-overdue`
//! alarm once it is owed too long, and not before.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use campaigns_app::access::{self, GRACE, Grant, OVERDUE, OVERDUE_ALARM};
use campaigns_app::faults;
use campaigns_contracts::events::{AccessEvent, AccessEventType};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_local::access_events::{Delivery, SIGNATURE_HEADER};
use campaigns_local::time::Time;
use campaigns_payments::SignatureVerifier;
use campaigns_tests::Product;

use AccessEventType::{AccessGranted, AccessRestored, AccessRevoked, AccessSuspended};

const SECRET: &str = "whsec_platform_test";

/// The platform's endpoint: verifies each delivery's signature by the
/// product's clock and keeps the events it accepts. It refuses the very
/// first delivery (500), as a platform restarting would, so every test also
/// shows that a failed POST is retried.
#[derive(Clone, Default)]
struct Receiver {
    time: Arc<OnceLock<Time>>,
    accepted: Arc<Mutex<Vec<AccessEvent>>>,
    refused: Arc<Mutex<Vec<String>>>,
    calls: Arc<Mutex<u32>>,
}

async fn receive(
    State(receiver): State<Receiver>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let first = {
        let mut calls = receiver.calls.lock().unwrap();
        *calls += 1;
        *calls == 1
    };
    if first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    let Some(time) = receiver.time.get() else {
        return StatusCode::SERVICE_UNAVAILABLE;
    };
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok());
    if let Err(err) = SignatureVerifier::new(SECRET).verify(&body, header, time.now().timestamp()) {
        receiver.refused.lock().unwrap().push(err.to_string());
        return StatusCode::BAD_REQUEST;
    }
    match serde_json::from_slice::<AccessEvent>(&body) {
        Ok(event) => {
            receiver.accepted.lock().unwrap().push(event);
            StatusCode::NO_CONTENT
        }
        Err(err) => {
            receiver.refused.lock().unwrap().push(err.to_string());
            StatusCode::BAD_REQUEST
        }
    }
}

/// The product, POSTing its access events to a receiver of the test's.
async fn product_and_receiver() -> (Product, Receiver) {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!(
        "http://{}/access-events",
        listener.local_addr().expect("an address")
    );
    let routes = axum::Router::new()
        .route("/access-events", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let product = Product::start_with(|options| {
        let mut delivery = Delivery::new(url, SECRET);
        delivery.backoff = Duration::from_millis(20);
        options.access_events = Some(delivery);
    })
    .await;
    assert!(receiver.time.set(product.embedded.time.clone()).is_ok());
    (product, receiver)
}

/// The events of `record`, in the data directory, in the order of changes.
fn published(product: &Product, record: &str) -> Vec<AccessEvent> {
    product
        .embedded
        .access_events
        .list()
        .expect("the events list")
        .into_iter()
        .filter(|event| event.detail.record_id == record)
        .collect()
}

fn kinds(events: &[AccessEvent]) -> Vec<AccessEventType> {
    events.iter().map(|event| event.detail_type).collect()
}

/// Waits until `record` has published `expected`, then checks that nothing
/// more comes and that the receiver accepted each of them (at least once;
/// one per event id once deduped), with no signature refused.
async fn settles_at(
    product: &Product,
    receiver: &Receiver,
    record: &str,
    expected: &[AccessEventType],
) {
    product
        .eventually(&format!("{record} publishes {expected:?}"), || async {
            kinds(&published(product, record)).len() >= expected.len()
        })
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let events = published(product, record);
    assert_eq!(kinds(&events), expected, "{events:#?}");
    product
        .eventually("the receiver has every event", || async {
            let accepted = receiver.accepted.lock().unwrap();
            events.iter().all(|event| accepted.contains(event))
        })
        .await;
    let accepted = receiver.accepted.lock().unwrap();
    let mut ids: Vec<&str> = accepted
        .iter()
        .filter(|event| event.detail.record_id == record)
        .map(|event| event.detail.event_id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), expected.len(), "{accepted:#?}");
    assert!(
        receiver.refused.lock().unwrap().is_empty(),
        "{:?}",
        receiver.refused.lock().unwrap()
    );
}

/// Closes a dispute in the simulator with evidence that wins or loses it.
async fn close_dispute(product: &Product, dispute: &str, won: bool) {
    let evidence = if won {
        "winning_evidence"
    } else {
        "losing_evidence"
    };
    let answer = product
        .http
        .post(format!(
            "{}/stripe/v1/disputes/{dispute}",
            product.embedded.base_url
        ))
        .bearer_auth("sk_test_simulator")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("evidence[uncategorized_text]={evidence}"))
        .send()
        .await
        .expect("the simulator answers");
    assert!(answer.status().is_success(), "{}", answer.status());
}

fn open_dispute(product: &Product, payment_intent: &str) -> String {
    let dispute = product
        .embedded
        .simulator
        .open_dispute(payment_intent, "fraudulent")
        .expect("a dispute");
    dispute["id"].as_str().expect("a dispute id").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_paid_disputed_won_and_refunded_publishes_one_event_per_change() {
    let (product, receiver) = product_and_receiver().await;
    let (purchase_id, paid_with) = product.paid_purchase("Lena@Example.com", None).await;
    settles_at(&product, &receiver, &purchase_id, &[AccessGranted]).await;
    let granted = &published(&product, &purchase_id)[0];
    let detail = &granted.detail;
    let grant_id = format!("grant_{purchase_id}");
    assert_eq!(
        (
            granted.source.as_str(),
            detail.event_id.clone(),
            detail.grant_id.as_str(),
            detail.email.as_str(),
            detail.product_id,
            detail.plan_type.as_str(),
            detail.campaign_id,
            detail.payment_intent_id.as_deref()
        ),
        (
            "prodenthub.campaigns",
            format!("{grant_id}.granted"),
            grant_id.as_str(),
            "lena@example.com",
            ProductId::Full6Months,
            "full-6months",
            CampaignId::DiscountPurchase,
            Some(paid_with.as_str())
        )
    );

    let dispute = open_dispute(&product, &paid_with);
    settles_at(
        &product,
        &receiver,
        &purchase_id,
        &[AccessGranted, AccessSuspended],
    )
    .await;
    close_dispute(&product, &dispute, true).await;
    settles_at(
        &product,
        &receiver,
        &purchase_id,
        &[AccessGranted, AccessSuspended, AccessRestored],
    )
    .await;
    product.refund_in_stripe(&paid_with).await;
    settles_at(
        &product,
        &receiver,
        &purchase_id,
        &[
            AccessGranted,
            AccessSuspended,
            AccessRestored,
            AccessRevoked,
        ],
    )
    .await;

    let events = published(&product, &purchase_id);
    let ids: Vec<&str> = events
        .iter()
        .map(|event| event.detail.event_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            format!("{grant_id}.granted"),
            format!("{grant_id}.suspended.{dispute}"),
            format!("{grant_id}.restored.{dispute}"),
            format!("{grant_id}.revoked"),
        ]
    );
    assert_eq!(
        events[1].detail.dispute_id.as_deref(),
        Some(dispute.as_str())
    );
    assert!(
        events[3].detail.access_ends_at < detail.access_ends_at,
        "the refund ended it early"
    );
    // The first POST was refused, so something was retried.
    assert!(*receiver.calls.lock().unwrap() > events.len() as u32);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_dispute_revokes_the_access() {
    let (product, receiver) = product_and_receiver().await;
    let (purchase_id, paid_with) = product.paid_purchase("ravi@example.com", None).await;
    let dispute = open_dispute(&product, &paid_with);
    settles_at(
        &product,
        &receiver,
        &purchase_id,
        &[AccessGranted, AccessSuspended],
    )
    .await;
    close_dispute(&product, &dispute, false).await;
    settles_at(
        &product,
        &receiver,
        &purchase_id,
        &[AccessGranted, AccessSuspended, AccessRevoked],
    )
    .await;
    let revoked = &published(&product, &purchase_id)[2].detail;
    assert_eq!(revoked.dispute_id.as_deref(), Some(dispute.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_whose_handler_died_before_publishing_is_published_once_it_completes() {
    let (product, receiver) = product_and_receiver().await;
    let app = &product.embedded.app;
    let now = product.embedded.time.now();
    let grant = |record: &'static str| Grant {
        email: "amal@example.com",
        product: ProductId::Scholarship3Months,
        campaign: CampaignId::ScholarshipApplication,
        record_id: record,
        member_id: None,
        payment_intent_id: Some("pi_crash"),
        starts_at: now,
        months: 3,
    };

    // Killed after the grant's batch, before the publish; the step is
    // retried (as Step Functions retries a timed-out Task): the retry finds
    // the grant and publishes its owed event.
    let (dying, interruption) = faults::interrupt_after(app, 1);
    let died =
        faults::until_interrupted(&interruption, access::grant(&dying, &grant("sch_retried")))
            .await;
    assert!(died.is_none(), "the grant stopped before publishing");
    assert!(published(&product, "sch_retried").is_empty());
    access::grant(app, &grant("sch_retried"))
        .await
        .expect("the retry grants");
    settles_at(&product, &receiver, "sch_retried", &[AccessGranted]).await;

    // Killed the same way and never retried: the sweep publishes it once its
    // grace has passed.
    let (dying, interruption) = faults::interrupt_after(app, 1);
    let died =
        faults::until_interrupted(&interruption, access::grant(&dying, &grant("sch_swept"))).await;
    assert!(died.is_none());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        published(&product, "sch_swept").is_empty(),
        "not before its grace"
    );
    product.advance(GRACE.to_std().expect("positive") + Duration::from_secs(1));
    settles_at(&product, &receiver, "sch_swept", &[AccessGranted]).await;
}

/// Every log line of this test binary at ERROR, in the JSON the Lambda
/// functions write, so the test reads the field the alarm's metric filter
/// matches: `$.fields.alarm`.
fn captured_errors() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::ERROR)
            .with_writer(move || Sink(sink.clone()))
            .init();
        logs
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The errors logged about the owed event `event_id`.
fn errors_about(event_id: &str) -> Vec<serde_json::Value> {
    let logs = captured_errors().lock().unwrap().clone();
    String::from_utf8_lossy(&logs)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line["fields"]["event"] == event_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_the_platform_does_not_take_is_alarmed_once_overdue() {
    captured_errors();
    // The platform's endpoint is down: nothing listens on its port.
    let url = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        format!(
            "http://{}/access-events",
            listener.local_addr().expect("an address")
        )
    };
    let product = Product::start_with(|options| {
        let mut delivery = Delivery::new(url, SECRET);
        delivery.backoff = Duration::from_millis(5);
        options.access_events = Some(delivery);
    })
    .await;
    let app = &product.embedded.app;
    let grant = Grant {
        email: "noor@example.com",
        product: ProductId::Scholarship3Months,
        campaign: CampaignId::ScholarshipApplication,
        record_id: "sch_undelivered",
        member_id: None,
        payment_intent_id: Some("pi_undelivered"),
        starts_at: product.embedded.time.now(),
        months: 3,
    };
    access::grant(app, &grant)
        .await
        .expect("granted, its event owed");
    let event_id = "grant_sch_undelivered.granted";
    let alarmed = || {
        errors_about(event_id)
            .into_iter()
            .filter(|line| line["fields"]["alarm"] == OVERDUE_ALARM)
            .count()
    };

    // Past its grace the sweep tries, fails and logs it, without the alarm.
    product.advance(GRACE.to_std().expect("positive") + Duration::from_secs(1));
    product
        .eventually("the sweep fails to publish it", || async {
            !errors_about(event_id).is_empty()
        })
        .await;
    assert_eq!(
        alarmed(),
        0,
        "not overdue yet: {:?}",
        errors_about(event_id)
    );

    // Owed for longer than OVERDUE: every failed try is logged for the alarm.
    product.advance(OVERDUE.to_std().expect("positive"));
    product
        .eventually("the sweep logs it for the alarm", || async {
            alarmed() > 0
        })
        .await;
    let line = errors_about(event_id)
        .into_iter()
        .find(|line| line["fields"]["alarm"] == OVERDUE_ALARM)
        .expect("an alarm line");
    assert_eq!(line["level"], "ERROR");
    assert!(line["fields"]["due_at"].is_string(), "{line}");
    assert!(
        published(&product, "sch_undelivered").len() == 1,
        "the event is in the data directory, owed to the endpoint"
    );
}
