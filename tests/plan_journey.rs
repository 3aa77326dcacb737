//! The personalized-plan journey end to end on the embedded default: the
//! assessment, the score report uploaded through a presigned URL over HTTP,
//! the plan paid through the Stripe simulator's checkout page and signed
//! webhooks, on the ASL engine running
//! `workflows/definitions/personalized-plan.asl.json`.

use std::time::Duration;

use campaigns_contracts::records::{AccessGrant, AccessGrantStatus, PersonalizedPlan, PlanStatus};
use campaigns_core::catalog::ProductId;
use campaigns_core::cluster::{Cluster, roadmap};
use campaigns_payments::{RefundReason, RefundRequest};
use campaigns_tests::{Product, text};
use serde_json::{Value, json};

const JOURNEY: &str = "personalized-plan";

/// A score report with these section scores, everything answered in 180 of
/// 210 minutes (so no time pressure).
fn report(clinical: f64, theory: f64, overall: f64) -> Value {
    json!({
        "clinicalPercent": clinical,
        "theoryPercent": theory,
        "overallPercent": overall,
        "questionsAnswered": 150,
        "questionsTotal": 150,
        "timeUsedMinutes": 180,
        "timeAllowedMinutes": 210
    })
}

/// Clinical 14 points below theory: cluster 1 ($179, 3 months).
fn clinical_gap_report() -> Value {
    report(52.0, 66.0, 59.0)
}

/// Theory 15 points below clinical: cluster 2 ($199, 4 months).
fn theory_gap_report() -> Value {
    report(70.0, 55.0, 62.0)
}

fn plan_request(email: &str, score_report: Value) -> Value {
    json!({
        "email": email,
        "firstName": "Sam",
        "lastName": "Lee",
        "scoreReport": score_report
    })
}

async fn plan(product: &Product, id: &str) -> PersonalizedPlan {
    product.record::<PersonalizedPlan>(id).await
}

async fn plans_of(product: &Product, email: &str) -> Vec<PersonalizedPlan> {
    product
        .records()
        .query("email-index", email, None)
        .await
        .expect("queries")
}

fn executions(product: &Product) -> usize {
    product
        .embedded
        .engine
        .list_executions(&workflows::state_machine_arn(JOURNEY), None)
        .expect("lists")
        .len()
}

/// Creates a plan and returns the response.
async fn create(product: &Product, body: &Value) -> Value {
    let (status, created) = product.post("/personalized-plans/create", body, &[]).await;
    assert_eq!(status, 201, "{created}");
    created
}

/// Asks for an upload URL for `length` bytes of PDF.
async fn upload_url(product: &Product, length: usize) -> Value {
    let (status, upload) = product
        .post(
            "/personalized-plans/upload-url",
            &json!({"fileName": "adc-report.pdf", "contentType": "application/pdf", "contentLength": length}),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{upload}");
    upload
}

/// `PUT`s `body` to a presigned URL as the browser would; the HTTP status.
async fn put(product: &Product, url: &str, content_type: &str, body: Vec<u8>) -> u16 {
    product
        .http
        .put(url)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("the upload URL answers")
        .status()
        .as_u16()
}

fn uploaded(product: &Product, key: &str) -> bool {
    product.embedded.files.dir().join(key).is_file()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assessment_names_each_cluster_with_its_reasons_and_fits() {
    let product = Product::start().await;
    let mut unanswered = report(62.0, 60.0, 58.0);
    unanswered["questionsAnswered"] = json!(130);
    let cases = [
        (report(50.0, 52.0, 45.0), 4, "lowAcrossTheBoard"),
        (unanswered, 3, "timePressure"),
        (clinical_gap_report(), 1, "clinicalGap"),
        (theory_gap_report(), 2, "theoryGap"),
        (report(60.0, 60.0, 60.0), 4, "weakerSection"),
    ];
    for (score_report, cluster, rule) in cases {
        let (status, assessed) = product
            .post("/personalized-plans/assess", &score_report, &[])
            .await;
        assert_eq!(status, 200, "{assessed}");
        assert_eq!(
            (&assessed["cluster"], &assessed["rule"]),
            (&json!(cluster), &json!(rule)),
            "{score_report}"
        );
        let reasons = assessed["reasons"].as_array().expect("reasons");
        assert!(
            !reasons.is_empty() && reasons.iter().all(|reason| reason.is_string()),
            "{assessed}"
        );
        let fits = assessed["fits"].as_array().expect("fits");
        let numbers: Vec<_> = fits.iter().map(|fit| fit["cluster"].clone()).collect();
        assert_eq!(numbers, [json!(1), json!(2), json!(3), json!(4)]);
        let best = fits
            .iter()
            .max_by_key(|fit| fit["fit"].as_u64().expect("a fit score"))
            .expect("four fits");
        assert_eq!(
            best["cluster"],
            json!(cluster),
            "the recommendation fits best"
        );
        for fit in fits {
            assert!(!fit["reasons"].as_array().expect("reasons").is_empty());
            assert!(
                !fit["roadmap"]["weeks"]
                    .as_array()
                    .expect("weeks")
                    .is_empty()
            );
        }
    }
    let theory = product
        .post("/personalized-plans/assess", &theory_gap_report(), &[])
        .await
        .1;
    assert_eq!(
        (
            &theory["fits"][1]["price"],
            &theory["fits"][1]["accessMonths"]
        ),
        (&json!(199), &json!(4)),
        "each fit carries its plan's price and months"
    );
    assert!(
        theory["reasons"][0]
            .as_str()
            .expect("a reason")
            .contains("Theory 55%"),
        "{theory}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impossible_report_is_refused_naming_the_field() {
    let product = Product::start().await;
    let mut too_many = clinical_gap_report();
    too_many["questionsAnswered"] = json!(151);
    let (status, body) = product
        .post("/personalized-plans/assess", &too_many, &[])
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (
            &json!("ANSWERED_EXCEEDS_TOTAL"),
            &json!("/questionsAnswered")
        )
    );

    let mut overtime = clinical_gap_report();
    overtime["timeUsedMinutes"] = json!(211);
    let (status, body) = product
        .post(
            "/personalized-plans/create",
            &plan_request("sam@example.com", overtime),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (
            &json!("TIME_USED_EXCEEDS_ALLOWED"),
            &json!("/scoreReport/timeUsedMinutes")
        )
    );

    let (status, body) = product
        .post(
            "/personalized-plans/assess",
            &report(120.0, 60.0, 60.0),
            &[],
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], "/clinicalPercent");

    assert!(plans_of(&product, "sam@example.com").await.is_empty());
    assert_eq!(executions(&product), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_uploaded_through_its_presigned_url_goes_with_the_plan() {
    let product = Product::start().await;
    let pdf = b"%PDF-1.7 ADC score report".to_vec();
    let upload = upload_url(&product, pdf.len()).await;
    let key = text(&upload, "key");
    let month = product.embedded.time.now().format("%Y/%m").to_string();
    assert!(
        key.starts_with(&format!("score-reports/{month}/rep_")) && key.ends_with(".pdf"),
        "{key}"
    );
    assert_eq!(upload["method"], "PUT");
    assert_eq!(
        (
            &upload["headers"]["Content-Type"],
            &upload["headers"]["Content-Length"]
        ),
        (&json!("application/pdf"), &json!(pdf.len().to_string()))
    );

    let status = put(
        &product,
        &text(&upload, "uploadUrl"),
        "application/pdf",
        pdf.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        std::fs::read(product.embedded.files.dir().join(&key)).expect("stored"),
        pdf
    );

    let mut body = plan_request("sam@example.com", clinical_gap_report());
    body["scoreReportKey"] = json!(key);
    let created = create(&product, &body).await;
    let stored = plan(&product, &text(&created, "planId")).await;
    assert_eq!(stored.score_report_key.as_deref(), Some(key.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_key_never_uploaded_is_refused() {
    let product = Product::start().await;
    let never_put = text(&upload_url(&product, 100).await, "key");
    for key in [
        never_put.as_str(),
        "score-reports/2025/03/rep_01JH3Z8Q4W6T2V9K5M7N1P3R.pdf",
        "elsewhere/secret.pdf",
        "score-reports/../../secret.pdf",
    ] {
        let mut body = plan_request("sam@example.com", clinical_gap_report());
        body["scoreReportKey"] = json!(key);
        let (status, refused) = product.post("/personalized-plans/create", &body, &[]).await;
        assert_eq!(status, 422, "{key}: {refused}");
        assert_eq!(
            (&refused["error"]["code"], &refused["error"]["field"]),
            (
                &json!("SCORE_REPORT_NOT_UPLOADED"),
                &json!("/scoreReportKey")
            )
        );
    }
    assert!(plans_of(&product, "sam@example.com").await.is_empty());
    assert_eq!(executions(&product), 0);
    assert!(
        product.embedded.simulator.events().is_empty(),
        "no checkout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_that_breaks_its_url_is_refused_and_stores_nothing() {
    let product = Product::start().await;
    let pdf = b"%PDF-1.7 score".to_vec();
    let upload = upload_url(&product, pdf.len()).await;
    let (url, key) = (text(&upload, "uploadUrl"), text(&upload, "key"));

    assert_eq!(put(&product, &url, "image/png", pdf.clone()).await, 403);
    let mut longer = pdf.clone();
    longer.extend_from_slice(b" and more");
    assert_eq!(put(&product, &url, "application/pdf", longer).await, 403);
    let tampered = url.replace("contentLength=", "contentLength=9");
    assert_eq!(
        put(&product, &tampered, "application/pdf", pdf.clone()).await,
        403
    );
    assert!(!uploaded(&product, &key), "nothing stored");

    // The URL lives 15 minutes.
    product.advance(Duration::from_secs(16 * 60));
    assert_eq!(put(&product, &url, "application/pdf", pdf).await, 403);
    assert!(!uploaded(&product, &key));

    let mut body = plan_request("sam@example.com", clinical_gap_report());
    body["scoreReportKey"] = json!(key);
    let (status, refused) = product.post("/personalized-plans/create", &body, &[]).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (422, &json!("SCORE_REPORT_NOT_UPLOADED"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_plan_is_activated_for_its_cluster_with_the_roadmap_email() {
    let product = Product::start().await;
    let body = plan_request("sam.lee@Example.com", theory_gap_report());
    let (status, created) = product
        .post(
            "/personalized-plans/create",
            &body,
            &[("Idempotency-Key", "plan-1")],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (
            &created["status"],
            &created["recommendedCluster"],
            &created["selectedCluster"],
            &created["price"]
        ),
        (&json!("pending_payment"), &json!(2), &json!(2), &json!(199))
    );
    let plan_id = text(&created, "planId");
    let token = text(&created, "accessToken");
    let checkout_url = text(&created["checkout"], "checkoutUrl");
    let (status, again) = product
        .post(
            "/personalized-plans/create",
            &body,
            &[("Idempotency-Key", "plan-1")],
        )
        .await;
    assert_eq!((status, &again["planId"]), (201, &created["planId"]));
    assert_eq!(plans_of(&product, "sam.lee@example.com").await.len(), 1);

    let session = product
        .embedded
        .app
        .payments
        .retrieve_checkout(&text(&created["checkout"], "sessionId"))
        .await
        .expect("the session exists");
    assert_eq!(session.amount_total_cents, Some(19_900));

    product.checkout_action(&checkout_url, "pay").await;
    product.succeeded(JOURNEY, &plan_id).await;

    let active = plan(&product, &plan_id).await;
    assert_eq!(active.status, PlanStatus::Active);
    let activated_at = active.activated_at.expect("activatedAt");
    let expires_at = active.expires_at.expect("expiresAt");
    assert_eq!(
        Some(expires_at),
        activated_at.checked_add_months(chrono::Months::new(4)),
        "cluster 2 gives 4 months"
    );
    let grant = product
        .records()
        .get::<AccessGrant>(&format!("grant_{plan_id}"))
        .await
        .expect("reads")
        .expect("access was granted")
        .record;
    assert_eq!(
        (
            grant.product_id,
            grant.status,
            grant.starts_at,
            grant.ends_at
        ),
        (
            ProductId::Cluster2TheoryFundamentals,
            AccessGrantStatus::Active,
            activated_at,
            expires_at
        )
    );
    assert_eq!(grant.email, "sam.lee@example.com");
    assert!(grant.payment_intent_id.is_some());
    assert_eq!(grant.payment_intent_id, active.payment_intent_id);
    let granted = product.access_events_of(&plan_id, 1).await;
    assert_eq!(
        (granted.len(), granted[0].detail_type),
        (
            1,
            campaigns_contracts::events::AccessEventType::AccessGranted
        )
    );
    assert_eq!(granted[0].detail.access_ends_at, expires_at);

    let sent = product.embedded.outbox.list().expect("the outbox lists");
    assert_eq!(sent.len(), 1, "one email: {sent:?}");
    assert_eq!(sent[0].to, "sam.lee@example.com");
    let email = product.embedded.outbox.read(&sent[0].id).expect("reads");
    assert_eq!(
        email.entry.template.map(|t| t.to_string()).as_deref(),
        Some("plan_activated")
    );
    let weeks = roadmap(Cluster::TheoryFundamentals).weeks;
    assert_eq!(weeks.len(), 16);
    for week in &weeks {
        assert!(
            email.text.contains(&format!("Week {}: ", week.week)),
            "week {} in {}",
            week.week,
            email.text
        );
    }
    assert!(email.text.contains("$199.00"), "{}", email.text);

    let (status, read) = product
        .get(&format!("/personalized-plans/{plan_id}"), Some(&token))
        .await;
    assert_eq!(
        (status, &read["status"], &read["selectedCluster"]),
        (200, &json!("active"), &json!(2))
    );
    let (status, _) = product
        .get(&format!("/personalized-plans/{plan_id}"), None)
        .await;
    assert_eq!(status, 401, "personal data needs the token");

    // No more checkouts once paid.
    let (status, refused) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": "personalized-plan", "recordId": plan_id}),
            &[("X-Access-Token", &token)],
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choosing_another_cluster_charges_that_clusters_plan() {
    let product = Product::start().await;
    let mut body = plan_request("pick@example.com", clinical_gap_report());
    body["selectedCluster"] = json!(4);
    let created = create(&product, &body).await;
    assert_eq!(
        (
            &created["recommendedCluster"],
            &created["selectedCluster"],
            &created["price"]
        ),
        (&json!(1), &json!(4), &json!(249))
    );
    let plan_id = text(&created, "planId");
    let session = product
        .embedded
        .app
        .payments
        .retrieve_checkout(&text(&created["checkout"], "sessionId"))
        .await
        .expect("the session exists");
    assert_eq!(session.amount_total_cents, Some(24_900));

    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    product.succeeded(JOURNEY, &plan_id).await;
    let active = plan(&product, &plan_id).await;
    assert_eq!(
        (
            active.status,
            active.recommended_cluster,
            active.selected_cluster
        ),
        (
            PlanStatus::Active,
            Cluster::ClinicalKnowledgeGap,
            Cluster::ComprehensiveReview
        )
    );
    let grant = product
        .records()
        .get::<AccessGrant>(&format!("grant_{plan_id}"))
        .await
        .expect("reads")
        .expect("granted")
        .record;
    assert_eq!(grant.product_id, ProductId::Cluster4ComprehensiveReview);
    assert_eq!(
        Some(grant.ends_at),
        grant.starts_at.checked_add_months(chrono::Months::new(6))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_checkout_expires_the_plan() {
    let product = Product::start().await;
    let created = create(
        &product,
        &plan_request("late@example.com", clinical_gap_report()),
    )
    .await;
    let plan_id = text(&created, "planId");

    // The session lives 23 hours; a day later Stripe expires it.
    product.advance(Duration::from_secs(24 * 3600));
    product.succeeded(JOURNEY, &plan_id).await;
    let expired = plan(&product, &plan_id).await;
    assert_eq!(expired.status, PlanStatus::Expired);
    assert_eq!((expired.activated_at, expired.expires_at), (None, None));
    assert!(
        product
            .records()
            .get::<AccessGrant>(&format!("grant_{plan_id}"))
            .await
            .expect("reads")
            .is_none(),
        "no access"
    );
    assert!(product.emails().is_empty());
    let (status, refused) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": "personalized-plan", "recordId": plan_id}),
            &[("X-Access-Token", &text(&created, "accessToken"))],
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delayed_payment_that_fails_marks_the_plan_failed() {
    let product = Product::start().await;
    let created = create(
        &product,
        &plan_request("bank@example.com", theory_gap_report()),
    )
    .await;
    let plan_id = text(&created, "planId");
    let checkout_url = text(&created["checkout"], "checkoutUrl");
    product.checkout_action(&checkout_url, "delayed").await;
    assert_eq!(
        plan(&product, &plan_id).await.status,
        PlanStatus::PendingPayment,
        "a debit under way settles later"
    );
    product.checkout_action(&checkout_url, "delayed-fail").await;
    product.succeeded(JOURNEY, &plan_id).await;
    assert_eq!(plan(&product, &plan_id).await.status, PlanStatus::Failed);
    assert!(
        !product
            .emails()
            .iter()
            .any(|(template, _)| template == "plan_activated")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_gets_a_retry_email_and_can_pay_again() {
    let product = Product::start().await;
    let created = create(
        &product,
        &plan_request("declined@example.com", clinical_gap_report()),
    )
    .await;
    let plan_id = text(&created, "planId");
    let token = text(&created, "accessToken");
    let checkout_url = text(&created["checkout"], "checkoutUrl");

    product.checkout_action(&checkout_url, "decline").await;
    product.until_sent("payment_failed").await;
    assert_eq!(
        plan(&product, &plan_id).await.status,
        PlanStatus::PendingPayment
    );

    // The retry link asks for a checkout: the open session is reused.
    let (status, session) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": "personalized-plan", "recordId": plan_id}),
            &[("X-Access-Token", &token)],
        )
        .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["sessionId"], created["checkout"]["sessionId"]);
    let (status, _) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": "personalized-plan", "recordId": plan_id}),
            &[],
        )
        .await;
    assert_eq!(status, 401);

    product
        .checkout_action(&text(&session, "checkoutUrl"), "pay")
        .await;
    product.succeeded(JOURNEY, &plan_id).await;
    assert_eq!(plan(&product, &plan_id).await.status, PlanStatus::Active);
    assert_eq!(
        product.emails(),
        [
            (
                "payment_failed".to_owned(),
                "declined@example.com".to_owned()
            ),
            (
                "plan_activated".to_owned(),
                "declined@example.com".to_owned()
            )
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_after_activation_revokes_access() {
    let product = Product::start().await;
    let created = create(
        &product,
        &plan_request("refund@example.com", clinical_gap_report()),
    )
    .await;
    let plan_id = text(&created, "planId");
    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    product.finished(JOURNEY, &plan_id).await;
    let paid_with = plan(&product, &plan_id)
        .await
        .payment_intent_id
        .expect("the payment is recorded");

    product
        .embedded
        .app
        .payments
        .refund(&RefundRequest {
            record_id: plan_id.clone(),
            payment_intent_id: paid_with,
            amount_cents: None,
            key: "support".into(),
            reason: RefundReason::RequestedByCustomer,
            note: None,
        })
        .await
        .expect("Stripe refunds");
    product
        .eventually("the plan is marked refunded", || async {
            plan(&product, &plan_id).await.status == PlanStatus::Refunded
        })
        .await;
    let grant = product
        .records()
        .get::<AccessGrant>(&format!("grant_{plan_id}"))
        .await
        .expect("reads")
        .expect("the grant is kept, revoked")
        .record;
    assert_eq!(grant.status, AccessGrantStatus::Revoked);
    assert!(grant.ends_at <= product.embedded.time.now());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_change_nothing() {
    let product = Product::start().await;
    let cases = [
        (
            "/personalized-plans/create",
            json!({"email": "bad@example.com"}),
            "required",
        ),
        (
            "/personalized-plans/create",
            {
                let mut body = plan_request("bad@example.com", clinical_gap_report());
                body["selectedCluster"] = json!(5);
                body
            },
            "anyOf",
        ),
        (
            "/personalized-plans/create",
            {
                let mut body = plan_request("bad@example.com", clinical_gap_report());
                body["price"] = json!(1);
                body
            },
            "additionalProperties",
        ),
        (
            "/personalized-plans/upload-url",
            json!({"fileName": "report.txt", "contentType": "text/plain", "contentLength": 10}),
            "enum",
        ),
        (
            "/personalized-plans/upload-url",
            json!({"fileName": "report.pdf", "contentType": "application/pdf", "contentLength": 20_000_000}),
            "maximum",
        ),
    ];
    for (path, body, rule) in cases {
        let (status, refused) = product.post(path, &body, &[]).await;
        assert_eq!(status, 400, "{path} {body}: {refused}");
        assert_eq!(
            (&refused["error"]["code"], &refused["error"]["rule"]),
            (&json!("VALIDATION_FAILED"), &json!(rule)),
            "{refused}"
        );
        assert!(refused["error"]["field"].is_string(), "{refused}");
    }
    assert!(plans_of(&product, "bad@example.com").await.is_empty());
    assert_eq!(executions(&product), 0);
    assert!(product.embedded.simulator.events().is_empty());
    let (status, _) = product
        .get(
            "/personalized-plans/plan_01JH3Z8Q4W6T2V9K5M7N1P3R",
            Some("tok_00"),
        )
        .await;
    assert_eq!(status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_that_times_out_asks_stripe_and_closes_the_plan() {
    let product = Product::start().await;
    let created = create(
        &product,
        &plan_request("slow@example.com", clinical_gap_report()),
    )
    .await;
    let plan_id = text(&created, "planId");
    // A bank debit under way completes the session but settles nothing, so
    // neither a payment nor an expiry reaches the journey.
    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "delayed")
        .await;
    // The wait's timer runs from when the journey started waiting.
    product.until_payment_waits(&plan_id).await;
    product.advance(Duration::from_secs(26 * 3600));
    let finished = product.succeeded(JOURNEY, &plan_id).await;
    let history = product
        .embedded
        .engine
        .get_execution_history(&finished.execution_arn)
        .expect("a history");
    let entered: Vec<_> = history
        .iter()
        .filter(|event| event.event_type.ends_with("StateEntered"))
        .filter_map(|event| event.details["name"].as_str())
        .collect();
    assert_eq!(
        entered,
        [
            "WaitForPayment",
            "ReconcilePayment",
            "UseReconciledOutcome",
            "WasPaid",
            "ClosePlan",
            "NotPaid"
        ]
    );
    assert_eq!(plan(&product, &plan_id).await.status, PlanStatus::Expired);
    assert!(product.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_refunds_a_plan_in_two_parts_and_a_lost_dispute_ends_another() {
    let product = Product::start().await;
    let paid = |email: &'static str| {
        let product = &product;
        async move {
            let created = create(product, &plan_request(email, clinical_gap_report())).await;
            let plan_id = text(&created, "planId");
            product
                .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
                .await;
            product.finished(JOURNEY, &plan_id).await;
            plan_id
        }
    };
    let grant = |plan_id: String| {
        let product = &product;
        async move {
            product
                .record::<AccessGrant>(&format!("grant_{plan_id}"))
                .await
                .status
        }
    };

    let refunded = paid("parts@example.com").await;
    let (status, part) = product
        .admin_refund(JOURNEY, &refunded, None, Some(79.0), "part")
        .await;
    assert_eq!(status, 201, "{part}");
    product
        .eventually("the part is recorded", || async {
            plan(&product, &refunded).await.amount_refunded
                == Some(campaigns_core::money::Cents(7_900))
        })
        .await;
    assert_eq!(plan(&product, &refunded).await.status, PlanStatus::Active);
    assert_eq!(grant(refunded.clone()).await, AccessGrantStatus::Active);
    let (status, rest) = product
        .admin_refund(JOURNEY, &refunded, None, None, "rest")
        .await;
    assert_eq!((status, &rest["amount"]), (201, &json!(100)), "{rest}");
    product
        .eventually("the plan is refunded", || async {
            plan(&product, &refunded).await.status == PlanStatus::Refunded
        })
        .await;
    assert_eq!(grant(refunded.clone()).await, AccessGrantStatus::Revoked);
    assert_eq!(
        product.recipients("refund_issued"),
        ["parts@example.com", "parts@example.com"]
    );

    let disputed = paid("disputed@example.com").await;
    let paid_with = plan(&product, &disputed)
        .await
        .payment_intent_id
        .expect("paid");
    let dispute = product.open_dispute(&paid_with);
    product
        .eventually("the access is suspended", || async {
            grant(disputed.clone()).await == AccessGrantStatus::Suspended
        })
        .await;
    product.close_dispute(&dispute, false).await;
    product
        .eventually("the lost dispute ends the access", || async {
            grant(disputed.clone()).await == AccessGrantStatus::Revoked
        })
        .await;
}
