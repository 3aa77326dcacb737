//! The scholarship journey end to end on the embedded default: over HTTP,
//! through the Stripe simulator's checkout page and signed webhooks, on the
//! ASL engine running `workflows/definitions/scholarship-application.asl.json`.

use std::time::Duration;

use campaigns_contracts::records::{
    AccessGrant, AccessGrantStatus, Scholarship, ScholarshipStatus,
};
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use campaigns_tests::{ADMIN_TOKEN, Product};
use serde_json::{Value, json};

const JOURNEY: &str = "scholarship-application";
const DAY: Duration = Duration::from_secs(24 * 3600);

/// 25 %: no need points, an upper-middle-income country (10), a student
/// (10), no exam yet (5). $129 less 25 % is $96.75, rounded to $97.
fn low_percentage() -> Value {
    json!({
        "householdIncome": 120000,
        "householdSize": 2,
        "country": "Brazil",
        "employmentStatus": "student",
    })
}

/// 65 %: $14,000 a person (30), Egypt (20), part-time (5), an exam at 58 %
/// (10). $129 less 65 % is $45.15, rounded to $45.
fn high_percentage() -> Value {
    json!({
        "householdIncome": 42000,
        "householdSize": 3,
        "country": "Egypt",
        "employmentStatus": "part-time",
        "latestExamScore": 58.0,
    })
}

fn apply_request(email: &str, application: Value) -> Value {
    json!({
        "email": email,
        "firstName": "Amira",
        "lastName": "Haddad",
        "application": application,
        "statement": "I work part-time while preparing for the ADC written exam.",
    })
}

struct Applied {
    id: String,
    token: String,
}

async fn apply(product: &Product, email: &str, application: Value) -> Applied {
    let (status, body) = product
        .post(
            "/scholarships/apply",
            &apply_request(email, application),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "pending_review");
    Applied {
        id: body["scholarshipId"].as_str().expect("an id").to_owned(),
        token: body["accessToken"].as_str().expect("a token").to_owned(),
    }
}

async fn scholarship(product: &Product, id: &str) -> Scholarship {
    product.record::<Scholarship>(id).await
}

/// Waits until the journey has moved the application to `status`.
async fn reaches(product: &Product, id: &str, status: ScholarshipStatus) {
    product
        .eventually(&format!("{id} is {status:?}"), || async {
            scholarship(product, id).await.status == status
        })
        .await;
}

/// Waits until the journey waits for a reviewer.
async fn under_review(product: &Product, id: &str) {
    product
        .eventually("the journey waits for a reviewer", || async {
            scholarship(product, id).await.review_task_token.is_some()
        })
        .await;
}

async fn review(product: &Product, id: &str, decision: &str, note: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "decision": decision });
    if let Some(note) = note {
        body["note"] = json!(note);
    }
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    product
        .post(
            &format!("/scholarships/{id}/review"),
            &body,
            &[("Authorization", bearer.as_str())],
        )
        .await
}

async fn checkout(product: &Product, applied: &Applied) -> (u16, Value) {
    product
        .post(
            "/checkout/create",
            &json!({"campaignId": JOURNEY, "recordId": applied.id}),
            &[("X-Access-Token", applied.token.as_str())],
        )
        .await
}

async fn checkout_url(product: &Product, applied: &Applied) -> (String, String) {
    let (status, session) = checkout(product, applied).await;
    assert_eq!(status, 200, "{session}");
    (
        session["sessionId"].as_str().expect("a session").to_owned(),
        session["checkoutUrl"].as_str().expect("a page").to_owned(),
    )
}

fn templates(product: &Product) -> Vec<String> {
    product
        .emails()
        .into_iter()
        .map(|(template, _)| template)
        .collect()
}

/// The text of the newest email sent with `template`.
fn email_text(product: &Product, template: &str) -> String {
    let outbox = &product.embedded.outbox;
    let entry = outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .find(|entry| entry.template.is_some_and(|t| t.to_string() == template))
        .unwrap_or_else(|| panic!("no {template} email"));
    outbox.read(&entry.id).expect("the email reads").text
}

/// Stripe's events of `kind` for the session `session_id`.
fn session_events(product: &Product, kind: &str, session_id: &str) -> Vec<Value> {
    product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| event["type"] == kind && event["data"]["object"]["id"] == session_id)
        .collect()
}

/// The approval email shows the record's price and pay-by date, and links
/// to the frontend's payment page for this application.
fn assert_approval_email(product: &Product, paid_for: &Scholarship) {
    let text = email_text(product, "scholarship_approved");
    assert!(
        text.contains(&format!(
            "You pay:        {}",
            paid_for.price.to_aud_string()
        )),
        "{text}"
    );
    let pay_by = paid_for.pay_by.expect("a pay-by date");
    assert!(
        text.contains(&format!(
            "Pay by:         {}",
            campaigns_core::time_zone::TimeZone::default()
                .local(pay_by)
                .text
        )),
        "the pay-by date: {text}"
    );
    assert!(
        text.contains(&format!(
            "/pay?campaignId={JOURNEY}&recordId={}",
            paid_for.scholarship_id
        )),
        "{text}"
    );
}

async fn assert_paid_with_access(product: &Product, applied: &Applied, price: Cents) {
    product.succeeded(JOURNEY, &applied.id).await;
    let paid = scholarship(product, &applied.id).await;
    assert_eq!(paid.status, ScholarshipStatus::Paid);
    assert_eq!(paid.price, price);
    let paid_at = paid.paid_at.expect("paid at");
    let access_until = paid.access_expires_at.expect("access until");
    assert_eq!(
        access_until,
        paid_at
            .checked_add_months(chrono::Months::new(3))
            .expect("in range")
    );
    let grant = product
        .embedded
        .app
        .records
        .get::<AccessGrant>(&format!("grant_{}", applied.id))
        .await
        .expect("reads")
        .expect("access was granted")
        .record;
    assert_eq!(grant.status, AccessGrantStatus::Active);
    assert_eq!(grant.product_id, ProductId::Scholarship3Months);
    assert_eq!((grant.starts_at, grant.ends_at), (paid_at, access_until));
    assert_eq!(grant.payment_intent_id, paid.payment_intent_id);
    assert!(
        grant.payment_intent_id.is_some(),
        "the grant names the payment"
    );
    let completed: Vec<_> = product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| {
            event["type"] == "checkout.session.completed"
                && event["data"]["object"]["metadata"]["recordId"] == applied.id.as_str()
        })
        .collect();
    assert_eq!(completed.len(), 1);
    assert_eq!(
        completed[0]["data"]["object"]["amount_total"],
        json!(price.0),
        "Stripe charged the record's price"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auto_approved_application_is_paid_and_granted_three_months() {
    let product = Product::start().await;
    let (status, calculated) = product
        .post("/scholarships/calculate", &low_percentage(), &[])
        .await;
    assert_eq!(status, 200, "{calculated}");
    assert_eq!(
        (
            &calculated["percentage"],
            &calculated["eligible"],
            &calculated["autoApproved"],
            &calculated["price"]
        ),
        (&json!(25), &json!(true), &json!(true), &json!(97))
    );
    assert!(
        product
            .embedded
            .engine
            .list_executions(&workflows::state_machine_arn(JOURNEY), None)
            .expect("lists")
            .is_empty(),
        "a calculation starts nothing"
    );

    let applied = apply(&product, "amira@Example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    let approved = scholarship(&product, &applied.id).await;
    assert_eq!(approved.email, "amira@example.com");
    assert_eq!(approved.price, Cents(9_700));
    assert_eq!(
        approved.pay_by.expect("a pay-by date") - approved.decided_at.expect("decided"),
        chrono::TimeDelta::days(14)
    );
    product.until_sent("scholarship_approved").await;
    assert_approval_email(&product, &approved);

    let (status, read) = product
        .get(
            &format!("/scholarships/{}", applied.id),
            Some(&applied.token),
        )
        .await;
    assert_eq!(
        (status, &read["status"]),
        (200, &json!("approved")),
        "{read}"
    );
    assert_eq!(read["price"], json!(97));
    let (status, _) = product
        .get(&format!("/scholarships/{}", applied.id), None)
        .await;
    assert_eq!(status, 401, "personal data needs the token");

    let (_, url) = checkout_url(&product, &applied).await;
    product.checkout_action(&url, "pay").await;
    assert_paid_with_access(&product, &applied, Cents(9_700)).await;
    product.until_sent("scholarship_paid").await;
    let granted = product.access_events_of(&applied.id, 1).await;
    assert_eq!(
        (granted.len(), granted[0].detail_type),
        (
            1,
            campaigns_contracts::events::AccessEventType::AccessGranted
        )
    );
    assert_eq!(
        product.emails(),
        [
            (
                "scholarship_received".to_owned(),
                "amira@example.com".to_owned()
            ),
            (
                "scholarship_approved".to_owned(),
                "amira@example.com".to_owned()
            ),
            (
                "scholarship_paid".to_owned(),
                "amira@example.com".to_owned()
            ),
        ]
    );
    let receipt = email_text(&product, "scholarship_paid");
    assert!(
        receipt.contains("Tax invoice") && receipt.contains("$97.00"),
        "{receipt}"
    );
    let (status, refused) = checkout(&product, &applied).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE")),
        "a paid application is not paid twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_a_high_percentage_application_which_is_then_paid() {
    let product = Product::start().await;
    let applied = apply(&product, "amira@example.com", high_percentage()).await;
    under_review(&product, &applied.id).await;
    let waiting = scholarship(&product, &applied.id).await;
    assert_eq!(waiting.status, ScholarshipStatus::PendingReview);
    assert_eq!(waiting.calculation.percentage, 65);
    assert_eq!(waiting.price, Cents(4_500));
    let (status, read) = product
        .get(
            &format!("/scholarships/{}", applied.id),
            Some(&applied.token),
        )
        .await;
    assert_eq!(status, 200, "{read}");
    assert!(
        read.get("reviewTaskToken").is_none(),
        "the task token is never shown: {read}"
    );
    let (status, refused) = checkout(&product, &applied).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE")),
        "no payment before a decision"
    );

    let (status, decided) = review(
        &product,
        &applied.id,
        "approve",
        Some("Income verified against the documents."),
    )
    .await;
    assert_eq!(status, 200, "{decided}");
    assert_eq!(
        decided,
        json!({"scholarshipId": applied.id, "status": "approved"})
    );
    let (status, again) = review(&product, &applied.id, "decline", None).await;
    assert_eq!(
        (status, &again["error"]["code"]),
        (409, &json!("NOT_UNDER_REVIEW")),
        "a decision is made once"
    );

    product.until_sent("scholarship_approved").await;
    let approved = scholarship(&product, &applied.id).await;
    assert_eq!(approved.status, ScholarshipStatus::Approved);
    assert_eq!(
        approved.reviewer_note.as_deref(),
        Some("Income verified against the documents.")
    );
    assert!(approved.review_task_token.is_none());
    assert_approval_email(&product, &approved);
    assert!(email_text(&product, "scholarship_approved").contains("Income verified"));

    let (_, url) = checkout_url(&product, &applied).await;
    product.checkout_action(&url, "pay").await;
    assert_paid_with_access(&product, &applied, Cents(4_500)).await;
    product.until_sent("scholarship_paid").await;
    assert_eq!(
        templates(&product),
        [
            "scholarship_received",
            "scholarship_approved",
            "scholarship_paid"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_application_gets_an_email_and_no_checkout() {
    let product = Product::start().await;
    let applied = apply(&product, "declined@example.com", high_percentage()).await;
    under_review(&product, &applied.id).await;
    let (status, decided) = review(
        &product,
        &applied.id,
        "decline",
        Some("We could not verify the household income."),
    )
    .await;
    assert_eq!((status, &decided["status"]), (200, &json!("declined")));

    product.succeeded(JOURNEY, &applied.id).await;
    let declined = scholarship(&product, &applied.id).await;
    assert_eq!(declined.status, ScholarshipStatus::Declined);
    assert!(declined.decided_at.is_some() && declined.pay_by.is_none());
    assert_eq!(
        templates(&product),
        ["scholarship_received", "scholarship_declined"]
    );
    assert!(email_text(&product, "scholarship_declined").contains("could not verify"));

    let (status, refused) = checkout(&product, &applied).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE"))
    );
    assert!(
        product.embedded.simulator.events().is_empty(),
        "no session was opened"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_nobody_reviews_in_seven_days_is_declined() {
    let product = Product::start().await;
    let applied = apply(&product, "waiting@example.com", high_percentage()).await;
    under_review(&product, &applied.id).await;

    product.advance(6 * DAY);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        scholarship(&product, &applied.id).await.status,
        ScholarshipStatus::PendingReview,
        "six days are not seven"
    );

    product.advance(DAY + Duration::from_secs(60));
    product.succeeded(JOURNEY, &applied.id).await;
    let declined = scholarship(&product, &applied.id).await;
    assert_eq!(declined.status, ScholarshipStatus::Declined);
    assert!(declined.review_task_token.is_none());
    assert_eq!(
        templates(&product),
        ["scholarship_received", "scholarship_declined"]
    );
    let (status, late) = review(&product, &applied.id, "approve", None).await;
    assert_eq!(
        (status, &late["error"]["code"]),
        (409, &json!("NOT_UNDER_REVIEW")),
        "too late to decide"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_that_never_reached_the_wait_is_followed_when_the_wait_ends() {
    let product = Product::start().await;
    let applied = apply(&product, "lost@example.com", high_percentage()).await;
    under_review(&product, &applied.id).await;
    // What the review endpoint leaves when its resume is lost: the decision
    // on the record, the token taken off it.
    product
        .embedded
        .app
        .records
        .update::<Scholarship, ()>(&applied.id, |stored| {
            stored.status = ScholarshipStatus::Approved;
            stored.decided_at = Some(chrono::Utc::now());
            stored.review_task_token = None;
            Ok(())
        })
        .await
        .expect("updates");

    product.advance(7 * DAY + Duration::from_secs(60));
    product.until_sent("scholarship_approved").await;
    let approved = scholarship(&product, &applied.id).await;
    assert_eq!(approved.status, ScholarshipStatus::Approved, "not declined");
    assert!(approved.pay_by.is_some());
    assert_eq!(
        templates(&product),
        ["scholarship_received", "scholarship_approved"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_unpaid_for_fourteen_days_expires() {
    let product = Product::start().await;
    let applied = apply(&product, "late@example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    product.until_payment_waits(&applied.id).await;
    let (session_id, _) = checkout_url(&product, &applied).await;

    product.advance(13 * DAY);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        scholarship(&product, &applied.id).await.status,
        ScholarshipStatus::Approved,
        "the session's expiry does not end the 14 days"
    );
    assert_eq!(
        session_events(&product, "checkout.session.expired", &session_id).len(),
        1,
        "the simulator expired the session after a day"
    );

    product.advance(DAY + Duration::from_secs(60));
    product.succeeded(JOURNEY, &applied.id).await;
    let expired = scholarship(&product, &applied.id).await;
    assert_eq!(expired.status, ScholarshipStatus::Expired);
    assert!(expired.paid_at.is_none());
    assert!(
        product
            .embedded
            .app
            .records
            .get::<AccessGrant>(&format!("grant_{}", applied.id))
            .await
            .expect("reads")
            .is_none(),
        "no access"
    );
    let (status, refused) = checkout(&product, &applied).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE"))
    );
    assert_eq!(
        templates(&product),
        ["scholarship_received", "scholarship_approved"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_checkout_after_the_first_session_expired_still_pays() {
    let product = Product::start().await;
    let applied = apply(&product, "later@example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    product.until_payment_waits(&applied.id).await;
    let (first, _) = checkout_url(&product, &applied).await;
    let (again, _) = checkout_url(&product, &applied).await;
    assert_eq!(first, again, "an open session is reused");

    product.advance(DAY);
    product
        .eventually("Stripe expires the first session", || async {
            !session_events(&product, "checkout.session.expired", &first).is_empty()
        })
        .await;
    let (second, url) = checkout_url(&product, &applied).await;
    assert_ne!(second, first, "a fresh session");
    let reopened = scholarship(&product, &applied.id).await;
    assert_eq!(
        (reopened.status, reopened.checkout_attempt),
        (ScholarshipStatus::Approved, 1)
    );
    assert_eq!(
        reopened.stripe_checkout_session_id.as_deref(),
        Some(second.as_str())
    );

    product.checkout_action(&url, "pay").await;
    assert_paid_with_access(&product, &applied, Cents(9_700)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_gets_a_retry_email_and_can_pay_again() {
    let product = Product::start().await;
    let applied = apply(&product, "card@example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    let (_, url) = checkout_url(&product, &applied).await;
    product.checkout_action(&url, "decline").await;
    product.until_sent("payment_failed").await;
    assert!(email_text(&product, "payment_failed").contains("$97.00 AUD"));
    assert_eq!(
        scholarship(&product, &applied.id).await.status,
        ScholarshipStatus::Approved
    );
    product.checkout_action(&url, "pay").await;
    assert_paid_with_access(&product, &applied, Cents(9_700)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_bank_debit_ends_the_approval() {
    let product = Product::start().await;
    let applied = apply(&product, "debit@example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    let (_, url) = checkout_url(&product, &applied).await;
    product.checkout_action(&url, "delayed").await;
    product.checkout_action(&url, "delayed-fail").await;
    product.succeeded(JOURNEY, &applied.id).await;
    assert_eq!(
        scholarship(&product, &applied.id).await.status,
        ScholarshipStatus::Failed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_racing_reviews_record_one_decision() {
    let product = Product::start().await;
    let applied = apply(&product, "race@example.com", high_percentage()).await;
    under_review(&product, &applied.id).await;
    let (approve, decline) = tokio::join!(
        review(&product, &applied.id, "approve", None),
        review(&product, &applied.id, "decline", None)
    );
    let mut statuses = [approve.0, decline.0];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{approve:?} {decline:?}");
    let (winner, template) = if approve.0 == 200 {
        (ScholarshipStatus::Approved, "scholarship_approved")
    } else {
        (ScholarshipStatus::Declined, "scholarship_declined")
    };
    let loser = if approve.0 == 200 {
        &decline.1
    } else {
        &approve.1
    };
    assert_eq!(loser["error"]["code"], "NOT_UNDER_REVIEW");
    product
        .eventually("the winner's email is sent", || async {
            templates(&product).len() == 2
        })
        .await;
    assert_eq!(templates(&product), ["scholarship_received", template]);
    assert_eq!(scholarship(&product, &applied.id).await.status, winner);
    let history = product
        .embedded
        .engine
        .get_execution_history(&format!(
            "arn:aws:states:{}:{}:execution:{JOURNEY}:{}",
            workflows::REGION,
            workflows::ACCOUNT,
            applied.id
        ))
        .expect("a history");
    let resumed = history
        .iter()
        .filter(|event| {
            event.event_type == "TaskSucceeded"
                && event.details["resource"] == "invoke.waitForTaskToken"
        })
        .count();
    assert_eq!(resumed, 1, "the review wait completed once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviews_need_the_admin_token_and_an_application_under_review() {
    let product = Product::start().await;
    let waiting = apply(&product, "review@example.com", high_percentage()).await;
    under_review(&product, &waiting.id).await;
    let path = format!("/scholarships/{}/review", waiting.id);
    let body = json!({"decision": "approve"});
    let (status, refused) = product.post(&path, &body, &[]).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (401, &json!("UNAUTHORIZED"))
    );
    let (status, _) = product
        .post(&path, &body, &[("Authorization", "Bearer not-the-token")])
        .await;
    assert_eq!(status, 401);
    let (status, _) = product
        .post(&path, &body, &[("X-Access-Token", waiting.token.as_str())])
        .await;
    assert_eq!(status, 401, "the applicant's token is not an admin's");
    assert_eq!(
        scholarship(&product, &waiting.id).await.status,
        ScholarshipStatus::PendingReview,
        "nothing was decided"
    );

    let automatic = apply(&product, "auto@example.com", low_percentage()).await;
    let (status, refused) = review(&product, &automatic.id, "decline", None).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_UNDER_REVIEW")),
        "{refused}"
    );
    reaches(&product, &automatic.id, ScholarshipStatus::Approved).await;
    let (status, _) = review(&product, &automatic.id, "decline", None).await;
    assert_eq!(status, 409);

    let (status, missing) = review(&product, "sch_NOSUCHAPPLICATION", "approve", None).await;
    assert_eq!(
        (status, &missing["error"]["code"]),
        (404, &json!("NOT_FOUND"))
    );
    let (status, malformed) = product
        .post(
            &path,
            &json!({"decision": "maybe"}),
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        )
        .await;
    assert_eq!(status, 400, "{malformed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_application_is_one_application() {
    let product = Product::start().await;
    let body = apply_request("retry@example.com", high_percentage());
    let key = [("Idempotency-Key", "apply-1")];
    let (status, first) = product.post("/scholarships/apply", &body, &key).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = product.post("/scholarships/apply", &body, &key).await;
    assert_eq!(
        (status, &again),
        (201, &first),
        "the first answer, replayed"
    );
    let executions = product
        .embedded
        .engine
        .list_executions(&workflows::state_machine_arn(JOURNEY), None)
        .expect("lists");
    assert_eq!(executions.len(), 1, "one journey");
    let stored: Vec<Scholarship> = product
        .embedded
        .app
        .records
        .query("email-index", "retry@example.com", None)
        .await
        .expect("queries");
    assert_eq!(stored.len(), 1, "one application");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_rules_are_refused_naming_the_field_and_change_nothing() {
    let product = Product::start().await;
    let mut unknown = low_percentage();
    unknown["country"] = json!("Narnia");
    let (status, body) = product.post("/scholarships/calculate", &unknown, &[]).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (&json!("UNKNOWN_COUNTRY"), &json!("/country"))
    );

    let (status, body) = product
        .post(
            "/scholarships/apply",
            &apply_request("a@example.com", unknown),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (&json!("UNKNOWN_COUNTRY"), &json!("/application/country"))
    );

    // 5 %: high income, a high-income country, full-time, no exam yet.
    let not_eligible = json!({
        "householdIncome": 200000,
        "householdSize": 1,
        "country": "Germany",
        "employmentStatus": "full-time",
    });
    let (status, body) = product
        .post("/scholarships/calculate", &not_eligible, &[])
        .await;
    assert_eq!(status, 200, "a calculation answers, eligible or not");
    assert_eq!(
        (&body["percentage"], &body["eligible"], &body["price"]),
        (&json!(5), &json!(false), &json!(129))
    );
    let (status, body) = product
        .post(
            "/scholarships/apply",
            &apply_request("b@example.com", not_eligible),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        (&body["error"]["code"], &body["error"]["field"]),
        (&json!("NOT_ELIGIBLE"), &json!("/application"))
    );

    let (status, body) = product
        .post("/scholarships/apply", &json!({"email": "x"}), &[])
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &json!("VALIDATION_FAILED"))
    );
    assert!(
        product
            .embedded
            .engine
            .list_executions(&workflows::state_machine_arn(JOURNEY), None)
            .expect("lists")
            .is_empty(),
        "no journey started"
    );
    for email in ["a@example.com", "b@example.com"] {
        let stored: Vec<Scholarship> = product
            .embedded
            .app
            .records
            .query("email-index", email, None)
            .await
            .expect("queries");
        assert!(stored.is_empty(), "nothing stored for {email}");
    }
    assert!(product.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_scholarship_refunded_in_part_keeps_access_and_a_won_dispute_restores_it() {
    let product = Product::start().await;
    let applied = apply(&product, "amira@example.com", low_percentage()).await;
    reaches(&product, &applied.id, ScholarshipStatus::Approved).await;
    let (_, url) = checkout_url(&product, &applied).await;
    product.checkout_action(&url, "pay").await;
    assert_paid_with_access(&product, &applied, Cents(9_700)).await;
    let grant = || async {
        product
            .record::<AccessGrant>(&format!("grant_{}", applied.id))
            .await
            .status
    };

    let (status, part) = product
        .admin_refund(JOURNEY, &applied.id, None, Some(20.0), "part")
        .await;
    assert_eq!(
        (status, &part["totalRefunded"]),
        (201, &json!(20)),
        "{part}"
    );
    product
        .eventually("the part is recorded", || async {
            scholarship(&product, &applied.id).await.amount_refunded == Some(Cents(2_000))
        })
        .await;
    assert_eq!(
        scholarship(&product, &applied.id).await.status,
        ScholarshipStatus::Paid
    );
    assert_eq!(grant().await, AccessGrantStatus::Active);
    product.until_sent("refund_issued").await;

    let paid_with = scholarship(&product, &applied.id)
        .await
        .payment_intent_id
        .expect("paid");
    let dispute = product.open_dispute(&paid_with);
    product
        .eventually("the access is suspended", || async {
            grant().await == AccessGrantStatus::Suspended
        })
        .await;
    product.close_dispute(&dispute, true).await;
    product
        .eventually("the won dispute restores it", || async {
            grant().await == AccessGrantStatus::Active
        })
        .await;
    assert_eq!(product.recipients("dispute_opened").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_lists_the_applications_waiting_for_a_decision() {
    let product = Product::start().await;
    let first = apply(&product, "first@example.com", high_percentage()).await;
    under_review(&product, &first.id).await;
    product.advance(Duration::from_secs(60));
    let second = apply(&product, "second@example.com", high_percentage()).await;
    under_review(&product, &second.id).await;
    let auto = apply(&product, "auto@example.com", low_percentage()).await;
    reaches(&product, &auto.id, ScholarshipStatus::Approved).await;

    let pending = || async {
        let (status, listed) = product.get_as_admin("/scholarships/pending").await;
        assert_eq!(status, 200, "{listed}");
        listed["scholarships"]
            .as_array()
            .expect("scholarships")
            .clone()
    };
    let listed = pending().await;
    let ids: Vec<&Value> = listed.iter().map(|s| &s["scholarshipId"]).collect();
    assert_eq!(ids, [&json!(first.id), &json!(second.id)], "oldest first");
    assert!(
        listed.iter().all(|s| s.get("reviewTaskToken").is_none()),
        "the journeys' tokens stay inside: {listed:?}"
    );

    let (status, _) = review(&product, &first.id, "approve", None).await;
    assert_eq!(status, 200);
    let ids: Vec<Value> = pending()
        .await
        .iter()
        .map(|s| s["scholarshipId"].clone())
        .collect();
    assert_eq!(ids, [json!(second.id)]);
    let (status, _) = product.get("/scholarships/pending", None).await;
    assert_eq!(status, 401, "for admins only");
}
