//! The edges of HTTP on the local server, over real HTTP on 127.0.0.1: who
//! may call what changes state (`Host` against DNS rebinding, `Origin`
//! against pages on other sites), how large an upload may be, what every
//! refusal answers, which origin CORS names, and a webhook signature whose
//! timestamp no arithmetic may choke on.

use std::net::{Ipv4Addr, SocketAddr};

use campaigns_contracts::api::MAX_SCORE_REPORT_BYTES;
use campaigns_contracts::records::{DiscountPurchase, PaymentWait, PurchaseStatus, WebhookEvent};
use campaigns_tests::{Product, text};
use reqwest::redirect::Policy;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

const REBOUND: &str = "rebind.attacker.example";
const FOREIGN_ORIGIN: &str = "http://rebind.attacker.example";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client")
}

/// POSTs to `path` a body declared 3 MiB long, of which only a few bytes
/// are sent: the refusal must come from the declared length, before the
/// body is read. (Sending all of it races the server's early answer.)
async fn declared_too_large(base: &str, path: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let authority = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(authority)
        .await
        .expect("connects");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{{\"email\":",
        3 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.expect("writes");
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("answered without the body")
    .expect("reads");
    let answer = String::from_utf8_lossy(&answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = answer
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null);
    (status, body)
}

/// The status and the JSON body of an answer (Null when it is not JSON).
async fn answer(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Asserts the answer is the API's error body with `code`.
async fn refused(request: RequestBuilder, status: StatusCode, code: &str) -> Value {
    let (got, body) = answer(request).await;
    assert_eq!(got, status, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body
}

fn sfn(product: &Product, operation: &str, input: &Value) -> RequestBuilder {
    client()
        .post(format!("{}/sfn", product.embedded.base_url))
        .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
        .header("Content-Type", "application/x-amz-json-1.0")
        .body(input.to_string())
}

fn purchase_machine() -> String {
    format!(
        "arn:aws:states:{}:{}:stateMachine:discount-purchase",
        workflows::REGION,
        workflows::ACCOUNT
    )
}

/// A purchase whose journey waits for its payment: its id, checkout URL and task token.
async fn waiting_purchase(product: &Product, email: &str) -> (String, String, String) {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": email, "firstName": "Lena", "lastName": "Nguyen", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = text(&created, "purchaseId");
    let checkout = text(&created["checkout"], "checkoutUrl");
    product.until_payment_waits(&id).await;
    let token = product
        .record::<PaymentWait>(&id)
        .await
        .task_token
        .expect("the journey waits with a token");
    (id, checkout, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebound_host_reaches_nothing_that_changes_state() {
    let product = Product::start().await;
    let base = &product.embedded.base_url;
    let (purchase, _, token) = waiting_purchase(&product, "lena@example.com").await;
    let started_before = product
        .embedded
        .engine
        .list_executions(&purchase_machine(), None)
        .expect("lists")
        .len();

    // What an anonymous page could do through DNS rebinding: pay an unpaid
    // purchase, start a free one, read the journeys.
    let output = json!({"status": "paid"}).to_string();
    for (operation, input) in [
        (
            "SendTaskSuccess",
            json!({"taskToken": token, "output": output}),
        ),
        (
            "StartExecution",
            json!({"stateMachineArn": purchase_machine(), "input": json!({"free": true}).to_string()}),
        ),
        (
            "ListExecutions",
            json!({"stateMachineArn": purchase_machine()}),
        ),
    ] {
        refused(
            sfn(&product, operation, &input).header("Host", REBOUND),
            StatusCode::FORBIDDEN,
            "HOST_NOT_ALLOWED",
        )
        .await;
    }
    refused(
        client()
            .post(format!("{base}/stripe/_sim/webhooks/hold"))
            .header("Host", format!("{REBOUND}:80")),
        StatusCode::FORBIDDEN,
        "HOST_NOT_ALLOWED",
    )
    .await;
    refused(
        client()
            .post(format!("{base}/v1/purchases/create"))
            .header("Host", REBOUND)
            .json(&json!({"email": "x@example.com", "firstName": "X", "lastName": "Y", "productId": "full-6months"})),
        StatusCode::FORBIDDEN,
        "HOST_NOT_ALLOWED",
    )
    .await;
    refused(
        client()
            .put(format!("{base}/uploads/reports/x.pdf"))
            .header("Host", REBOUND)
            .body("%PDF"),
        StatusCode::FORBIDDEN,
        "HOST_NOT_ALLOWED",
    )
    .await;

    assert_eq!(
        product.record::<DiscountPurchase>(&purchase).await.status,
        PurchaseStatus::PendingPayment
    );
    assert_eq!(
        product
            .embedded
            .engine
            .list_executions(&purchase_machine(), None)
            .expect("lists")
            .len(),
        started_before
    );
    assert!(!product.embedded.simulator.deliveries_held());

    // The names of this machine pass.
    let port = product
        .embedded
        .base_url
        .rsplit(':')
        .next()
        .expect("a port");
    for host in [format!("localhost:{port}"), format!("127.0.0.1:{port}")] {
        let (status, listed) = answer(
            sfn(
                &product,
                "ListExecutions",
                &json!({"stateMachineArn": purchase_machine()}),
            )
            .header("Host", host),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{listed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_on_another_origin_drives_neither_the_simulator_nor_sfn() {
    let product = Product::start().await;
    let base = product.embedded.base_url.as_str();
    let simulator = &product.embedded.simulator;

    // The simulator's control endpoints take no cross-origin simple POST.
    for hook in [
        "webhooks/hold",
        "webhooks/release",
        "clock/advance?seconds=90000",
    ] {
        refused(
            client()
                .post(format!("{base}/stripe/_sim/{hook}"))
                .header("Origin", FOREIGN_ORIGIN),
            StatusCode::FORBIDDEN,
            "ORIGIN_NOT_ALLOWED",
        )
        .await;
    }
    assert!(!simulator.deliveries_held());
    let (status, _) = answer(
        client()
            .post(format!("{base}/stripe/_sim/webhooks/hold"))
            .header("Origin", base),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(simulator.deliveries_held());
    simulator.release_deliveries();

    // Nor /sfn.
    refused(
        sfn(
            &product,
            "StartExecution",
            &json!({"stateMachineArn": purchase_machine(), "input": "{\"free\": true}"}),
        )
        .header("Origin", FOREIGN_ORIGIN),
        StatusCode::FORBIDDEN,
        "ORIGIN_NOT_ALLOWED",
    )
    .await;

    // The payer's "Pay" form on the checkout page is the page's own origin:
    // it works; the same form posted from another site does nothing.
    let (purchase, checkout, _) = waiting_purchase(&product, "ada@example.com").await;
    refused(
        client()
            .post(format!("{checkout}/pay"))
            .header("Origin", FOREIGN_ORIGIN),
        StatusCode::FORBIDDEN,
        "ORIGIN_NOT_ALLOWED",
    )
    .await;
    let page = client()
        .get(&checkout)
        .send()
        .await
        .expect("the page answers")
        .text()
        .await
        .expect("a page");
    assert!(page.contains("/pay\""), "the session is still open: {page}");
    let paid = client()
        .post(format!("{checkout}/pay"))
        .header("Origin", base)
        .send()
        .await
        .expect("the form answers");
    assert!(paid.status().is_redirection(), "{}", paid.status());
    product.succeeded("discount-purchase", &purchase).await;
    assert_eq!(
        product.record::<DiscountPurchase>(&purchase).await.status,
        PurchaseStatus::Paid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulator_served_alone_keeps_the_same_guard() {
    let running = stripe_sim::spawn(
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        stripe_sim::SimConfig::default(),
    )
    .await
    .expect("the simulator starts");
    let hold = format!("http://{}/_sim/webhooks/hold", running.addr);
    refused(
        client().post(&hold).header("Host", REBOUND),
        StatusCode::FORBIDDEN,
        "HOST_NOT_ALLOWED",
    )
    .await;
    refused(
        client().post(&hold).header("Origin", FOREIGN_ORIGIN),
        StatusCode::FORBIDDEN,
        "ORIGIN_NOT_ALLOWED",
    )
    .await;
    assert!(!running.simulator.deliveries_held());
    let (status, _) = answer(client().post(&hold)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(running.simulator.deliveries_held());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_timestamps_at_the_edges_of_i64_are_refused_with_the_error_body() {
    let product = Product::start().await;
    let url = format!("{}/webhook/stripe", product.embedded.api_url());
    for (i, t) in [
        "-9223372036854775808",
        "9223372036854775807",
        "99999999999999999999999",
        "-99999999999999999999999",
        "soon",
    ]
    .into_iter()
    .enumerate()
    {
        let event = format!("evt_edge_{i}");
        let payload = json!({
            "id": event,
            "object": "event",
            "type": "checkout.session.completed",
            "created": 1_700_000_000,
            "data": {"object": {"id": "cs_test_edge", "object": "checkout.session", "payment_status": "paid"}}
        });
        let body = refused(
            client()
                .post(&url)
                .header("Stripe-Signature", format!("t={t},v1=00"))
                .json(&payload),
            StatusCode::BAD_REQUEST,
            "INVALID_SIGNATURE",
        )
        .await;
        assert_eq!(body["error"]["field"], "Stripe-Signature", "{body}");
        assert!(
            product
                .records()
                .get::<WebhookEvent>(&event)
                .await
                .expect("reads")
                .is_none(),
            "t={t}: nothing is recorded"
        );
    }
}

/// An upload URL the API issues for a PDF of `length` bytes: (URL, key).
async fn upload_url(product: &Product, length: u64) -> Result<(String, String), Value> {
    let (status, issued) = product
        .post(
            "/personalized-plans/upload-url",
            &json!({"fileName": "report.pdf", "contentType": "application/pdf", "contentLength": length}),
            &[],
        )
        .await;
    if status != 200 {
        return Err(issued);
    }
    Ok((text(&issued, "uploadUrl"), text(&issued, "key")))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_take_exactly_what_the_api_issues_urls_for() {
    let product = Product::start().await;
    let stored = |key: &str| product.embedded.files.dir().join(key).is_file();
    let put = |url: &str, length: u64| {
        client()
            .put(url)
            .header("Content-Type", "application/pdf")
            .body(vec![b'%'; usize::try_from(length).expect("fits")])
    };

    // 9.9 MB, far above axum's 2 MiB default, and the largest report.
    for length in [MAX_SCORE_REPORT_BYTES * 99 / 100, MAX_SCORE_REPORT_BYTES] {
        let (url, key) = upload_url(&product, length).await.expect("issued");
        let response = put(&url, length).send().await.expect("answers");
        assert_eq!(response.status(), StatusCode::OK, "{length} bytes");
        assert!(stored(&key), "{length} bytes stored");
    }

    // One byte more than the largest: no URL for it, and no upload of it.
    let refusal = upload_url(&product, MAX_SCORE_REPORT_BYTES + 1)
        .await
        .expect_err("not issued");
    assert_eq!(refusal["error"]["field"], "/contentLength", "{refusal}");
    let (url, key) = upload_url(&product, MAX_SCORE_REPORT_BYTES)
        .await
        .expect("issued");
    refused(
        put(&url, MAX_SCORE_REPORT_BYTES + 1),
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    assert!(!stored(&key));

    // A body that is not the one signed is refused in the error body too.
    refused(put(&url, 10), StatusCode::FORBIDDEN, "UPLOAD_FORBIDDEN").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_of_the_router_is_the_json_error_body() {
    let product = Product::start().await;
    let base = product.embedded.base_url.as_str();
    let http = client();

    refused(
        http.get(format!("{base}/v1/purchases/%FF%FE")),
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
    )
    .await;
    refused(
        http.put(format!("{base}/uploads/reports/%FF.pdf")),
        StatusCode::BAD_REQUEST,
        "BAD_REQUEST",
    )
    .await;
    refused(
        http.get(format!("{base}/nowhere")),
        StatusCode::NOT_FOUND,
        "ROUTE_NOT_FOUND",
    )
    .await;
    refused(
        http.get(format!("{base}/v1/nowhere")),
        StatusCode::NOT_FOUND,
        "ROUTE_NOT_FOUND",
    )
    .await;
    for (method, url) in [
        (Method::DELETE, format!("{base}/v1/purchases/create")),
        (Method::GET, format!("{base}/sfn")),
        (Method::GET, format!("{base}/uploads/reports/x.pdf")),
    ] {
        let response = http
            .request(method.clone(), &url)
            .send()
            .await
            .expect("answers");
        assert!(
            response.headers().contains_key("allow"),
            "{method} {url} names the methods it takes"
        );
        refused(
            http.request(method, &url),
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        )
        .await;
    }
    let (status, body) = declared_too_large(base, "/v1/purchases/create").await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (413, &json!("PAYLOAD_TOO_LARGE")),
        "{body}"
    );
    refused(
        http.post(format!("{base}/console/login"))
            .json(&json!({"token": "x"})),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_allows_the_frontends_origin_without_its_path() {
    let product = Product::start_with(|options| {
        options.frontend_url = Some("http://localhost:3000/campaigns/offers/".into());
    })
    .await;
    let url = format!("{}/purchases/create", product.embedded.api_url());
    let preflight = client()
        .request(Method::OPTIONS, &url)
        .header("Origin", "http://localhost:3000")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,idempotency-key",
        )
        .send()
        .await
        .expect("answers");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let read = client()
        .get(format!("{}/openapi.json", product.embedded.api_url()))
        .header("Origin", "http://localhost:3000")
        .send()
        .await
        .expect("answers");
    assert_eq!(
        read.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let other = client()
        .get(format!("{}/openapi.json", product.embedded.api_url()))
        .header("Origin", "http://localhost:4000")
        .send()
        .await
        .expect("answers");
    // Another origin is not echoed: the browser finds the frontend's there.
    assert_eq!(
        other.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
}
