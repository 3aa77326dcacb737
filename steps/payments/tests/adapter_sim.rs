//! The async-stripe adapter against the Stripe simulator: every operation and error,
//! and the webhook events the checkout page causes, verified as Stripe's.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use campaigns_payments::{
    CaptureMode, CheckoutRequest, EventKind, PaymentIntentStatus, Payments, PaymentsError,
    RefundReason, RefundRequest, SessionPaymentStatus, SessionStatus, SignatureVerifier,
    StripeConfig, StripePayments, WebhookEvent, metadata_keys, verify_event,
};
use common::{Receiver, post_form};
use stripe_sim::{DeliveryConfig, InjectedFailure, RunningSimulator, SimConfig};

const KEY: &str = "sk_test_adapter";

async fn simulator(duplicate_and_reorder: bool) -> RunningSimulator {
    let config = SimConfig {
        api_key: KEY.into(),
        delivery: DeliveryConfig {
            initial_backoff: Duration::from_millis(50),
            duplicate_and_reorder,
            ..DeliveryConfig::default()
        },
        ..SimConfig::default()
    };
    stripe_sim::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .unwrap()
}

fn adapter(sim: &RunningSimulator) -> StripePayments {
    // No trailing slash on purpose: the adapter adds the one async-stripe needs.
    let base = sim.api_base().trim_end_matches('/').to_owned();
    StripePayments::new(StripeConfig::new(
        KEY,
        Some(base),
        "https://campaigns.example/",
    ))
    .unwrap()
}

fn request(sim: &RunningSimulator, capture: CaptureMode) -> CheckoutRequest {
    CheckoutRequest {
        campaign_id: "team-creation".into(),
        record_id: "team_42".into(),
        member_id: Some("member_2".into()),
        attempt: 0,
        product_name: "ProDentHub Full Version - 6 Months (Team Plan)".into(),
        amount_cents: 9967,
        customer_email: "member@example.com".into(),
        expires_at: sim.simulator.now() + 3600,
        capture,
        cancel_url: "http://127.0.0.1:9/v1/checkout/cancel?recordId=team_42".into(),
    }
}

fn events(receiver_deliveries: &[common::Delivery], secret: &str, now: i64) -> Vec<WebhookEvent> {
    let verifier = SignatureVerifier::new(secret);
    receiver_deliveries
        .iter()
        .map(|d| {
            verify_event(&verifier, &d.body, d.signature.as_deref(), now)
                .expect("signed by the simulator")
        })
        .collect()
}

async fn pay(session_url: &str, action: &str) -> (u16, Option<String>) {
    let (status, location, _) = post_form(&format!("{session_url}/{action}"), "", None).await;
    (status, location)
}

#[tokio::test]
async fn manual_capture_journey_authorizes_then_captures_and_refunds() {
    let sim = simulator(false).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = sim.simulator.add_webhook_endpoint(&receiver.url, &["*"]);
    let payments = adapter(&sim);

    let session = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    assert!(session.id.starts_with("cs_test_"));
    assert_eq!(session.status, SessionStatus::Open);
    assert_eq!(session.payment_status, SessionPaymentStatus::Unpaid);
    assert_eq!(session.amount_total_cents, Some(9967));
    assert_eq!(
        session
            .metadata
            .get(metadata_keys::CAMPAIGN_ID)
            .map(String::as_str),
        Some("team-creation")
    );
    assert_eq!(
        session
            .metadata
            .get(metadata_keys::MEMBER_ID)
            .map(String::as_str),
        Some("member_2")
    );
    let url = session.url.clone().expect("open sessions have a page");

    let (status, location) = pay(&url, "pay").await;
    assert_eq!(status, 303);
    let location = location.unwrap();
    assert!(location.starts_with(
        "https://campaigns.example/checkout/success?campaign=team-creation&record=team_42"
    ));
    assert!(location.ends_with(&format!("session_id={}", session.id)));

    let paid = payments.retrieve_checkout(&session.id).await.unwrap();
    assert_eq!(paid.status, SessionStatus::Complete);
    assert_eq!(
        paid.payment_status,
        SessionPaymentStatus::Paid,
        "Checkout reports an authorization as paid"
    );
    assert_eq!(paid.url, None);
    let intent_id = paid.payment_intent_id.clone().unwrap();

    let got = events(&receiver.wait_for(2).await, &secret, sim.simulator.now());
    let kinds: Vec<_> = got.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::PaymentIntentAmountCapturableUpdated,
            EventKind::CheckoutSessionCompleted
        ]
    );
    let authorized = &got[0].data.object;
    assert_eq!(authorized.id, intent_id);
    assert_eq!(authorized.status.as_deref(), Some("requires_capture"));
    assert_eq!(authorized.amount_capturable, Some(9967));
    assert_eq!(
        authorized.metadata_value(metadata_keys::RECORD_ID),
        Some("team_42")
    );
    assert_eq!(
        got[1].data.object.payment_intent.as_deref(),
        Some(intent_id.as_str())
    );
    assert_eq!(
        got[1].data.object.client_reference_id.as_deref(),
        Some("team_42")
    );

    let captured = payments.capture("team_42", &intent_id).await.unwrap();
    assert_eq!(captured.status, PaymentIntentStatus::Succeeded);
    assert_eq!(
        (
            captured.amount_received_cents,
            captured.amount_capturable_cents
        ),
        (9967, 0)
    );
    // A retried capture step replays the first answer instead of failing.
    assert_eq!(
        payments.capture("team_42", &intent_id).await.unwrap(),
        captured
    );

    let part = RefundRequest {
        record_id: "team_42".into(),
        payment_intent_id: intent_id.clone(),
        amount_cents: Some(967),
        key: "part".into(),
        reason: RefundReason::RequestedByCustomer,
        note: Some("a goodwill part".into()),
    };
    let refund = payments.refund(&part).await.unwrap();
    assert!(refund.id.starts_with("re_"));
    assert_eq!(refund.amount_cents, 967);
    // The same request again (a retried call) is the same refund.
    assert_eq!(payments.refund(&part).await.unwrap(), refund);
    let rest = RefundRequest {
        amount_cents: None,
        key: "rest".into(),
        ..part.clone()
    };
    assert_eq!(payments.refund(&rest).await.unwrap().amount_cents, 9000);
    let again = RefundRequest {
        amount_cents: Some(1),
        key: "again".into(),
        ..part
    };
    let error = payments.refund(&again).await.unwrap_err();
    assert_eq!(error.name(), "Payments.InvalidRequest");
    assert_eq!(
        error.detail().code.as_deref(),
        Some("charge_already_refunded")
    );

    let got = events(&receiver.wait_for(7).await, &secret, sim.simulator.now());
    let kinds: Vec<_> = got[2..].iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::PaymentIntentSucceeded,
            EventKind::RefundCreated,
            EventKind::ChargeRefunded,
            EventKind::RefundCreated,
            EventKind::ChargeRefunded,
        ]
    );
    assert_eq!(got[6].data.object.amount_refunded, Some(9967));
}

#[tokio::test]
async fn authorizations_can_be_cancelled_and_captures_need_an_authorization() {
    let sim = simulator(false).await;
    let payments = adapter(&sim);
    let session = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    pay(session.url.as_deref().unwrap(), "pay").await;
    let intent_id = payments
        .retrieve_checkout(&session.id)
        .await
        .unwrap()
        .payment_intent_id
        .unwrap();

    let canceled = payments.cancel("team_42", &intent_id).await.unwrap();
    assert_eq!(canceled.status, PaymentIntentStatus::Canceled);
    assert_eq!(canceled.amount_capturable_cents, 0);
    let error = payments.capture("team_42", &intent_id).await.unwrap_err();
    assert!(matches!(error, PaymentsError::InvalidRequest(_)));
    assert_eq!(
        error.detail().code.as_deref(),
        Some("payment_intent_unexpected_state")
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn automatic_capture_and_declines_and_delayed_methods() {
    let sim = simulator(false).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = sim.simulator.add_webhook_endpoint(&receiver.url, &["*"]);
    let payments = adapter(&sim);
    let session = payments
        .create_checkout(&request(&sim, CaptureMode::Automatic))
        .await
        .unwrap();
    let url = session.url.clone().unwrap();

    // A decline leaves the session open for another try.
    assert_eq!(pay(&url, "decline").await.0, 303);
    assert_eq!(
        payments
            .retrieve_checkout(&session.id)
            .await
            .unwrap()
            .status,
        SessionStatus::Open
    );
    // A delayed method completes the session unpaid, then succeeds.
    pay(&url, "delayed").await;
    let pending = payments.retrieve_checkout(&session.id).await.unwrap();
    assert_eq!(
        (pending.status, pending.payment_status),
        (SessionStatus::Complete, SessionPaymentStatus::Unpaid)
    );
    pay(&url, "delayed-succeed").await;
    assert_eq!(
        payments
            .retrieve_checkout(&session.id)
            .await
            .unwrap()
            .payment_status,
        SessionPaymentStatus::Paid
    );

    let got = events(&receiver.wait_for(4).await, &secret, sim.simulator.now());
    let kinds: Vec<_> = got.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::PaymentIntentPaymentFailed,
            EventKind::CheckoutSessionCompleted,
            EventKind::PaymentIntentSucceeded,
            EventKind::CheckoutSessionAsyncPaymentSucceeded,
        ]
    );
    assert_eq!(
        got[1].data.object.payment_status,
        Some(SessionPaymentStatus::Unpaid)
    );

    // Another session whose delayed payment fails.
    let second = payments
        .create_checkout(&CheckoutRequest {
            attempt: 1,
            ..request(&sim, CaptureMode::Automatic)
        })
        .await
        .unwrap();
    assert_ne!(second.id, session.id);
    let url = second.url.unwrap();
    pay(&url, "delayed").await;
    pay(&url, "delayed-fail").await;
    let got = events(&receiver.wait_for(7).await, &secret, sim.simulator.now());
    assert_eq!(got[5].kind, EventKind::PaymentIntentPaymentFailed);
    assert_eq!(got[6].kind, EventKind::CheckoutSessionAsyncPaymentFailed);
}

#[tokio::test]
async fn sessions_expire_by_api_and_by_clock() {
    let sim = simulator(false).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = sim
        .simulator
        .add_webhook_endpoint(&receiver.url, &["checkout.session.expired"]);
    let payments = adapter(&sim);

    let first = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    let expired = payments.expire_checkout(&first.id).await.unwrap();
    assert_eq!(
        (expired.status, expired.url),
        (SessionStatus::Expired, None)
    );
    assert_eq!(pay(first.url.as_deref().unwrap(), "pay").await.0, 409);
    let before = events(&receiver.wait_for(1).await, &secret, sim.simulator.now());

    let second = payments
        .create_checkout(&CheckoutRequest {
            attempt: 1,
            ..request(&sim, CaptureMode::Manual)
        })
        .await
        .unwrap();
    assert!(sim.simulator.advance_clock(3601));
    assert_eq!(
        payments.retrieve_checkout(&second.id).await.unwrap().status,
        SessionStatus::Expired
    );
    let error = payments.expire_checkout(&second.id).await.unwrap_err();
    assert_eq!(error.name(), "Payments.InvalidRequest");

    // Each delivery is signed at the simulator's time of sending: the later one after the jump.
    let after = events(
        &receiver.wait_for(2).await[1..],
        &secret,
        sim.simulator.now(),
    );
    let ids: Vec<_> = before
        .iter()
        .chain(&after)
        .map(|e| e.data.object.id.clone())
        .collect();
    assert_eq!(ids, [first.id, second.id]);
    assert!(
        before
            .iter()
            .chain(&after)
            .all(|e| e.kind == EventKind::CheckoutSessionExpired)
    );
}

#[tokio::test]
async fn retried_creation_returns_the_same_session_and_changed_parameters_are_refused() {
    let sim = simulator(false).await;
    let payments = adapter(&sim);
    let first = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    let retried = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    assert_eq!(first, retried);
    let changed = CheckoutRequest {
        amount_cents: 1,
        ..request(&sim, CaptureMode::Manual)
    };
    let error = payments.create_checkout(&changed).await.unwrap_err();
    assert!(matches!(error, PaymentsError::InvalidRequest(_)));
    assert!(error.detail().message.contains("idempotent"), "{error}");
}

#[tokio::test]
async fn stripe_errors_map_to_our_classes() {
    let sim = simulator(false).await;
    let payments = adapter(&sim);
    let inject = |status: u16, error_type: &str, code: Option<&str>, decline: Option<&str>| {
        sim.simulator.fail_next(InjectedFailure {
            status,
            error_type: error_type.into(),
            code: code.map(Into::into),
            decline_code: decline.map(Into::into),
        });
    };

    inject(
        402,
        "card_error",
        Some("card_declined"),
        Some("insufficient_funds"),
    );
    let error = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.Declined", false)
    );
    assert_eq!(
        error.detail().decline_code.as_deref(),
        Some("insufficient_funds")
    );
    assert_eq!(error.detail().http_status, Some(402));

    inject(429, "invalid_request_error", Some("rate_limit"), None);
    let error = payments.retrieve_checkout("cs_test_x").await.unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.RateLimited", true)
    );

    inject(500, "api_error", None, None);
    let error = payments.capture("r", "pi_x").await.unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.Unavailable", true)
    );

    let error = payments
        .retrieve_checkout("cs_test_missing")
        .await
        .unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.InvalidRequest", false)
    );
    assert_eq!(error.detail().code.as_deref(), Some("resource_missing"));
    assert_eq!(error.detail().http_status, Some(404));

    let wrong_key = StripePayments::new(StripeConfig::new(
        "sk_test_wrong",
        Some(sim.api_base()),
        "https://f",
    ))
    .unwrap();
    let error = wrong_key.retrieve_checkout("cs_test_x").await.unwrap_err();
    assert_eq!(error.name(), "Payments.InvalidRequest");
    assert_eq!(error.detail().http_status, Some(401));

    let base = sim.api_base();
    drop(sim);
    let gone = StripePayments::new(StripeConfig::new(KEY, Some(base), "https://f")).unwrap();
    let error = gone.retrieve_checkout("cs_test_x").await.unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.Unavailable", true)
    );
}

#[tokio::test]
async fn deliveries_retry_until_acknowledged() {
    let sim = simulator(false).await;
    let receiver = Receiver::start(3).await;
    let (_, secret) = sim
        .simulator
        .add_webhook_endpoint(&receiver.url, &["checkout.session.completed"]);
    let payments = adapter(&sim);
    let session = payments
        .create_checkout(&request(&sim, CaptureMode::Automatic))
        .await
        .unwrap();
    pay(session.url.as_deref().unwrap(), "pay").await;
    let got = events(&receiver.wait_for(1).await, &secret, sim.simulator.now());
    assert_eq!(got[0].kind, EventKind::CheckoutSessionCompleted);
    assert_eq!(got[0].data.object.id, session.id);
}

#[tokio::test]
async fn chaos_mode_delivers_every_event_twice_and_out_of_order() {
    let sim = simulator(true).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = sim.simulator.add_webhook_endpoint(&receiver.url, &["*"]);
    let payments = adapter(&sim);
    let session = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    pay(session.url.as_deref().unwrap(), "pay").await;
    let got = events(&receiver.wait_for(4).await, &secret, sim.simulator.now());
    let kinds: Vec<_> = got.iter().map(|e| e.kind.clone()).collect();
    assert_eq!(
        kinds,
        [
            EventKind::CheckoutSessionCompleted,
            EventKind::PaymentIntentAmountCapturableUpdated,
            EventKind::CheckoutSessionCompleted,
            EventKind::PaymentIntentAmountCapturableUpdated,
        ]
    );
    assert_eq!(
        got[0].id, got[2].id,
        "a duplicate carries the same event id"
    );
}
