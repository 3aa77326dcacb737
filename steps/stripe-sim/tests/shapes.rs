//! Every object, event and error the simulator returns parses with async-stripe's own
//! generated types (strict about required fields): the check that our shapes are Stripe's.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::{KEY, api, api_answering, call};

fn parse<T: miniserde::Deserialize>(json: &str) -> T {
    miniserde::json::from_str(json).unwrap_or_else(|e| panic!("not a Stripe shape ({e}): {json}"))
}

#[tokio::test]
async fn objects_events_and_errors_parse_as_stripe_types() {
    let sim = common::start().await;
    let expires = sim.simulator.now() + 7200;
    let create = format!(
        "mode=payment&line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=29900\
         &line_items[0][price_data][product_data][name]=Team&line_items[0][quantity]=1\
         &customer_email=a%40example.com&client_reference_id=team_1&metadata[recordId]=team_1\
         &payment_intent_data[metadata][recordId]=team_1&payment_intent_data[capture_method]=manual\
         &success_url=https%3A%2F%2Ff%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D&cancel_url=https%3A%2F%2Ff%2Fno\
         &expires_at={expires}"
    );
    let body = api(&sim, "POST", "v1/checkout/sessions", &create).await;
    let session: stripe_checkout::CheckoutSession = parse(&body);
    assert_eq!(session.amount_total, Some(29900));
    assert_eq!(session.expires_at, expires);
    // The value API versions since 2026-03-25 answer (`hosted` before).
    assert_eq!(
        session.ui_mode,
        Some(stripe_shared::CheckoutSessionUiMode::HostedPage)
    );
    let id = session.id.to_string();

    let (status, _, _) = call(
        "POST",
        &format!("{}checkout/{id}/pay", sim.api_base()),
        "",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 303);
    let session: stripe_checkout::CheckoutSession =
        parse(&api(&sim, "GET", &format!("v1/checkout/sessions/{id}"), "").await);
    assert_eq!(session.payment_status.as_str(), "paid");
    assert!(session.customer_details.is_some());
    let intent_id = session.payment_intent.unwrap().id().to_string();

    let intent: stripe_core::PaymentIntent =
        parse(&api(&sim, "GET", &format!("v1/payment_intents/{intent_id}"), "").await);
    assert_eq!(intent.status.as_str(), "requires_capture");
    let intent: stripe_core::PaymentIntent = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/payment_intents/{intent_id}/capture"),
            "amount_to_capture=20000",
        )
        .await,
    );
    assert_eq!(intent.amount_received, 20000);
    let charge_id = intent.latest_charge.unwrap().id().to_string();
    let refund: stripe_core::Refund = parse(
        &api(
            &sim,
            "POST",
            "v1/refunds",
            &format!("payment_intent={intent_id}&amount=500"),
        )
        .await,
    );
    assert_eq!(refund.amount, 500);
    let charge: stripe_core::Charge =
        parse(&api(&sim, "GET", &format!("v1/charges/{charge_id}"), "").await);
    assert_eq!(
        (
            charge.amount_captured,
            charge.amount_refunded,
            charge.refunded
        ),
        (20000, 500, false)
    );
    let refund: stripe_core::Refund =
        parse(&api(&sim, "GET", &format!("v1/refunds/{}", refund.id), "").await);
    assert_eq!(refund.status.as_deref(), Some("succeeded"));

    let events = sim.simulator.events();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "payment_intent.amount_capturable_updated",
            "checkout.session.completed",
            "payment_intent.succeeded",
            "refund.created",
            "charge.refunded",
        ]
    );
    for event in &events {
        // Stripe omits `account` from the platform's own events.
        assert!(event.get("account").is_none(), "{event}");
        let parsed: stripe_core::Event = parse(&event.to_string());
        assert_eq!(parsed.type_.as_str(), event["type"].as_str().unwrap());
        let fetched: stripe_core::Event =
            parse(&api(&sim, "GET", &format!("v1/events/{}", parsed.id), "").await);
        assert_eq!(fetched.id, parsed.id);
    }

    // Errors: Stripe's body, readable by async-stripe's error type.
    for (method, path, body, status, code) in [
        (
            "GET",
            "v1/checkout/sessions/cs_test_nope",
            "",
            404,
            Some("resource_missing"),
        ),
        (
            "POST",
            "v1/checkout/sessions",
            "mode=payment&bogus=1",
            400,
            Some("parameter_unknown"),
        ),
        (
            "POST",
            &format!("v1/payment_intents/{intent_id}/capture"),
            "",
            400,
            Some("payment_intent_unexpected_state"),
        ),
        (
            "POST",
            "v1/refunds",
            &format!("payment_intent={intent_id}&amount=999999"),
            400,
            Some("amount_too_large"),
        ),
        ("GET", "v1/nothing_here", "", 404, None),
    ] {
        let body = api_answering(&sim, method, path, body, status).await;
        let error: stripe_shared::Error = parse(&body);
        assert_eq!(
            error
                .error
                .code
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .as_deref(),
            code,
            "{body}"
        );
    }
    let (status, _, body) = call(
        "GET",
        &format!("{}v1/events", sim.api_base()),
        "",
        Some("sk_test_wrong"),
        &[],
    )
    .await;
    assert_eq!(status, 401);
    let _: stripe_shared::Error = parse(&body);
    let (status, _, body) = call(
        "GET",
        &format!("{}v1/events", sim.api_base()),
        "",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 401);
    let _: stripe_shared::Error = parse(&body);
}

#[tokio::test]
async fn webhook_endpoints_are_created_with_a_secret_and_listed_without() {
    let sim = common::start().await;
    let body = api(
        &sim,
        "POST",
        "v1/webhook_endpoints",
        &format!(
            "url=http%3A%2F%2F127.0.0.1%3A9%2Fhook&enabled_events[]=*&api_version={}",
            stripe_sim::API_VERSION
        ),
    )
    .await;
    let created: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(created["id"].as_str().unwrap().starts_with("we_"));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    let listed: serde_json::Value =
        serde_json::from_str(&api(&sim, "GET", "v1/webhook_endpoints", "").await).unwrap();
    assert_eq!(listed["data"][0]["id"], created["id"]);
    assert!(listed["data"][0].get("secret").is_none());
    api_answering(
        &sim,
        "POST",
        "v1/webhook_endpoints",
        "url=http%3A%2F%2Fx&enabled_events[]=*&api_version=2020-08-27",
        400,
    )
    .await;
}

#[tokio::test]
async fn products_prices_and_their_lists_parse_as_stripe_types() {
    let sim = common::start().await;
    let body = api(
        &sim,
        "POST",
        "v1/products",
        "id=prodenthub_basic&name=Basic&metadata[planType]=basic-1month",
    )
    .await;
    let product: stripe_product::Product = parse(&body);
    assert_eq!(product.id.as_str(), "prodenthub_basic");
    let body = api(
        &sim,
        "POST",
        "v1/products/prodenthub_basic",
        "name=Basic%201",
    )
    .await;
    let product: stripe_product::Product = parse(&body);
    assert_eq!(product.name, "Basic 1");
    assert_eq!(product.metadata["planType"], "basic-1month");
    let _: stripe_product::Product =
        parse(&api(&sim, "GET", "v1/products/prodenthub_basic", "").await);

    let create = "currency=aud&product=prodenthub_basic&unit_amount=4900&lookup_key=basic-aud";
    let price: stripe_product::Price = parse(&api(&sim, "POST", "v1/prices", create).await);
    assert_eq!(price.unit_amount, Some(4900));
    let (status, _, body) = call(
        "POST",
        &format!("{}v1/prices", sim.api_base()),
        create,
        Some(KEY),
        &[],
    )
    .await;
    assert_eq!(
        status, 400,
        "a taken lookup key needs transfer_lookup_key: {body}"
    );
    let error: stripe_shared::Error = parse(&body);
    assert_eq!(
        error
            .error
            .code
            .as_ref()
            .map(|c| c.as_str().to_owned())
            .as_deref(),
        Some("lookup_key_already_exists")
    );
    let moved: stripe_product::Price = parse(
        &api(
            &sim,
            "POST",
            "v1/prices",
            &format!("{create}&transfer_lookup_key=true"),
        )
        .await,
    );
    let old: stripe_product::Price = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/prices/{}", price.id),
            "active=false",
        )
        .await,
    );
    assert!(!old.active);
    assert_eq!(old.lookup_key, None);
    let _: stripe_product::Price =
        parse(&api(&sim, "GET", &format!("v1/prices/{}", moved.id), "").await);

    let list: stripe_types::List<stripe_product::Price> =
        parse(&api(&sim, "GET", "v1/prices?lookup_keys[]=basic-aud", "").await);
    assert_eq!(list.data.len(), 1);
    assert_eq!(list.data[0].id, moved.id);
    let list: stripe_types::List<stripe_product::Price> = parse(
        &api(
            &sim,
            "GET",
            "v1/prices?product=prodenthub_basic&active=false",
            "",
        )
        .await,
    );
    assert_eq!(list.data.len(), 1);
    let page: stripe_types::List<stripe_product::Price> =
        parse(&api(&sim, "GET", "v1/prices?limit=1", "").await);
    assert!(page.has_more);
    let rest: stripe_types::List<stripe_product::Price> = parse(
        &api(
            &sim,
            "GET",
            &format!("v1/prices?limit=1&starting_after={}", page.data[0].id),
            "",
        )
        .await,
    );
    assert!(!rest.has_more);
    assert_ne!(rest.data[0].id, page.data[0].id);
    let products: stripe_types::List<stripe_product::Product> =
        parse(&api(&sim, "GET", "v1/products?active=true&limit=10", "").await);
    assert_eq!(products.data.len(), 1);
}

/// The metadata our checkouts write, on the session and on its PaymentIntent.
const METADATA: &str = "metadata[campaignId]=team-creation&metadata[recordId]=team_1&metadata[memberId]=m_2\
    &payment_intent_data[metadata][campaignId]=team-creation&payment_intent_data[metadata][recordId]=team_1\
    &payment_intent_data[metadata][memberId]=m_2";

/// A session for 29900 AUD cents paid on its page by `action` (`pay`,
/// `pay-disputed`, ...), with `extra` parameters; its PaymentIntent's id.
async fn paid(sim: &stripe_sim::RunningSimulator, extra: &str, action: &str) -> String {
    let form = format!(
        "mode=payment&line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=29900\
         &line_items[0][price_data][product_data][name]=Team&{METADATA}{extra}"
    );
    let session: serde_json::Value =
        serde_json::from_str(&api(sim, "POST", "v1/checkout/sessions", &form).await).unwrap();
    let id = session["id"].as_str().unwrap();
    let (status, _, body) = call(
        "POST",
        &format!("{}checkout/{id}/{action}", sim.api_base()),
        "",
        None,
        &[],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let session: serde_json::Value =
        serde_json::from_str(&api(sim, "GET", &format!("v1/checkout/sessions/{id}"), "").await)
            .unwrap();
    session["payment_intent"].as_str().unwrap().to_owned()
}

/// The events of `kind` so far, oldest first.
fn events_of(sim: &stripe_sim::RunningSimulator, kind: &str) -> Vec<serde_json::Value> {
    sim.simulator
        .events()
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

/// The error code of a Stripe error body.
fn code(body: &str) -> Option<String> {
    let error: stripe_shared::Error = parse(body);
    error.error.code.map(|c| c.as_str().to_owned())
}

#[tokio::test]
async fn refunds_full_and_partial_report_the_cumulative_amount_on_the_charge() {
    let sim = common::start().await;
    let intent = paid(&sim, "", "pay").await;
    let intent_json: serde_json::Value =
        serde_json::from_str(&api(&sim, "GET", &format!("v1/payment_intents/{intent}"), "").await)
            .unwrap();
    let charge_id = intent_json["latest_charge"].as_str().unwrap().to_owned();

    let first: stripe_core::Refund = parse(
        &api(
            &sim,
            "POST",
            "v1/refunds",
            &format!(
                "payment_intent={intent}&amount=9900&reason=requested_by_customer&metadata[requestedBy]=admin"
            ),
        )
        .await,
    );
    assert_eq!(first.amount, 9900);
    assert_eq!(first.metadata.as_ref().unwrap()["requestedBy"], "admin");
    assert_eq!(
        first
            .reason
            .as_ref()
            .map(|r| r.as_str().to_owned())
            .as_deref(),
        Some("requested_by_customer")
    );
    // The rest, by charge and without an amount: everything left.
    let rest: stripe_core::Refund =
        parse(&api(&sim, "POST", "v1/refunds", &format!("charge={charge_id}")).await);
    assert_eq!(rest.amount, 20000);
    let body = api_answering(
        &sim,
        "POST",
        "v1/refunds",
        &format!("payment_intent={intent}&amount=1"),
        400,
    )
    .await;
    assert_eq!(code(&body).as_deref(), Some("charge_already_refunded"));

    // Each refund: refund.created, then charge.refunded with the cumulative
    // amount, `refunded` only once nothing is left, and the metadata
    // written at checkout (Stripe copies the PaymentIntent's to its charge).
    let created = events_of(&sim, "refund.created");
    assert_eq!(created.len(), 2);
    let refunded = events_of(&sim, "charge.refunded");
    let charges: Vec<stripe_core::Charge> = refunded
        .iter()
        .map(|e| parse(&e["data"]["object"].to_string()))
        .collect();
    assert_eq!(
        charges
            .iter()
            .map(|c| (c.amount_refunded, c.refunded))
            .collect::<Vec<_>>(),
        [(9900, false), (29900, true)]
    );
    for charge in &charges {
        assert_eq!(charge.id.as_str(), charge_id);
        assert_eq!(charge.metadata["campaignId"], "team-creation");
        assert_eq!(charge.metadata["recordId"], "team_1");
        assert_eq!(charge.metadata["memberId"], "m_2");
        // Not included since API version 2022-11-15 unless expanded.
        assert!(charge.refunds.is_none());
    }
    let intent: stripe_core::PaymentIntent =
        parse(&api(&sim, "GET", &format!("v1/payment_intents/{intent}"), "").await);
    assert_eq!(intent.metadata, charges[0].metadata);

    let charge: stripe_core::Charge = parse(
        &api(
            &sim,
            "GET",
            &format!("v1/charges/{charge_id}?expand[]=refunds"),
            "",
        )
        .await,
    );
    let listed = charge.refunds.expect("expanded");
    assert_eq!(
        listed.data.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        [rest.id, first.id],
        "newest first"
    );
}

#[tokio::test]
async fn refunds_are_refused_as_stripe_refuses_them() {
    let sim = common::start().await;
    let intent = paid(&sim, "", "pay").await;
    for (body, status, expected) in [
        (
            format!("payment_intent={intent}&amount=29901"),
            400,
            Some("amount_too_large"),
        ),
        (
            format!("payment_intent={intent}&amount=0"),
            400,
            Some("parameter_invalid_integer"),
        ),
        (
            format!("payment_intent={intent}&reason=changed_mind"),
            400,
            None,
        ),
        (
            "payment_intent=pi_nope".to_owned(),
            404,
            Some("resource_missing"),
        ),
        ("amount=100".to_owned(), 400, Some("parameter_missing")),
    ] {
        let answer = api_answering(&sim, "POST", "v1/refunds", &body, status).await;
        assert_eq!(code(&answer).as_deref(), expected, "{body}: {answer}");
    }
    assert!(events_of(&sim, "refund.created").is_empty());
}

#[tokio::test]
async fn a_disputed_payment_opens_a_dispute_that_evidence_wins_or_loses() {
    let sim = common::start().await;
    // The dispute test card: paid, then disputed as fraudulent.
    let intent = paid(&sim, "", "pay-disputed").await;
    let created = events_of(&sim, "charge.dispute.created");
    assert_eq!(created.len(), 1);
    let dispute: stripe_shared::Dispute = parse(&created[0]["data"]["object"].to_string());
    assert!(dispute.id.as_str().starts_with("du_"));
    assert_eq!(dispute.amount, 29900);
    assert_eq!(dispute.currency, stripe_types::Currency::AUD);
    assert_eq!(dispute.status.as_str(), "needs_response");
    assert_eq!(dispute.reason, "fraudulent");
    assert!(!dispute.livemode);
    assert_eq!(
        dispute.payment_intent.as_ref().map(|p| p.id().to_string()),
        Some(intent.clone())
    );
    let charge_id = dispute.charge.id().to_string();
    let charge: stripe_core::Charge =
        parse(&api(&sim, "GET", &format!("v1/charges/{charge_id}"), "").await);
    assert!(charge.disputed);
    // The funds are with the cardholder's bank: nothing to refund.
    let body = api_answering(
        &sim,
        "POST",
        "v1/refunds",
        &format!("payment_intent={intent}"),
        400,
    )
    .await;
    assert_eq!(code(&body).as_deref(), Some("charge_disputed"));

    // Stripe's test evidence closes it: won.
    let won: stripe_shared::Dispute = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/disputes/{}", dispute.id),
            "evidence[uncategorized_text]=winning_evidence&evidence[customer_email_address]=a%40example.com",
        )
        .await,
    );
    assert_eq!(won.status.as_str(), "won");
    assert_eq!(
        won.evidence.uncategorized_text.as_deref(),
        Some("winning_evidence")
    );
    assert_eq!(won.evidence_details.submission_count, 1);
    let closed = events_of(&sim, "charge.dispute.closed");
    assert_eq!(closed.len(), 1);
    let closed: stripe_shared::Dispute = parse(&closed[0]["data"]["object"].to_string());
    assert_eq!(
        (closed.id.clone(), closed.status.as_str()),
        (dispute.id.clone(), "won")
    );
    let read: stripe_shared::Dispute =
        parse(&api(&sim, "GET", &format!("v1/disputes/{}", dispute.id), "").await);
    assert_eq!(read.status.as_str(), "won");
    let body = api_answering(
        &sim,
        "POST",
        &format!("v1/disputes/{}/close", dispute.id),
        "",
        400,
    )
    .await;
    assert_eq!(code(&body).as_deref(), Some("dispute_already_closed"));

    // Losing evidence: lost.
    let other = paid(&sim, "", "pay-disputed").await;
    let id = events_of(&sim, "charge.dispute.created")[1]["data"]["object"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let lost: stripe_shared::Dispute = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/disputes/{id}"),
            "evidence[uncategorized_text]=losing_evidence",
        )
        .await,
    );
    assert_eq!(lost.status.as_str(), "lost");
    assert_eq!(lost.payment_intent.map(|p| p.id().to_string()), Some(other));
    let kinds: Vec<String> = sim
        .simulator
        .events()
        .iter()
        .filter_map(|e| {
            e["type"]
                .as_str()
                .filter(|t| t.starts_with("charge.dispute"))
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
            "charge.dispute.created",
            "charge.dispute.updated",
            "charge.dispute.closed",
        ]
    );
}

#[tokio::test]
async fn the_control_route_disputes_a_paid_charge_and_closing_it_loses_it() {
    let sim = common::start().await;
    // Under manual capture the dispute test card's dispute waits for the capture.
    let held = paid(
        &sim,
        "&payment_intent_data[capture_method]=manual",
        "pay-disputed",
    )
    .await;
    assert!(events_of(&sim, "charge.dispute.created").is_empty());
    api(
        &sim,
        "POST",
        &format!("v1/payment_intents/{held}/capture"),
        "",
    )
    .await;
    assert_eq!(events_of(&sim, "charge.dispute.created").len(), 1);

    // Any captured payment, disputed on request.
    let intent = paid(&sim, "", "pay").await;
    let url = format!(
        "{}_sim/disputes?payment_intent={intent}&reason=product_not_received",
        sim.api_base()
    );
    // A page on another site cannot open one.
    let (status, _, _) = call("POST", &url, "", None, &[("origin", "http://evil.example")]).await;
    assert_eq!(status, 403);
    let (status, _, body) = call("POST", &url, "", None, &[]).await;
    assert_eq!(status, 200, "{body}");
    let dispute: stripe_shared::Dispute = parse(&body);
    assert_eq!(dispute.reason, "product_not_received");
    assert_eq!(dispute.status.as_str(), "needs_response");
    let (status, _, body) = call("POST", &url, "", None, &[]).await;
    assert_eq!(status, 400, "a charge is disputed once: {body}");
    assert_eq!(code(&body).as_deref(), Some("charge_disputed"));
    // As in Stripe's API: closing accepts the dispute, which is lost.
    let closed: stripe_shared::Dispute = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/disputes/{}/close", dispute.id),
            "",
        )
        .await,
    );
    assert_eq!(closed.status.as_str(), "lost");
    let last = events_of(&sim, "charge.dispute.closed");
    assert_eq!(last.len(), 1);
    assert_eq!(last[0]["data"]["object"]["status"], "lost");
    // The same through the library, for tests that hold the simulator.
    let error = sim
        .simulator
        .open_dispute(&intent, "fraudulent")
        .expect_err("already disputed");
    assert!(error.to_string().contains("already disputed"), "{error}");
    api_answering(&sim, "GET", "v1/disputes/du_nope", "", 404).await;
}

#[tokio::test]
async fn checkout_at_a_catalog_price_or_on_a_catalog_product_with_tax_behavior() {
    let sim = common::start().await;
    api(
        &sim,
        "POST",
        "v1/products",
        "id=prodenthub_full&name=Full%20-%206%20Months",
    )
    .await;
    let price: stripe_product::Price = parse(
        &api(
            &sim,
            "POST",
            "v1/prices",
            "currency=aud&product=prodenthub_full&unit_amount=19900&lookup_key=full-aud&tax_behavior=inclusive",
        )
        .await,
    );
    assert_eq!(
        price
            .tax_behavior
            .as_ref()
            .map(|t| t.as_str().to_owned())
            .as_deref(),
        Some("inclusive")
    );

    // At the catalog price: the Price itself, its amount the session's.
    let form = format!(
        "mode=payment&line_items[0][price]={}&line_items[0][quantity]=1&ui_mode=hosted_page",
        price.id
    );
    let session: stripe_checkout::CheckoutSession =
        parse(&api(&sim, "POST", "v1/checkout/sessions", &form).await);
    assert_eq!(session.amount_total, Some(19900));
    assert_eq!(session.currency, Some(stripe_types::Currency::AUD));
    let items: stripe_types::List<stripe_shared::CheckoutSessionItem> = parse(
        &api(
            &sim,
            "GET",
            &format!("v1/checkout/sessions/{}/line_items", session.id),
            "",
        )
        .await,
    );
    assert_eq!(items.data.len(), 1);
    let item = &items.data[0];
    assert_eq!(item.amount_total, 19900);
    assert_eq!(item.description.as_deref(), Some("Full - 6 Months"));
    let item_price = item.price.as_ref().unwrap();
    assert_eq!(item_price.id, price.id);
    assert_eq!(item_price.lookup_key.as_deref(), Some("full-aud"));

    // A computed amount: price_data on the catalog Product, GST-inclusive.
    let form = "mode=payment&line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=15920\
                &line_items[0][price_data][product]=prodenthub_full&line_items[0][price_data][tax_behavior]=inclusive";
    let session: stripe_checkout::CheckoutSession =
        parse(&api(&sim, "POST", "v1/checkout/sessions", form).await);
    assert_eq!(session.amount_total, Some(15920));
    let expanded: serde_json::Value = serde_json::from_str(
        &api(
            &sim,
            "GET",
            &format!("v1/checkout/sessions/{}?expand[]=line_items", session.id),
            "",
        )
        .await,
    )
    .unwrap();
    let _: stripe_checkout::CheckoutSession = parse(&expanded.to_string());
    let inline: stripe_product::Price =
        parse(&expanded["line_items"]["data"][0]["price"].to_string());
    assert_eq!(inline.product.id().as_str(), "prodenthub_full");
    assert_eq!(inline.unit_amount, Some(15920));
    assert!(!inline.active, "a price_data Price is not the catalog's");
    assert_eq!(
        inline
            .tax_behavior
            .map(|t| t.as_str().to_owned())
            .as_deref(),
        Some("inclusive")
    );
    assert_eq!(
        expanded["line_items"]["data"][0]["description"],
        "Full - 6 Months"
    );

    // Refused as Stripe refuses them.
    let old: stripe_product::Price = parse(
        &api(
            &sim,
            "POST",
            "v1/prices",
            "currency=aud&product=prodenthub_full&unit_amount=17900&active=false",
        )
        .await,
    );
    let price_data =
        "line_items[0][price_data][currency]=aud&line_items[0][price_data][unit_amount]=100";
    for (form, expected, param) in [
        (
            format!("line_items[0][price]={}", old.id),
            None,
            "line_items[0][price]",
        ),
        (
            "line_items[0][price]=price_nope".to_owned(),
            Some("resource_missing"),
            "line_items[0][price]",
        ),
        (
            format!("{price_data}&line_items[0][price_data][product]=prod_nope"),
            Some("resource_missing"),
            "line_items[0][price_data][product]",
        ),
        (
            format!(
                "{price_data}&line_items[0][price_data][product]=prodenthub_full&line_items[0][price_data][tax_behavior]=included"
            ),
            None,
            "line_items[0][price_data][tax_behavior]",
        ),
        (
            format!("line_items[0][price]={}&{price_data}", price.id),
            None,
            "line_items[0]",
        ),
        (
            format!("line_items[0][price]={}&ui_mode=hosted", price.id),
            None,
            "ui_mode",
        ),
    ] {
        let body = api_answering(
            &sim,
            "POST",
            "v1/checkout/sessions",
            &format!("mode=payment&{form}"),
            400,
        )
        .await;
        assert_eq!(code(&body).as_deref(), expected, "{form}: {body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["error"]["param"], param, "{form}: {body}");
    }

    // A price's tax behavior is set once, from unspecified.
    let set: stripe_product::Price = parse(
        &api(
            &sim,
            "POST",
            &format!("v1/prices/{}", old.id),
            "tax_behavior=inclusive",
        )
        .await,
    );
    assert_eq!(
        set.tax_behavior.map(|t| t.as_str().to_owned()).as_deref(),
        Some("inclusive")
    );
    api_answering(
        &sim,
        "POST",
        &format!("v1/prices/{}", old.id),
        "tax_behavior=exclusive",
        400,
    )
    .await;
}
