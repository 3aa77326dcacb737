//! The async-stripe adapter against the Stripe simulator: every operation and error,
//! and the webhook events the checkout page causes, verified as Stripe's.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use campaigns_core::catalog::ProductId;
use campaigns_payments::catalog::{CatalogSync, product_catalog};
use campaigns_payments::{
    CaptureMode, CheckoutPrice, CheckoutRequest, EventKind, PaymentIntentStatus, Payments,
    PaymentsError, RefundReason, RefundRequest, SessionPaymentStatus, SessionStatus,
    SignatureVerifier, StripeConfig, StripePayments, WebhookEvent, metadata_keys, verify_event,
};
use common::{Receiver, post_form};
use stripe_sim::{DeliveryConfig, InjectedFailure, RunningSimulator, SimConfig};

const KEY: &str = "sk_test_adapter";

/// A simulator whose catalog is synced, as `campaigns stripe-catalog sync` syncs Stripe's.
async fn simulator(duplicate_and_reorder: bool) -> RunningSimulator {
    let sim = bare_simulator(duplicate_and_reorder).await;
    CatalogSync::new(StripeConfig::new(KEY, Some(sim.api_base()), ""))
        .unwrap()
        .sync(&product_catalog(), false)
        .await
        .unwrap();
    sim
}

/// A simulator with an empty catalog.
async fn bare_simulator(duplicate_and_reorder: bool) -> RunningSimulator {
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
        product: ProductId::TeamFull6Months,
        price: CheckoutPrice::Computed,
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

    // The catalog Product is found once; the failures below hit the calls named.
    payments
        .create_checkout(&CheckoutRequest {
            attempt: 9,
            ..request(&sim, CaptureMode::Manual)
        })
        .await
        .unwrap();
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

/// Async-stripe's own client, to read back what the adapter made.
fn client(sim: &RunningSimulator) -> stripe::Client {
    stripe::ClientBuilder::new(KEY)
        .url(sim.api_base())
        .build()
        .unwrap()
}

/// The session's one line item, as Stripe lists it.
async fn line_item(sim: &RunningSimulator, session: &str) -> stripe_shared::CheckoutSessionItem {
    let mut items = stripe_checkout::checkout_session::ListLineItemsCheckoutSession::new(session)
        .send(&client(sim))
        .await
        .unwrap()
        .data;
    assert_eq!(items.len(), 1);
    items.remove(0)
}

/// The metadata every checkout writes, on the session and on its PaymentIntent.
fn assert_metadata(metadata: &std::collections::HashMap<String, String>, plan_type: &str) {
    assert_eq!(metadata[metadata_keys::CAMPAIGN_ID], "discount-purchase");
    assert_eq!(metadata[metadata_keys::RECORD_ID], "purchase_7");
    assert_eq!(metadata[metadata_keys::PLAN_TYPE], plan_type);
    assert!(!metadata.contains_key(metadata_keys::MEMBER_ID));
}

fn purchase(
    sim: &RunningSimulator,
    product: ProductId,
    price: CheckoutPrice,
    cents: i64,
) -> CheckoutRequest {
    CheckoutRequest {
        campaign_id: "discount-purchase".into(),
        record_id: "purchase_7".into(),
        member_id: None,
        product,
        price,
        amount_cents: cents,
        ..request(sim, CaptureMode::Automatic)
    }
}

#[tokio::test]
async fn a_checkout_at_the_catalog_price_sells_the_synced_price() {
    let sim = simulator(false).await;
    let payments = adapter(&sim);
    let session = payments
        .create_checkout(&purchase(
            &sim,
            ProductId::Full6Months,
            CheckoutPrice::Catalog,
            19900,
        ))
        .await
        .unwrap();
    assert_eq!(session.amount_total_cents, Some(19900));
    assert_eq!(session.metadata[metadata_keys::PLAN_TYPE], "full-6months");

    let synced = stripe_product::price::ListPrice::new()
        .lookup_keys(vec!["full-6months-aud".to_owned()])
        .send(&client(&sim))
        .await
        .unwrap()
        .data;
    assert_eq!(synced.len(), 1);
    let item = line_item(&sim, &session.id).await;
    let price = item.price.expect("the line item's price");
    assert_eq!(price.id, synced[0].id, "the catalog's own Price");
    assert!(price.active);
    assert_eq!(price.product.id().as_str(), "prodenthub_full-6months");
    assert_eq!(price.unit_amount, Some(19900));
    assert_eq!(
        price.tax_behavior,
        Some(stripe_product::PriceTaxBehavior::Inclusive)
    );
    assert_eq!(item.amount_total, 19900);
    assert_eq!(item.description.as_deref(), Some("Full - 6 Months"));

    // Paid: the session's and the PaymentIntent's metadata carry planType.
    pay(session.url.as_deref().unwrap(), "pay").await;
    let intent = payments
        .retrieve_checkout(&session.id)
        .await
        .unwrap()
        .payment_intent_id
        .unwrap();
    let stripe_session =
        stripe_checkout::checkout_session::RetrieveCheckoutSession::new(session.id.as_str())
            .send(&client(&sim))
            .await
            .unwrap();
    assert_metadata(stripe_session.metadata.as_ref().unwrap(), "full-6months");
    let intent = stripe_core::payment_intent::RetrievePaymentIntent::new(intent.as_str())
        .send(&client(&sim))
        .await
        .unwrap();
    assert_metadata(&intent.metadata, "full-6months");
}

#[tokio::test]
async fn a_computed_amount_is_price_data_on_the_catalog_product() {
    let sim = simulator(false).await;
    let payments = adapter(&sim);
    // A coupon's discount on the Premium plan.
    let session = payments
        .create_checkout(&purchase(
            &sim,
            ProductId::Premium12Months,
            CheckoutPrice::Computed,
            23920,
        ))
        .await
        .unwrap();
    assert_eq!(session.amount_total_cents, Some(23920));
    let item = line_item(&sim, &session.id).await;
    let price = item.price.expect("the line item's price");
    assert_eq!(price.product.id().as_str(), "prodenthub_premium-12months");
    assert_eq!(price.unit_amount, Some(23920));
    assert_eq!(
        price.tax_behavior,
        Some(stripe_product::PriceTaxBehavior::Inclusive)
    );
    assert!(!price.active, "made for this session, not the catalog's");
    assert_eq!(price.lookup_key, None);
    assert_eq!(item.description.as_deref(), Some("Premium - 12 Months"));
    let stripe_session =
        stripe_checkout::checkout_session::RetrieveCheckoutSession::new(session.id.as_str())
            .send(&client(&sim))
            .await
            .unwrap();
    assert_metadata(
        stripe_session.metadata.as_ref().unwrap(),
        "premium-12months",
    );

    // The scholarship has a Product and no Price: always computed.
    let scholarship = payments
        .create_checkout(&CheckoutRequest {
            campaign_id: "scholarship-application".into(),
            ..purchase(
                &sim,
                ProductId::Scholarship3Months,
                CheckoutPrice::Computed,
                6450,
            )
        })
        .await
        .unwrap();
    let item = line_item(&sim, &scholarship.id).await;
    let price = item.price.unwrap();
    assert_eq!(
        price.product.id().as_str(),
        "prodenthub_scholarship-3months"
    );
    assert_eq!(price.unit_amount, Some(6450));
    assert_eq!(
        scholarship.metadata[metadata_keys::PLAN_TYPE],
        "scholarship-3months"
    );

    // A team share: the team plan's Product, with the seed's planType for it.
    let share = payments
        .create_checkout(&request(&sim, CaptureMode::Manual))
        .await
        .unwrap();
    let price = line_item(&sim, &share.id).await.price.unwrap();
    assert_eq!(price.product.id().as_str(), "prodenthub_team-full-6months");
    assert_eq!(share.metadata[metadata_keys::PLAN_TYPE], "full-6months");
    assert_eq!(share.metadata[metadata_keys::MEMBER_ID], "member_2");
}

#[tokio::test]
async fn an_unsynced_catalog_fails_the_checkout_and_says_what_to_run() {
    let sim = bare_simulator(false).await;
    let payments = adapter(&sim);
    for (request, names) in [
        (
            purchase(&sim, ProductId::Full6Months, CheckoutPrice::Catalog, 19900),
            "`full-6months-aud`",
        ),
        (
            purchase(&sim, ProductId::Full6Months, CheckoutPrice::Computed, 17910),
            "`prodenthub_full-6months`",
        ),
    ] {
        let error = payments.create_checkout(&request).await.unwrap_err();
        assert_eq!(
            (error.name(), error.is_retryable()),
            ("Payments.InvalidRequest", false)
        );
        assert_eq!(error.detail().code.as_deref(), Some("catalog_not_synced"));
        let message = &error.detail().message;
        assert!(message.contains(names), "{message}");
        assert!(
            message.contains("campaigns stripe-catalog sync"),
            "{message}"
        );
    }

    // Synced, the same checkouts go through; an amount that is not the
    // synced Price's is refused rather than charged at the Price's.
    CatalogSync::new(StripeConfig::new(KEY, Some(sim.api_base()), ""))
        .unwrap()
        .sync(&product_catalog(), false)
        .await
        .unwrap();
    payments
        .create_checkout(&purchase(
            &sim,
            ProductId::Full6Months,
            CheckoutPrice::Catalog,
            19900,
        ))
        .await
        .unwrap();
    let error = payments
        .create_checkout(&CheckoutRequest {
            attempt: 1,
            ..purchase(&sim, ProductId::Full6Months, CheckoutPrice::Catalog, 19000)
        })
        .await
        .unwrap_err();
    assert_eq!(error.detail().code.as_deref(), Some("catalog_not_synced"));
    assert!(error.detail().message.contains("19900"), "{error}");
}
