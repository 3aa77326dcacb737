//! The adapter's PaymentIntent capture and cancel, its refunds, and the catalog sync,
//! against localstripe (PyPI), a second Stripe stand-in written by others. Started by the
//! test script with `tests/services/localstripe.py` (which adds the Prices 1.15.10 lacks),
//! whose URL it exports as LOCALSTRIPE_URL.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use campaigns_payments::catalog::{Action, CatalogSync, product_catalog};
use campaigns_payments::{
    PaymentIntentStatus, Payments, RefundReason, RefundRequest, StripeConfig, StripePayments,
};
use common::post_form;
use stripe_product::PriceTaxBehavior;
use stripe_product::price::ListPrice;

const KEY: &str = "sk_test_localstripe";

fn base_url() -> String {
    std::env::var("LOCALSTRIPE_URL").unwrap_or_else(|_| {
        panic!(
            "LOCALSTRIPE_URL is not set: start `python3 tests/services/localstripe.py --url-file FILE` \
             (pip install localstripe==1.15.10) and export LOCALSTRIPE_URL=$(cat FILE)"
        )
    })
}

fn adapter() -> StripePayments {
    StripePayments::new(StripeConfig::new(
        KEY,
        Some(base_url()),
        "https://campaigns.example",
    ))
    .unwrap()
}

/// An authorized (manual capture) PaymentIntent, made directly through localstripe's API
/// as Checkout would make it.
async fn authorized_intent(amount: i64) -> String {
    let base = base_url();
    let base = base.trim_end_matches('/');
    let (status, _, body) = post_form(
        &format!("{base}/v1/payment_methods"),
        "type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2030&card[cvc]=123",
        Some(KEY),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let method: serde_json::Value = serde_json::from_str(&body).unwrap();
    let (status, _, body) = post_form(
        &format!("{base}/v1/payment_intents"),
        &format!(
            "amount={amount}&currency=aud&capture_method=manual&confirm=true&payment_method={}",
            method["id"].as_str().unwrap()
        ),
        Some(KEY),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let intent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(intent["status"], "requires_capture");
    intent["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn capture_then_refund_in_parts() {
    let payments = adapter();
    let intent = authorized_intent(9967).await;
    let captured = payments.capture("team_1", &intent).await.unwrap();
    assert_eq!(captured.status, PaymentIntentStatus::Succeeded);
    assert_eq!(captured.amount_received_cents, 9967);

    let part = RefundRequest {
        record_id: "team_1".into(),
        payment_intent_id: intent.clone(),
        amount_cents: Some(967),
        key: "part".into(),
        reason: RefundReason::RequestedByCustomer,
        note: None,
    };
    let refund = payments.refund(&part).await.unwrap();
    assert_eq!(refund.amount_cents, 967);
    // localstripe refunds the whole charge when no amount is given, whatever was refunded
    // before (Stripe refunds what is left); name the rest explicitly.
    let rest = RefundRequest {
        amount_cents: Some(9000),
        key: "rest".into(),
        ..part
    };
    let refund = payments.refund(&rest).await.unwrap();
    assert!(refund.id.starts_with("re_"));
    assert_eq!(refund.amount_cents, 9000);
}

#[tokio::test]
async fn cancel_releases_the_authorization() {
    let payments = adapter();
    let intent = authorized_intent(2900).await;
    let canceled = payments.cancel("registration_1", &intent).await.unwrap();
    assert_eq!(canceled.status, PaymentIntentStatus::Canceled);
    assert_eq!(canceled.amount_capturable_cents, 0);
    // localstripe ignores Idempotency-Key (replays are tested against the simulator), so
    // a second cancel meets a canceled PaymentIntent: a request error, not worth retrying.
    let error = payments
        .cancel("registration_1", &intent)
        .await
        .unwrap_err();
    assert_eq!(
        (error.name(), error.is_retryable()),
        ("Payments.InvalidRequest", false)
    );
}

#[tokio::test]
async fn the_catalog_sync_makes_gst_inclusive_prices_under_their_lookup_keys() {
    let sync = CatalogSync::new(StripeConfig::new(KEY, Some(base_url()), "")).unwrap();
    let catalog = product_catalog();
    // localstripe keeps one store for every test: a first run may find this
    // catalog already there (a second run of the tests).
    sync.sync(&catalog, false).await.unwrap();
    let again = sync.sync(&catalog, false).await.unwrap();
    assert!(!again.changes(), "{again}");
    assert_eq!(again.products_with(Action::Unchanged), 11);

    let client = stripe::ClientBuilder::new(KEY)
        .url(base_url())
        .build()
        .unwrap();
    for item in &catalog {
        let key = item.lookup_key();
        let prices = ListPrice::new()
            .lookup_keys(vec![key.clone()])
            .active(true)
            .send(&client)
            .await
            .unwrap()
            .data;
        match item.amount_cents {
            None => assert!(prices.is_empty(), "{key}"),
            Some(amount) => {
                assert_eq!(prices.len(), 1, "{key}");
                assert_eq!(prices[0].unit_amount, Some(amount), "{key}");
                assert_eq!(prices[0].currency, stripe_types::Currency::AUD);
                assert_eq!(
                    prices[0].product.id().as_str(),
                    item.stripe_product_id(),
                    "{key}"
                );
                assert_eq!(
                    prices[0].tax_behavior,
                    Some(PriceTaxBehavior::Inclusive),
                    "{key}"
                );
            }
        }
    }
}
