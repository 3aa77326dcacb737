//! The operations console over plain HTTP: its guard (loopback `Host`,
//! the admin token's cookie, same-origin forms) and what it escapes.
//! `console_browser.rs` checks the pages in Chromium.

use campaigns_tests::{ADMIN_TOKEN, Product};
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::json;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("a client")
}

/// Signs in and returns the session cookie (`name=value`).
async fn sign_in(product: &Product) -> String {
    let response = client()
        .post(format!("{}/console/login", product.embedded.base_url))
        .form(&[("token", ADMIN_TOKEN), ("next", "/console/records")])
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/console/records");
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(ADMIN_TOKEN),
        "the cookie holds a digest, not the token"
    );
    cookie.split(';').next().expect("a pair").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_is_guarded() {
    let product = Product::start().await;
    let base = &product.embedded.base_url;
    let http = client();

    let anonymous = http
        .get(format!("{base}/console/executions"))
        .send()
        .await
        .expect("answers");
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .expect("text")
            .starts_with("/console/login?next=")
    );

    let wrong = http
        .post(format!("{base}/console/login"))
        .form(&[("token", "guess")])
        .send()
        .await
        .expect("answers");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let cookie = sign_in(&product).await;
    let page = http
        .get(format!("{base}/console/executions"))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("answers");
    assert_eq!(page.status(), StatusCode::OK);

    // Another host name (DNS rebinding) is refused even with the cookie.
    let rebound = http
        .get(format!("{base}/console/executions"))
        .header("Cookie", &cookie)
        .header("Host", "attacker.example")
        .send()
        .await
        .expect("answers");
    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);

    // A form posted from another origin does nothing.
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": "x@example.com", "firstName": "X", "lastName": "Y", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let name = created["purchaseId"].as_str().expect("an id");
    let arn = format!(
        "arn:aws:states:{}:{}:execution:discount-purchase:{name}",
        workflows::REGION,
        workflows::ACCOUNT
    );
    let forged = http
        .post(format!("{base}/console/execution/stop"))
        .header("Cookie", &cookie)
        .header("Origin", "http://attacker.example")
        .form(&[("arn", arn.as_str())])
        .send()
        .await
        .expect("answers");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let without_cookie = http
        .post(format!("{base}/console/execution/stop"))
        .form(&[("arn", arn.as_str())])
        .send()
        .await
        .expect("answers");
    assert_eq!(without_cookie.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        product
            .embedded
            .engine
            .describe_execution(&arn)
            .expect("exists")
            .status,
        workflows::ExecutionStatus::Running
    );

    let stopped = http
        .post(format!("{base}/console/execution/stop"))
        .header("Cookie", &cookie)
        .header("Origin", base.as_str())
        .form(&[("arn", arn.as_str()), ("error", "Ops.Stop"), ("cause", "")])
        .send()
        .await
        .expect("answers");
    assert_eq!(stopped.status(), StatusCode::SEE_OTHER);
    let described = product
        .embedded
        .engine
        .describe_execution(&arn)
        .expect("exists");
    assert_eq!(described.status, workflows::ExecutionStatus::Aborted);
    assert_eq!(described.error.as_deref(), Some("Ops.Stop"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_are_listed_and_escaped() {
    let product = Product::start().await;
    let cookie = sign_in(&product).await;
    product.seed_coupon("<B>OLD</B>", 5, 10).await;
    let page = client()
        .get(format!(
            "{}/console/records?campaign=discount-purchase",
            product.embedded.base_url
        ))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    assert!(page.contains("&lt;B&gt;OLD&lt;/B&gt;"), "escaped");
    assert!(!page.contains("<B>OLD</B>"), "never raw");
    assert!(page.contains(r#"data-table="prodenthub-coupons""#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_records_show_their_local_times() {
    let product = Product::start().await;
    let cookie = sign_in(&product).await;
    let exam_id = product.create_exam(10, chrono::TimeDelta::days(3)).await;
    let exam = product
        .record::<campaigns_contracts::records::MockExam>(&exam_id)
        .await;
    let page = client()
        .get(format!(
            "{}/console/records?campaign=mock-exam",
            product.embedded.base_url
        ))
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    // Sydney is UTC+10 (AEST) or UTC+11 (AEDT), whatever the date.
    let (offset, abbreviation) = if page.contains(" AEDT to ") {
        (11, "AEDT")
    } else {
        (10, "AEST")
    };
    let local = exam.starts_at + chrono::TimeDelta::hours(offset);
    let shown = format!(
        "{}, {} {abbreviation}",
        local.format("%A %-d %B %Y"),
        local.format("%-I:%M %p")
    );
    assert!(page.contains("<th>local time</th>"), "{page}");
    assert!(page.contains(&shown), "{shown} in {page}");
    assert!(page.contains("(Australia/Sydney)"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_events_are_listed_and_escaped() {
    let product = Product::start().await;
    let page_url = format!("{}/console/access-events", product.embedded.base_url);
    let refused = client().get(&page_url).send().await.expect("answers");
    assert_ne!(refused.status(), StatusCode::OK, "signed in only");

    let app = &product.embedded.app;
    campaigns_app::access::grant(
        app,
        &campaigns_app::access::Grant {
            email: "<b>lena</b>@example.com",
            product: campaigns_core::catalog::ProductId::Full6Months,
            campaign: campaigns_core::campaign::CampaignId::DiscountPurchase,
            record_id: "pur_console",
            member_id: None,
            payment_intent_id: Some("pi_console"),
            starts_at: app.now(),
            months: 6,
        },
    )
    .await
    .expect("granted");
    let cookie = sign_in(&product).await;
    let page = client()
        .get(&page_url)
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    assert!(
        page.contains("AccessGranted") && page.contains("grant_pur_console.granted"),
        "{page}"
    );
    assert!(
        page.contains("&lt;b&gt;lena&lt;/b&gt;@example.com"),
        "escaped"
    );
    assert!(!page.contains("<b>lena</b>"), "never raw");
}

/// Markup and an attribute breakout, as an admin, an operator or a
/// candidate could type them.
const HOSTILE: &str = r#"<script>alert(1)</script>"onmouseover=alert(2)"#;

/// `path` of the console, signed in, as text.
async fn console_page(product: &Product, cookie: &str, path: &str) -> String {
    let response = client()
        .get(format!("{}{path}", product.embedded.base_url))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("text")
}

/// `page` shows `escaped` and never the markup or the breakout as typed.
fn shows_escaped(page: &str, escaped: &str, which: &str) {
    assert!(page.contains(escaped), "{which} shows {escaped}:\n{page}");
    assert!(
        !page.contains("<script>alert(1)") && !page.contains("\"onmouseover="),
        "{which} never shows the markup raw:\n{page}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markup_in_records_inputs_and_emails_is_shown_escaped() {
    let product = Product::start().await;
    let cookie = sign_in(&product).await;
    let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=alert(2)";

    // An admin titles an exam with it: the exam's record, and the subject
    // of the email a registered candidate gets.
    let starts_at = product.embedded.time.now() + chrono::TimeDelta::days(3);
    let (status, exam) = product
        .post(
            "/mock-exams",
            &json!({
                "title": HOSTILE,
                "startsAt": starts_at.to_rfc3339(),
                "durationMinutes": 120,
                "capacity": 10,
                "passMark": 60.0,
                "sections": ["clinical"]
            }),
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        )
        .await;
    assert_eq!(status, 201, "{exam}");
    let (status, registered) = product
        .post(
            "/mock-exams/register",
            &json!({
                "mockExamId": exam["mockExamId"],
                "email": "priya@example.com",
                "firstName": "Priya",
                "lastName": "Kumar",
                "tier": "free"
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{registered}");
    product.until_sent("mock_exam_registration").await;

    let records = console_page(&product, &cookie, "/console/records?campaign=mock-exam").await;
    shows_escaped(
        &records,
        &format!(r#"title="{escaped}""#),
        "the records' cell title",
    );
    shows_escaped(&records, &format!(">{escaped}</td>"), "the records' cell");

    let outbox = console_page(&product, &cookie, "/console/emails").await;
    shows_escaped(
        &outbox,
        &format!("You are registered: {escaped}</a>"),
        "the outbox",
    );
    let entry = product
        .embedded
        .outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .find(|entry| entry.subject.contains(HOSTILE))
        .expect("the registration email");
    let email = console_page(&product, &cookie, &format!("/console/emails/{}", entry.id)).await;
    shows_escaped(
        &email,
        &format!("<h1>You are registered: {escaped}</h1>"),
        "the email",
    );
    shows_escaped(
        &email,
        &format!("<title>You are registered: {escaped} · Campaigns console</title>"),
        "the email's title",
    );

    // An operator starts an execution (as through /sfn) with it in the input.
    let machine = workflows::state_machine_arn("personalized-plan");
    let input = json!({ "planId": HOSTILE }).to_string();
    let started = product
        .embedded
        .engine
        .start_execution(&machine, Some("hostile-input"), Some(&input))
        .await
        .expect("started");
    let page = console_page(
        &product,
        &cookie,
        &format!(
            "/console/execution?arn={}",
            started.execution_arn.replace(':', "%3A")
        ),
    )
    .await;
    // In the input, pretty-printed JSON: its quote is escaped twice.
    shows_escaped(
        &page,
        r#"&quot;planId&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;\&quot;onmouseover=alert(2)&quot;"#,
        "the execution's input",
    );
}
