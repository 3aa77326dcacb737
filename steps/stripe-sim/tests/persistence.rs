//! A simulator kept in a file: what it answered, and the webhooks it still
//! owes, survive a stop and a restart on the same file.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{KEY, api, call};
use serde_json::Value;
use stripe_sim::{DeliveryConfig, RunningSimulator, SimConfig, Simulator, WebhookTarget};

const SECRET: &str = "whsec_persistence";

fn localhost() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A call to `sim`'s API that must answer 200; the body as JSON.
async fn api_json(sim: &RunningSimulator, method: &str, path: &str, body: &str) -> Value {
    serde_json::from_str(&api(sim, method, path, body).await).unwrap()
}

/// A webhook endpoint that records the ids of the events it acknowledged and
/// refuses everything while `refusing` is set.
#[derive(Clone)]
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
    refusing: Arc<Mutex<bool>>,
}

impl Receiver {
    async fn start() -> Receiver {
        let received = Arc::new(Mutex::new(Vec::new()));
        let refusing = Arc::new(Mutex::new(false));
        let (r, f) = (received.clone(), refusing.clone());
        let app = axum::Router::new().route(
            "/webhook",
            axum::routing::post(move |body: axum::body::Bytes| {
                let (r, f) = (r.clone(), f.clone());
                async move {
                    if *f.lock().unwrap() {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let event: Value = serde_json::from_slice(&body).unwrap();
                    r.lock()
                        .unwrap()
                        .push(event["id"].as_str().unwrap().to_owned());
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(localhost()).await.unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver {
            url,
            received,
            refusing,
        }
    }

    fn received(&self) -> Vec<String> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until every one of `ids` was acknowledged.
    async fn until_received(&self, ids: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if ids.iter().all(|id| got.contains(id)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "expected {ids:?}, received {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Waits until the simulator owes no delivery.
async fn until_nothing_owed(sim: &Simulator) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while sim.pending_deliveries() > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn config(receiver: &Receiver, initial_backoff: Duration) -> SimConfig {
    SimConfig {
        api_key: KEY.into(),
        webhooks: vec![WebhookTarget {
            url: receiver.url.clone(),
            secret: SECRET.into(),
        }],
        delivery: DeliveryConfig {
            initial_backoff,
            ..DeliveryConfig::default()
        },
        ..SimConfig::default()
    }
}

fn session_form(sim: &RunningSimulator) -> String {
    let expires = sim.simulator.now() + 7200;
    format!(
        "mode=payment&line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=12900\
         &line_items[0][price_data][product_data][name]=Standard&customer_email=a%40example.com\
         &client_reference_id=purchase_1&metadata[recordId]=purchase_1\
         &payment_intent_data[metadata][recordId]=purchase_1&expires_at={expires}"
    )
}

fn event_ids(sim: &Simulator, kind: &str) -> Vec<String> {
    sim.events()
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_and_its_pending_webhooks_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("stripe.db");
    let receiver = Receiver::start().await;

    // First life: a session is created and paid while deliveries are held,
    // so the payment's events are owed when the simulator stops.
    let simulator = Simulator::open(config(&receiver, Duration::from_millis(50)), &path).unwrap();
    simulator.hold_deliveries();
    let first = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    let form = session_form(&first);
    let (status, _, body) = call(
        "POST",
        &format!("{}v1/checkout/sessions", first.api_base()),
        &form,
        Some(KEY),
        &[("idempotency-key", "checkout/purchase_1/0")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let session: Value = serde_json::from_str(&body).unwrap();
    let id = session["id"].as_str().unwrap().to_owned();
    let (status, _, _) = call(
        "POST",
        &format!("{}checkout/{id}/pay", first.api_base()),
        "",
        Some(KEY),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let completed = event_ids(&first.simulator, "checkout.session.completed");
    let succeeded = event_ids(&first.simulator, "payment_intent.succeeded");
    assert_eq!((completed.len(), succeeded.len()), (1, 1));
    assert_eq!(first.simulator.pending_deliveries(), 2);
    assert!(receiver.received().is_empty());
    let endpoints = api_json(&first, "GET", "v1/webhook_endpoints", "").await;
    // A session still open when the simulator stops.
    let open = api_json(&first, "POST", "v1/checkout/sessions", &form).await;
    let open = open["id"].as_str().unwrap().to_owned();
    drop(first);

    // Second life on the same file: the held deliveries go out, and the
    // state is as it was answered.
    let simulator = Simulator::open(config(&receiver, Duration::from_millis(50)), &path).unwrap();
    assert_eq!(simulator.pending_deliveries(), 2);
    let second = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    receiver
        .until_received(&[completed[0].clone(), succeeded[0].clone()])
        .await;
    until_nothing_owed(&second.simulator).await;

    let read = api_json(&second, "GET", &format!("v1/checkout/sessions/{id}"), "").await;
    assert_eq!(read["status"], "complete");
    assert_eq!(read["payment_status"], "paid");
    let intent = read["payment_intent"].as_str().unwrap();
    let intent = api_json(&second, "GET", &format!("v1/payment_intents/{intent}"), "").await;
    assert_eq!(intent["status"], "succeeded");
    assert_eq!(intent["amount_received"], 12900);
    // A retried create with the same key replays the first session instead
    // of opening a second one.
    let (status, headers, body) = call(
        "POST",
        &format!("{}v1/checkout/sessions", second.api_base()),
        &form,
        Some(KEY),
        &[("idempotency-key", "checkout/purchase_1/0")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains(&("idempotent-replayed".into(), "true".into())));
    let replayed: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(replayed["id"], id.as_str());
    // The configured endpoint is the same one, not a second registration.
    assert_eq!(
        api_json(&second, "GET", "v1/webhook_endpoints", "").await["data"],
        endpoints["data"]
    );
    assert_eq!(second.simulator.events().len(), 2);
    // The open session's page is where the simulator now answers.
    let read = api_json(&second, "GET", &format!("v1/checkout/sessions/{open}"), "").await;
    assert_eq!(read["status"], "open");
    let page = format!("{}checkout/{open}", second.api_base());
    assert_eq!(read["url"], page.as_str());
    let (status, _, html) = call("GET", &page, "", Some(KEY), &[]).await;
    assert_eq!(status, 200);
    assert!(html.contains("/pay"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_being_retried_is_retried_after_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("stripe.db");
    let receiver = Receiver::start().await;
    *receiver.refusing.lock().unwrap() = true;

    // The endpoint refuses the first attempts; the next one is due in a while.
    let simulator = Simulator::open(config(&receiver, Duration::from_millis(400)), &path).unwrap();
    let first = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    let body = api_json(
        &first,
        "POST",
        "v1/checkout/sessions",
        &session_form(&first),
    )
    .await;
    let id = body["id"].as_str().unwrap();
    api_json(
        &first,
        "POST",
        &format!("v1/checkout/sessions/{id}/expire"),
        "",
    )
    .await;
    let expired = event_ids(&first.simulator, "checkout.session.expired");
    assert_eq!(expired.len(), 1);
    // Stopped with the delivery owed after a failed attempt.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(first.simulator.pending_deliveries(), 1);
    drop(first);

    *receiver.refusing.lock().unwrap() = false;
    let simulator = Simulator::open(config(&receiver, Duration::from_millis(400)), &path).unwrap();
    let second = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    receiver.until_received(&expired).await;
    // The restarted simulator made the attempt (its own record of the
    // delivery is gone).
    until_nothing_owed(&second.simulator).await;
}

/// Pays the session made from `form` on its page by `action`; the PaymentIntent.
async fn pay(sim: &RunningSimulator, form: &str, action: &str) -> String {
    let session = api_json(sim, "POST", "v1/checkout/sessions", form).await;
    let id = session["id"].as_str().unwrap();
    let (status, _, _) = call(
        "POST",
        &format!("{}checkout/{id}/{action}", sim.api_base()),
        "",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let session = api_json(sim, "GET", &format!("v1/checkout/sessions/{id}"), "").await;
    session["payment_intent"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_disputes_and_line_items_survive_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("stripe.db");
    let receiver = Receiver::start().await;

    let simulator = Simulator::open(config(&receiver, Duration::from_millis(50)), &path).unwrap();
    let first = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    let form = session_form(&first);
    let refunded = pay(&first, &form, "pay").await;
    let refund_form = format!("payment_intent={refunded}&amount=2900&reason=requested_by_customer");
    let (status, _, body) = call(
        "POST",
        &format!("{}v1/refunds", first.api_base()),
        &refund_form,
        Some(KEY),
        &[("idempotency-key", "refund/purchase_1/2900")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let refund: Value = serde_json::from_str(&body).unwrap();
    let disputed = pay(&first, &form, "pay-disputed").await;
    let dispute = first
        .simulator
        .events()
        .into_iter()
        .find(|e| e["type"] == "charge.dispute.created")
        .unwrap()["data"]["object"]
        .clone();
    // A session at a catalog Price, and one with a Price made from price_data.
    api_json(
        &first,
        "POST",
        "v1/products",
        "id=prodenthub_standard&name=Standard",
    )
    .await;
    let price = api_json(
        &first,
        "POST",
        "v1/prices",
        "currency=aud&product=prodenthub_standard&unit_amount=12900&tax_behavior=inclusive",
    )
    .await;
    let expires = first.simulator.now() + 7200;
    let mut line_items = Vec::new();
    for item in [
        format!("line_items[0][price]={}", price["id"].as_str().unwrap()),
        "line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=9900\
         &line_items[0][price_data][product]=prodenthub_standard&line_items[0][price_data][tax_behavior]=inclusive"
            .to_owned(),
    ] {
        let session = api_json(
            &first,
            "POST",
            "v1/checkout/sessions",
            &format!("mode=payment&{item}&expires_at={expires}"),
        )
        .await;
        let id = session["id"].as_str().unwrap().to_owned();
        let items = api_json(&first, "GET", &format!("v1/checkout/sessions/{id}/line_items"), "").await;
        line_items.push((id, items));
    }
    drop(first);

    let simulator = Simulator::open(config(&receiver, Duration::from_millis(50)), &path).unwrap();
    let second = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    // The refund and the charge's refunded amount are as answered.
    let id = refund["id"].as_str().unwrap();
    assert_eq!(
        api_json(&second, "GET", &format!("v1/refunds/{id}"), "").await,
        refund
    );
    let charge = refund["charge"].as_str().unwrap();
    let charge = api_json(
        &second,
        "GET",
        &format!("v1/charges/{charge}?expand[]=refunds"),
        "",
    )
    .await;
    assert_eq!(charge["amount_refunded"], 2900);
    assert_eq!(charge["refunds"]["data"][0]["id"], id);
    // A retried refund replays the first answer instead of refunding twice.
    let (status, headers, body) = call(
        "POST",
        &format!("{}v1/refunds", second.api_base()),
        &refund_form,
        Some(KEY),
        &[("idempotency-key", "refund/purchase_1/2900")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(headers.contains(&("idempotent-replayed".into(), "true".into())));
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), refund);
    // What is left is refunded in full: the cumulative amount goes on.
    let rest = api_json(
        &second,
        "POST",
        "v1/refunds",
        &format!("payment_intent={refunded}"),
    )
    .await;
    assert_eq!(rest["amount"], 12900 - 2900);
    let refunded_events: Vec<Value> = second
        .simulator
        .events()
        .into_iter()
        .filter(|e| e["type"] == "charge.refunded")
        .collect();
    assert_eq!(refunded_events.len(), 2);
    assert_eq!(
        refunded_events[1]["data"]["object"]["amount_refunded"],
        12900
    );
    assert_eq!(refunded_events[1]["data"]["object"]["refunded"], true);

    // The dispute is open still, its charge disputed, and it closes.
    let id = dispute["id"].as_str().unwrap();
    assert_eq!(
        api_json(&second, "GET", &format!("v1/disputes/{id}"), "").await,
        dispute
    );
    let charge = dispute["charge"].as_str().unwrap();
    assert_eq!(
        api_json(&second, "GET", &format!("v1/charges/{charge}"), "").await["disputed"],
        true
    );
    assert_eq!(dispute["payment_intent"], disputed.as_str());
    for (session, items) in &line_items {
        assert_eq!(
            &api_json(
                &second,
                "GET",
                &format!("v1/checkout/sessions/{session}/line_items"),
                ""
            )
            .await,
            items
        );
    }
    let won = api_json(
        &second,
        "POST",
        &format!("v1/disputes/{id}"),
        "evidence[uncategorized_text]=winning_evidence",
    )
    .await;
    assert_eq!(won["status"], "won");
    drop(second);

    let simulator = Simulator::open(config(&receiver, Duration::from_millis(50)), &path).unwrap();
    let third = stripe_sim::spawn_simulator(localhost(), simulator)
        .await
        .unwrap();
    assert_eq!(
        api_json(&third, "GET", &format!("v1/disputes/{id}"), "").await["status"],
        "won"
    );
    until_nothing_owed(&third.simulator).await;
}

#[tokio::test]
async fn a_file_that_is_not_the_simulators_state_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let path = data.path().join("stripe.db");
    std::fs::write(&path, b"not a database at all, just some text").unwrap();
    let error = Simulator::open(SimConfig::default(), &path).expect_err("refused");
    assert!(
        format!("{error:#}").contains("stripe.db"),
        "the error names the file: {error:#}"
    );
}
