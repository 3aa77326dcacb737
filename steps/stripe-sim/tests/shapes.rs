//! Every object, event and error the simulator returns parses with async-stripe's own
//! generated types (strict about required fields): the check that our shapes are Stripe's.

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
