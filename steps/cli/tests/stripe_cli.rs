//! `campaigns serve` as a developer runs it with the Stripe CLI:
//! `--stripe-api-base` sends the adapter's calls to another Stripe, and
//! events delivered the way `stripe listen --forward-to …/v1/webhook/stripe`
//! delivers them (Stripe's body byte for byte, Stripe's headers, a signature
//! made with the CLI's `whsec_` secret) complete the journey they are about.
//!
//! The Stripe CLI is not run: it is not packaged in the registries the test
//! machine installs from, and `stripe listen` needs a connection to Stripe.
//! Stripe's API is stood in for by a second `campaigns stripe-sim` process,
//! because localstripe, the independent implementation the test command
//! starts, has no Checkout Sessions (1.15.10 answers
//! `POST /v1/checkout/sessions` with 404). localstripe is used for what it
//! does have: serve pointed at it really calls it, and its own signed events
//! (a Stripe implementation written by others) are accepted by the webhook.
//!
//! Each test runs the real binary as child processes and drives them over
//! HTTP only.

mod process;

use std::path::Path;
use std::time::Instant;

use campaigns_local::client::{Client, form_encode, text};
use campaigns_payments::{STRIPE_API_VERSION, sign};
use process::{Process, eventually, free_port};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "stripe-cli-admin-token";
/// The test-mode key of the Stripe that serve calls.
const STRIPE_KEY: &str = "sk_test_51StripeCliForwardingTest";
/// A secret as `stripe listen` prints it ("Your webhook signing secret is …").
const CLI_SECRET: &str = "whsec_3f1c9a6d2b8e47f0a5c1d9e3b7f2a6c4d8e0b1f5a9c3e7d2b6f0a4c8e1d5b9f3";
/// Another endpoint's secret, e.g. a dashboard endpoint's.
const OTHER_SECRET: &str = "whsec_9e2d7c1b6a5f40e3d8c2b7a1f6e5d0c4b9a3f8e2d7c1b6a5f0e4d9c3b8a2f7e1";
/// The simulator's own key, which it keeps when serve calls another Stripe.
const SIMULATOR_KEY: &str = "sk_test_simulator";

/// `campaigns serve` on `data` with `extra` arguments, on a free port; its
/// base URL once it answers and has printed its banner.
async fn serve(
    data: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
    http: &reqwest::Client,
) -> (Process, String) {
    let port = free_port().to_string();
    let data_dir = data.to_str().expect("a UTF-8 path");
    let mut args = vec!["serve", "--port", &port, "--data-dir", data_dir];
    args.extend_from_slice(extra);
    let mut serve = Process::start(&args, env, data.with_extension("serve.log"));
    let base = format!("http://127.0.0.1:{port}");
    serve.ready(http, &format!("{base}/v1/openapi.json")).await;
    eventually("serve prints its banner", || async {
        serve.log().contains("  data ")
    })
    .await;
    (serve, base)
}

/// A Stripe API in another process: `campaigns stripe-sim`, with no webhook
/// endpoint — its events would go to Stripe's side of `stripe listen`, which
/// this test plays.
async fn remote_stripe(dir: &Path, http: &reqwest::Client) -> (Process, String) {
    let port = free_port().to_string();
    let mut stripe = Process::start(
        &["stripe-sim", "--port", &port],
        &[("STRIPE_SECRET_KEY", STRIPE_KEY)],
        dir.join("remote-stripe.log"),
    );
    let url = format!("http://127.0.0.1:{port}");
    // Any page it serves: the API wants a key, this checks it is up.
    stripe.ready(http, &format!("{url}/_sim/webhooks")).await;
    (stripe, url)
}

/// `campaigns stripe-catalog sync` against the Stripe at `api`, as an operator
/// runs it once per account: checkouts sell its Products and Prices.
async fn sync_catalog(dir: &Path, api: &str) {
    let mut sync = Process::start(
        &["stripe-catalog", "sync"],
        &[("STRIPE_SECRET_KEY", STRIPE_KEY), ("STRIPE_API_BASE", api)],
        dir.join("catalog-sync.log"),
    );
    let status = sync.exits().await;
    assert!(status.success(), "the catalog sync failed:\n{}", sync.log());
}

/// `GET {api}/v1/checkout/sessions/{id}` with `key`: status and body.
async fn session(http: &reqwest::Client, api: &str, key: &str, id: &str) -> (u16, Value) {
    let response = http
        .get(format!("{api}/v1/checkout/sessions/{id}"))
        .bearer_auth(key)
        .send()
        .await
        .expect("the Stripe API answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// An event as Stripe sends it to an endpoint — and so as `stripe listen`
/// forwards it: pretty-printed JSON, `data.object` the object as the API
/// returns it.
fn stripe_event(id: &str, kind: &str, object: &Value) -> String {
    serde_json::to_string_pretty(&json!({
        "id": id,
        "object": "event",
        "api_version": STRIPE_API_VERSION,
        "created": chrono::Utc::now().timestamp(),
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null},
        "type": kind
    }))
    .expect("JSON")
}

/// What `stripe listen --forward-to {webhook}` does with an event: POSTs the
/// body as received, with the headers Stripe sent and a signature made at
/// delivery time with the CLI's secret (here `secret`). Status and body.
async fn forward(http: &reqwest::Client, webhook: &str, body: &str, secret: &str) -> (u16, Value) {
    let signature = sign(secret, chrono::Utc::now().timestamp(), body.as_bytes());
    let response = http
        .post(webhook)
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json; charset=utf-8")
        .header(
            "User-Agent",
            "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        )
        .header("Accept", "*/*; q=0.5, application/xml")
        .header("Cache-Control", "no-cache")
        .body(body.to_owned())
        .send()
        .await
        .expect("the webhook answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The status of the purchase as its buyer reads it.
async fn purchase_status(client: &Client, id: &str, token: &str) -> Value {
    let purchase = client
        .get(&format!("/purchases/{id}"), &[("X-Access-Token", token)])
        .await
        .expect("the purchase");
    purchase["status"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_forwarded_as_the_stripe_cli_does_complete_a_purchase_made_on_another_stripe() {
    let started = Instant::now();
    let temp = tempfile::tempdir().expect("a temporary directory");
    let http = reqwest::Client::new();
    let (_remote, remote) = remote_stripe(temp.path(), &http).await;
    sync_catalog(temp.path(), &remote).await;
    let (serve, base) = serve(
        &temp.path().join("data"),
        &["--stripe-api-base", &remote],
        &[
            ("ADMIN_TOKEN", ADMIN_TOKEN),
            ("STRIPE_SECRET_KEY", STRIPE_KEY),
            ("STRIPE_WEBHOOK_SECRET", CLI_SECRET),
        ],
        &http,
    )
    .await;
    let webhook = format!("{base}/v1/webhook/stripe");

    // The banner says which Stripe is used, and shows no secret.
    let banner = serve.log();
    assert!(
        banner.contains(&format!("Stripe          {remote}/v1")),
        "{banner}"
    );
    assert!(!banner.contains("Stripe (sim)"), "{banner}");
    for secret in [STRIPE_KEY, CLI_SECRET] {
        assert!(
            !banner.contains(secret),
            "the banner shows a secret:\n{banner}"
        );
    }

    // A buyer buys over HTTP; the Checkout Session is made by the other
    // Stripe, not by the simulator inside serve.
    let mut client = Client::new(&format!("{base}/v1"), ADMIN_TOKEN).expect("a client");
    client.console_sign_in().await.expect("console sign-in");
    let stamp = chrono::Utc::now().timestamp_millis();
    let code = format!("CLI{stamp}");
    client.create_coupon(&code, 5).await.expect("a coupon");
    let buyer = format!("lena.{stamp}@example.com");
    let purchase = client
        .create_purchase(&buyer, "full-6months", &code, &format!("cli-{stamp}"))
        .await
        .expect("a purchase");
    let session_id = text(&purchase.body, "/checkout/sessionId").unwrap();
    let checkout_url = purchase.checkout_url().unwrap();
    assert!(
        checkout_url.starts_with(&format!("{remote}/")),
        "{checkout_url} is not the other Stripe's page"
    );
    let (status, made) = session(&http, &remote, STRIPE_KEY, &session_id).await;
    assert_eq!(status, 200, "{made}");
    assert_eq!(made["status"], "open");
    assert_eq!(made["metadata"]["recordId"], purchase.id.as_str());
    assert_eq!(made["metadata"]["campaignId"], "discount-purchase");
    let (status, missing) =
        session(&http, &format!("{base}/stripe"), SIMULATOR_KEY, &session_id).await;
    assert_eq!(status, 404, "the simulator knows {session_id}: {missing}");
    assert_eq!(missing["error"]["code"], "resource_missing");

    // The buyer pays on the other Stripe's page. It has no endpoint to send
    // its events to: they reach serve only as `stripe listen` forwards them.
    client.pay(&checkout_url).await.expect("the buyer pays");
    let (status, paid) = session(&http, &remote, STRIPE_KEY, &session_id).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(
        (&paid["status"], &paid["payment_status"]),
        (&json!("complete"), &json!("paid"))
    );
    let payment_intent = text(&paid, "/payment_intent").unwrap();
    let completed = stripe_event(
        &format!("evt_cli{stamp}completed"),
        "checkout.session.completed",
        &paid,
    );

    // Signed with another secret: refused with the JSON error, nothing done,
    // and the event id not taken (it is accepted below as new).
    let (status, refused) = forward(&http, &webhook, &completed, OTHER_SECRET).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "INVALID_SIGNATURE", "{refused}");
    assert_eq!(refused["error"]["field"], "Stripe-Signature", "{refused}");
    assert_eq!(
        purchase_status(&client, &purchase.id, &purchase.token).await,
        "pending_payment"
    );

    // What `stripe trigger checkout.session.completed` sends: events about
    // objects the product did not create (no metadata of ours), a type it
    // does not act on among them. Acknowledged, ignored.
    let mut foreign = paid.clone();
    foreign["id"] = json!(format!("cs_test_trigger{stamp}"));
    foreign["metadata"] = json!({});
    foreign["client_reference_id"] = Value::Null;
    let foreign_intent = json!({
        "id": format!("pi_trigger{stamp}"),
        "object": "payment_intent",
        "amount": 3000,
        "currency": "usd",
        "metadata": {},
        "status": "requires_payment_method"
    });
    for (id, kind, object) in [
        ("evt_trigger1", "payment_intent.created", &foreign_intent),
        ("evt_trigger2", "checkout.session.completed", &foreign),
    ] {
        let event = stripe_event(&format!("{id}{stamp}"), kind, object);
        let (status, ack) = forward(&http, &webhook, &event, CLI_SECRET).await;
        assert_eq!(status, 200, "{kind}: {ack}");
        assert_eq!(ack, json!({"received": true, "duplicate": false}));
    }
    assert_eq!(
        purchase_status(&client, &purchase.id, &purchase.token).await,
        "pending_payment"
    );

    // The event about the buyer's session, signed with the CLI's secret:
    // accepted, and the journey completes.
    let (status, ack) = forward(&http, &webhook, &completed, CLI_SECRET).await;
    assert_eq!(status, 200, "{ack}\nserve's log:\n{}", serve.log());
    assert_eq!(ack, json!({"received": true, "duplicate": false}));
    let settled = client
        .until_status(
            &format!("/purchases/{}", purchase.id),
            &purchase.token,
            "paid",
        )
        .await
        .unwrap_or_else(|e| panic!("{e:#}\nserve's log:\n{}", serve.log()));
    assert_eq!(settled["stripeCheckoutSessionId"], session_id.as_str());
    assert_eq!(settled["paymentIntentId"], payment_intent.as_str());
    client
        .email_arrives(&buyer, "purchase_confirmation")
        .await
        .expect("the confirmation email");

    // `stripe events resend`: the same event again is acknowledged as a
    // duplicate and changes nothing.
    let (status, ack) = forward(&http, &webhook, &completed, CLI_SECRET).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack, json!({"received": true, "duplicate": true}));
    let sent = client.emails_to(&buyer).await.expect("the buyer's emails");
    assert_eq!(
        sent.iter()
            .filter(|(_, t)| t == "purchase_confirmation")
            .count(),
        1,
        "{sent:?}"
    );
    println!("forwarded events: {:?}", started.elapsed());
}

fn localstripe_url() -> String {
    std::env::var("LOCALSTRIPE_URL")
        .unwrap_or_else(|_| {
            panic!(
                "LOCALSTRIPE_URL is not set: bash tests/run.sh starts localstripe and exports it; \
                 by hand: `target/test-venv/bin/python tests/services/localstripe.py --port 0` \
                 prints the URL to export"
            )
        })
        .trim_end_matches('/')
        .to_owned()
}

/// `POST {localstripe}{path}` with a form body and the test key: status and body.
async fn localstripe_post(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, Value) {
    let body = form
        .iter()
        .map(|(name, value)| format!("{}={}", form_encode(name), form_encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let response = http
        .post(url)
        .bearer_auth(STRIPE_KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("localstripe answers");
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_localstripe_calls_it_and_accepts_its_signed_events() {
    let started = Instant::now();
    let localstripe = localstripe_url();
    let temp = tempfile::tempdir().expect("a temporary directory");
    let http = reqwest::Client::new();
    sync_catalog(temp.path(), &localstripe).await;
    let (serve, base) = serve(
        &temp.path().join("data"),
        &["--stripe-api-base", &localstripe],
        &[
            ("ADMIN_TOKEN", ADMIN_TOKEN),
            ("STRIPE_SECRET_KEY", STRIPE_KEY),
            ("STRIPE_WEBHOOK_SECRET", CLI_SECRET),
        ],
        &http,
    )
    .await;
    let banner = serve.log();
    assert!(
        banner.contains(&format!("Stripe          {localstripe}/v1")),
        "{banner}"
    );

    // An application approved at once waits for its payment.
    let mut client = Client::new(&format!("{base}/v1"), ADMIN_TOKEN).expect("a client");
    client.console_sign_in().await.expect("console sign-in");
    let stamp = chrono::Utc::now().timestamp_millis();
    let applicant = format!("amira.{stamp}@example.com");
    let application = client
        .apply_scholarship(
            &applicant,
            &json!({
                "householdIncome": 120000,
                "householdSize": 2,
                "country": "Brazil",
                "employmentStatus": "student"
            }),
        )
        .await
        .expect("an application");
    client
        .until_status(
            &format!("/scholarships/{}", application.id),
            &application.token,
            "approved",
        )
        .await
        .expect("approved");

    // Its checkout goes to localstripe, which has the catalog's Product but no
    // Checkout Sessions: the payer gets the payment provider's error, not a
    // simulator's page.
    let answer = client
        .call(
            reqwest::Method::POST,
            "/checkout/create",
            Some(&json!({"campaignId": "scholarship-application", "recordId": application.id})),
            &[("X-Access-Token", &application.token)],
        )
        .await
        .expect("an answer");
    assert_eq!(
        (answer.status, &answer.body["error"]["code"]),
        (503, &json!("SERVICE_UNAVAILABLE")),
        "{}",
        answer.body
    );
    // The call reached localstripe (a closed port would refuse the
    // connection instead): the adapter logged its answer.
    let log = serve.log();
    assert!(log.contains("404 Not Found"), "{log}");

    // localstripe delivers its own events, signed by its own code, to the
    // webhook with the CLI's secret: a declined attempt carrying the
    // application's metadata is accepted and sends the retry email.
    let (status, body) = localstripe_post(
        &http,
        &format!("{localstripe}/_config/webhooks/campaigns-stripe-cli-{stamp}"),
        &[
            ("url", &format!("{base}/v1/webhook/stripe")),
            ("secret", CLI_SECRET),
            ("events[]", "payment_intent.payment_failed"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, method) = localstripe_post(
        &http,
        &format!("{localstripe}/v1/payment_methods"),
        &[
            ("type", "card"),
            ("card[number]", "4000000000000341"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{method}");
    let (status, declined) = localstripe_post(
        &http,
        &format!("{localstripe}/v1/payment_intents"),
        &[
            ("amount", "29900"),
            ("currency", "aud"),
            ("confirm", "true"),
            ("payment_method", method["id"].as_str().unwrap()),
            ("metadata[campaignId]", "scholarship-application"),
            ("metadata[recordId]", &application.id),
        ],
    )
    .await;
    assert_eq!(status, 402, "{declined}");
    client
        .email_arrives(&applicant, "payment_failed")
        .await
        .unwrap_or_else(|e| panic!("{e:#}\nserve's log:\n{}", serve.log()));
    // A declined attempt does not end the wait: the applicant may pay again.
    let application_now = client
        .get(
            &format!("/scholarships/{}", application.id),
            &[("X-Access-Token", &application.token)],
        )
        .await
        .expect("the application");
    assert_eq!(application_now["status"], "approved");
    println!("localstripe: {:?}", started.elapsed());
}

#[tokio::test]
async fn a_live_key_is_refused_and_not_shown() {
    let temp = tempfile::tempdir().expect("a temporary directory");
    for (n, key) in ["sk_live_51LiveSecretValue", "rk_live_51LiveSecretValue"]
        .into_iter()
        .enumerate()
    {
        let data = temp.path().join(format!("data-{n}"));
        let port = free_port().to_string();
        let mut serve = Process::start(
            &[
                "serve",
                "--port",
                &port,
                "--data-dir",
                data.to_str().unwrap(),
                "--stripe-api-base",
                "https://api.stripe.com",
            ],
            &[("STRIPE_SECRET_KEY", key)],
            temp.path().join(format!("serve-{n}.log")),
        );
        let status = serve.exits().await;
        let log = serve.log();
        assert!(!status.success(), "{log}");
        assert!(log.contains("live-mode key"), "{log}");
        assert!(log.contains("must not take real money"), "{log}");
        assert!(
            !log.contains("51LiveSecretValue"),
            "the key is shown:\n{log}"
        );
        assert!(!data.exists(), "serve made its data directory");
    }
}
