//! A payment settles a record only if it is the payment asked for: the
//! session the record opened, the record's price in cents, AUD. For every
//! campaign, over HTTP against the embedded default: (a) a session made
//! directly on the Stripe simulator for 0.50 USD, its metadata naming the
//! record, then paid; (b) a correctly signed event for 1 cent USD through a
//! session nobody opened, and one through the record's own session for the
//! wrong amount and currency. Each leaves the record in `payment_review`
//! with nothing granted, no receipt, the hold kept and an error logged for
//! the alarm, and the journey ends in its `…PaymentNeedsReview` state.
//! (c) The payment asked for still settles.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use campaigns_contracts::records::{
    AccessGrant, CouponRecord, CouponUsage, CouponUsageStatus, DiscountPurchase, MemberStatus,
    MockExam, MockRegistration, PersonalizedPlan, PlanStatus, PurchaseStatus, RegistrationStatus,
    Scholarship, ScholarshipStatus, Team, TeamStatus,
};
use campaigns_tests::{ADMIN_TOKEN, Product, text};
use chrono::TimeDelta;
use serde_json::{Value, json};
use workflows::ExecutionStatus;

/// The webhook signing secret the product under test is given.
const SECRET: &str = "whsec_payment_verification";

async fn start() -> Product {
    captured_logs();
    Product::start_with(|options| options.stripe_webhook_secret = SECRET.into()).await
}

// --- the error log the alarm counts ---------------------------------------------

/// Every log line of this test binary at WARN and above, as the Lambda
/// functions write them (tracing's JSON format), so the tests read the very
/// field the alarm's metric filter matches: `$.fields.alarm`.
fn captured_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        tracing_subscriber::fmt()
            .json()
            .with_max_level(tracing::Level::WARN)
            .with_writer(move || Sink(sink.clone()))
            .init();
        logs
    })
}

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("the log buffer")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The errors logged for the payment-mismatch alarm about `record_id`.
fn alarms(record_id: &str) -> Vec<Value> {
    let logs = captured_logs().lock().expect("the log buffer").clone();
    String::from_utf8_lossy(&logs)
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| {
            line["fields"]["alarm"] == "payment_mismatch"
                && line["fields"]["record_id"] == record_id
        })
        .collect()
}

// --- payments that are not the one asked for ------------------------------------

/// Metadata naming what a payment is for, as our own sessions carry it.
fn naming(campaign: &str, record_id: &str, member_id: Option<&str>) -> Vec<(String, String)> {
    let mut metadata = vec![
        ("campaignId".to_owned(), campaign.to_owned()),
        ("recordId".to_owned(), record_id.to_owned()),
    ];
    if let Some(member) = member_id {
        metadata.push(("memberId".to_owned(), member.to_owned()));
    }
    metadata
}

/// Opens a session directly on the simulator (not through the product) for
/// `cents` in `currency`, its metadata naming a record, and pays it.
async fn pay_a_session_nobody_asked_for(
    product: &Product,
    metadata: &[(String, String)],
    cents: i64,
    currency: &str,
    manual_capture: bool,
) -> Value {
    let mut form = vec![
        ("mode".to_owned(), "payment".to_owned()),
        (
            "line_items[0][price_data][currency]".to_owned(),
            currency.to_owned(),
        ),
        (
            "line_items[0][price_data][unit_amount]".to_owned(),
            cents.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]".to_owned(),
            "Anything".to_owned(),
        ),
        ("line_items[0][quantity]".to_owned(), "1".to_owned()),
    ];
    for (key, value) in metadata {
        form.push((format!("metadata[{key}]"), value.clone()));
        form.push((
            format!("payment_intent_data[metadata][{key}]"),
            value.clone(),
        ));
    }
    if manual_capture {
        form.push((
            "payment_intent_data[capture_method]".to_owned(),
            "manual".to_owned(),
        ));
    }
    let response = product
        .http
        .post(format!(
            "{}/stripe/v1/checkout/sessions",
            product.embedded.base_url
        ))
        .bearer_auth("sk_test_simulator")
        .form(&form)
        .send()
        .await
        .expect("the simulator answers");
    assert!(
        response.status().is_success(),
        "the session: {}",
        response.status()
    );
    let session: Value = response.json().await.expect("a session");
    product.checkout_action(&text(&session, "url"), "pay").await;
    session
}

/// Posts a correctly signed `checkout.session.completed` for `session_id`,
/// paid `amount_total` cents in `currency`, to the product's webhook.
async fn sign_and_deliver_completion(
    product: &Product,
    metadata: &[(String, String)],
    session_id: &str,
    amount_total: i64,
    currency: &str,
) {
    let now = product.embedded.time.now().timestamp();
    let metadata: serde_json::Map<String, Value> = metadata
        .iter()
        .map(|(key, value)| (key.clone(), json!(value)))
        .collect();
    let event = json!({
        "id": format!("evt_forged_{session_id}_{amount_total}"),
        "object": "event",
        "type": "checkout.session.completed",
        "created": now,
        "data": {"object": {
            "id": session_id,
            "object": "checkout.session",
            "status": "complete",
            "payment_status": "paid",
            "payment_intent": format!("pi_forged_{session_id}"),
            "amount_total": amount_total,
            "currency": currency,
            "metadata": metadata
        }}
    });
    let body = serde_json::to_vec(&event).expect("JSON");
    let signature = campaigns_payments::sign(SECRET, now, &body);
    let response = product
        .http
        .post(format!("{}/webhook/stripe", product.embedded.api_url()))
        .header("Stripe-Signature", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("the webhook answers");
    assert_eq!(response.status(), 200, "a signed event is accepted");
}

/// The journey of `record_id` ended in the Fail state that tells ops to
/// refund or accept, and the error was logged once for the alarm.
async fn ends_in_review(product: &Product, journey: &str, record_id: &str, error: &str) {
    let ended = product.finished(journey, record_id).await;
    assert_eq!(
        (ended.status, ended.error.as_deref()),
        (ExecutionStatus::Failed, Some(error)),
        "{ended:?}"
    );
    assert!(
        ended
            .cause
            .as_deref()
            .is_some_and(|cause| cause.contains("refund") && cause.contains("accept")),
        "the cause tells ops what to decide: {ended:?}"
    );
    let logged = alarms(record_id);
    assert_eq!(logged.len(), 1, "one error for the alarm: {logged:?}");
    assert_eq!(logged[0]["level"], "ERROR");
}

async fn granted(product: &Product, grant_id: &str) -> bool {
    product
        .records()
        .get::<AccessGrant>(grant_id)
        .await
        .expect("reads")
        .is_some()
}

fn templates(product: &Product) -> Vec<String> {
    product
        .emails()
        .into_iter()
        .map(|(template, _)| template)
        .collect()
}

// --- discount purchases ----------------------------------------------------------

const PURCHASE: &str = "discount-purchase";

/// A purchase of the full plan with 20 % off ($159.20): its id and checkout.
async fn purchase(product: &Product, email: &str) -> (String, Value) {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({
                "email": email,
                "firstName": "Lena",
                "lastName": "Nguyen",
                "productId": "full-6months",
                "couponCode": "SAVE20"
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (text(&created, "purchaseId"), created["checkout"].clone())
}

/// The purchase is in review, granted nothing, and still holds its coupon use.
async fn purchase_in_review(product: &Product, purchase_id: &str) {
    ends_in_review(
        product,
        PURCHASE,
        purchase_id,
        "Purchase.PaymentNeedsReview",
    )
    .await;
    let stored = product.record::<DiscountPurchase>(purchase_id).await;
    assert_eq!(stored.status, PurchaseStatus::PaymentReview);
    assert!(stored.paid_at.is_none() && stored.payment_intent_id.is_none());
    assert!(!granted(product, &format!("grant_{purchase_id}")).await);
    let usage = product
        .record::<CouponUsage>(stored.coupon_usage_id.as_deref().expect("a use"))
        .await;
    assert_eq!(
        usage.status,
        CouponUsageStatus::Reserved,
        "the use is held for ops"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purchase_is_settled_only_by_the_payment_asked_for() {
    let product = start().await;
    product.seed_coupon("SAVE20", 100, 20).await;

    // (a) A 0.50 USD session nobody asked for, naming the $159.20 purchase.
    let (rogue, _) = purchase(&product, "rogue@example.com").await;
    pay_a_session_nobody_asked_for(&product, &naming(PURCHASE, &rogue, None), 50, "usd", false)
        .await;
    purchase_in_review(&product, &rogue).await;

    // (b) Signed events: 1 cent USD through a session nobody opened, and
    // through the purchase's own session.
    let (forged, _) = purchase(&product, "forged@example.com").await;
    let metadata = naming(PURCHASE, &forged, None);
    sign_and_deliver_completion(&product, &metadata, "cs_test_nobody_opened", 1, "usd").await;
    purchase_in_review(&product, &forged).await;
    let (underpaid, checkout) = purchase(&product, "underpaid@example.com").await;
    let own_session = text(&checkout, "sessionId");
    let metadata = naming(PURCHASE, &underpaid, None);
    sign_and_deliver_completion(&product, &metadata, &own_session, 1, "usd").await;
    purchase_in_review(&product, &underpaid).await;

    // (c) The payment asked for settles, grants and sends the receipt.
    let (honest, checkout) = purchase(&product, "honest@example.com").await;
    product
        .checkout_action(&text(&checkout, "checkoutUrl"), "pay")
        .await;
    product.succeeded(PURCHASE, &honest).await;
    assert_eq!(
        product.record::<DiscountPurchase>(&honest).await.status,
        PurchaseStatus::Paid
    );
    assert!(granted(&product, &format!("grant_{honest}")).await);
    assert!(alarms(&honest).is_empty());
    assert_eq!(
        product.emails(),
        [(
            "purchase_confirmation".to_owned(),
            "honest@example.com".to_owned()
        )],
        "a receipt for the payment asked for only"
    );
    assert_eq!(
        product.record::<CouponRecord>("SAVE20").await.usage_count,
        4,
        "three uses held for review, one confirmed"
    );

    // A second payment of the paid purchase, through another session, is
    // logged for ops to refund and changes nothing.
    pay_a_session_nobody_asked_for(
        &product,
        &naming(PURCHASE, &honest, None),
        15_920,
        "aud",
        false,
    )
    .await;
    product
        .eventually("the second payment is logged for the alarm", || async {
            !alarms(&honest).is_empty()
        })
        .await;
    assert_eq!(
        product.record::<DiscountPurchase>(&honest).await.status,
        PurchaseStatus::Paid
    );
    assert_eq!(product.emails().len(), 1, "still one receipt");
}

// --- personalized plans ----------------------------------------------------------

const PLAN: &str = "personalized-plan";

/// A cluster-2 plan ($199): its id and checkout.
async fn plan(product: &Product, email: &str) -> (String, Value) {
    let (status, created) = product
        .post(
            "/personalized-plans/create",
            &json!({
                "email": email,
                "firstName": "Sam",
                "lastName": "Lee",
                "scoreReport": {
                    "clinicalPercent": 70.0,
                    "theoryPercent": 55.0,
                    "overallPercent": 62.0,
                    "questionsAnswered": 150,
                    "questionsTotal": 150,
                    "timeUsedMinutes": 180,
                    "timeAllowedMinutes": 210
                }
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (text(&created, "planId"), created["checkout"].clone())
}

async fn plan_in_review(product: &Product, plan_id: &str) {
    ends_in_review(product, PLAN, plan_id, "Plan.PaymentNeedsReview").await;
    let stored = product.record::<PersonalizedPlan>(plan_id).await;
    assert_eq!(stored.status, PlanStatus::PaymentReview);
    assert!(stored.activated_at.is_none());
    assert!(!granted(product, &format!("grant_{plan_id}")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_is_activated_only_by_the_payment_asked_for() {
    let product = start().await;

    let (rogue, _) = plan(&product, "rogue@example.com").await;
    pay_a_session_nobody_asked_for(&product, &naming(PLAN, &rogue, None), 50, "usd", false).await;
    plan_in_review(&product, &rogue).await;

    let (forged, _) = plan(&product, "forged@example.com").await;
    let metadata = naming(PLAN, &forged, None);
    sign_and_deliver_completion(&product, &metadata, "cs_test_nobody_opened", 1, "usd").await;
    plan_in_review(&product, &forged).await;
    let (underpaid, checkout) = plan(&product, "underpaid@example.com").await;
    let metadata = naming(PLAN, &underpaid, None);
    sign_and_deliver_completion(&product, &metadata, &text(&checkout, "sessionId"), 1, "usd").await;
    plan_in_review(&product, &underpaid).await;
    assert!(
        product.emails().is_empty(),
        "no roadmap: {:?}",
        product.emails()
    );

    let (honest, checkout) = plan(&product, "honest@example.com").await;
    product
        .checkout_action(&text(&checkout, "checkoutUrl"), "pay")
        .await;
    product.succeeded(PLAN, &honest).await;
    assert_eq!(
        product.record::<PersonalizedPlan>(&honest).await.status,
        PlanStatus::Active
    );
    assert!(granted(&product, &format!("grant_{honest}")).await);
    assert_eq!(
        product.emails(),
        [("plan_activated".to_owned(), "honest@example.com".to_owned())]
    );
}

// --- scholarships ----------------------------------------------------------------

const SCHOLARSHIP: &str = "scholarship-application";

/// An application approved at once (25 %, $97): its id and access token.
async fn approved_scholarship(product: &Product, email: &str) -> (String, String) {
    let (status, applied) = product
        .post(
            "/scholarships/apply",
            &json!({
                "email": email,
                "firstName": "Amira",
                "lastName": "Haddad",
                "statement": "I study full-time while preparing for the ADC written exam.",
                "application": {
                    "householdIncome": 120000,
                    "householdSize": 2,
                    "country": "Brazil",
                    "employmentStatus": "student"
                }
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{applied}");
    let id = text(&applied, "scholarshipId");
    product
        .eventually("the application is approved", || async {
            product.record::<Scholarship>(&id).await.status == ScholarshipStatus::Approved
        })
        .await;
    (id, text(&applied, "accessToken"))
}

/// The applicant's checkout, as the frontend's pay page asks for it.
async fn scholarship_checkout(product: &Product, id: &str, token: &str) -> Value {
    let (status, session) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": SCHOLARSHIP, "recordId": id}),
            &[("X-Access-Token", token)],
        )
        .await;
    assert_eq!(status, 200, "{session}");
    session
}

async fn scholarship_in_review(product: &Product, id: &str) {
    ends_in_review(product, SCHOLARSHIP, id, "Scholarship.PaymentNeedsReview").await;
    let stored = product.record::<Scholarship>(id).await;
    assert_eq!(stored.status, ScholarshipStatus::PaymentReview);
    assert!(stored.paid_at.is_none());
    assert!(!granted(product, &format!("grant_{id}")).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scholarship_is_paid_only_by_the_payment_asked_for() {
    let product = start().await;

    let (rogue, _) = approved_scholarship(&product, "rogue@example.com").await;
    pay_a_session_nobody_asked_for(
        &product,
        &naming(SCHOLARSHIP, &rogue, None),
        50,
        "usd",
        false,
    )
    .await;
    scholarship_in_review(&product, &rogue).await;

    let (forged, _) = approved_scholarship(&product, "forged@example.com").await;
    let metadata = naming(SCHOLARSHIP, &forged, None);
    sign_and_deliver_completion(&product, &metadata, "cs_test_nobody_opened", 1, "usd").await;
    scholarship_in_review(&product, &forged).await;
    let (underpaid, token) = approved_scholarship(&product, "underpaid@example.com").await;
    let own_session = text(
        &scholarship_checkout(&product, &underpaid, &token).await,
        "sessionId",
    );
    let metadata = naming(SCHOLARSHIP, &underpaid, None);
    sign_and_deliver_completion(&product, &metadata, &own_session, 1, "usd").await;
    scholarship_in_review(&product, &underpaid).await;

    let (honest, token) = approved_scholarship(&product, "honest@example.com").await;
    let checkout = scholarship_checkout(&product, &honest, &token).await;
    product
        .checkout_action(&text(&checkout, "checkoutUrl"), "pay")
        .await;
    product.succeeded(SCHOLARSHIP, &honest).await;
    assert_eq!(
        product.record::<Scholarship>(&honest).await.status,
        ScholarshipStatus::Paid
    );
    assert!(granted(&product, &format!("grant_{honest}")).await);
    assert!(
        templates(&product).iter().all(|template| [
            "scholarship_received",
            "scholarship_approved",
            "scholarship_paid"
        ]
        .contains(&template.as_str())),
        "{:?}",
        product.emails()
    );
}

// --- premium mock-exam seats -----------------------------------------------------

const REGISTRATION: &str = "mock-exam-registration";

/// An exam three days away with ten seats at the premium price ($29).
async fn exam(product: &Product) -> String {
    let starts_at = product.embedded.time.now() + TimeDelta::days(3);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let (status, exam) = product
        .post(
            "/mock-exams",
            &json!({
                "title": "ADC Part 1 Mock Exam",
                "startsAt": starts_at.to_rfc3339(),
                "durationMinutes": 120,
                "capacity": 10,
                "passMark": 60.0,
                "sections": ["clinical", "theory"]
            }),
            &[("Authorization", bearer.as_str())],
        )
        .await;
    assert_eq!(status, 201, "{exam}");
    text(&exam, "mockExamId")
}

/// A premium registration holding a seat: its id and checkout.
async fn premium_seat(product: &Product, exam_id: &str, email: &str) -> (String, Value) {
    let (status, created) = product
        .post(
            "/mock-exams/register",
            &json!({
                "mockExamId": exam_id,
                "email": email,
                "firstName": "Priya",
                "lastName": "Kumar",
                "tier": "premium"
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (
        text(&created, "registrationId"),
        created["checkout"].clone(),
    )
}

async fn seat_in_review(product: &Product, registration_id: &str) {
    ends_in_review(
        product,
        REGISTRATION,
        registration_id,
        "MockExam.PaymentNeedsReview",
    )
    .await;
    let stored = product.record::<MockRegistration>(registration_id).await;
    assert_eq!(stored.status, RegistrationStatus::PaymentReview);
    assert!(stored.paid_at.is_none() && stored.cancelled_at.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_premium_seat_is_confirmed_only_by_the_payment_asked_for() {
    let product = start().await;
    let exam_id = exam(&product).await;

    let (rogue, _) = premium_seat(&product, &exam_id, "rogue@example.com").await;
    pay_a_session_nobody_asked_for(
        &product,
        &naming("mock-exam", &rogue, None),
        50,
        "usd",
        false,
    )
    .await;
    seat_in_review(&product, &rogue).await;

    let (forged, _) = premium_seat(&product, &exam_id, "forged@example.com").await;
    let metadata = naming("mock-exam", &forged, None);
    sign_and_deliver_completion(&product, &metadata, "cs_test_nobody_opened", 1, "usd").await;
    seat_in_review(&product, &forged).await;
    let (underpaid, checkout) = premium_seat(&product, &exam_id, "underpaid@example.com").await;
    let metadata = naming("mock-exam", &underpaid, None);
    sign_and_deliver_completion(&product, &metadata, &text(&checkout, "sessionId"), 1, "usd").await;
    seat_in_review(&product, &underpaid).await;
    assert!(product.emails().is_empty(), "{:?}", product.emails());
    assert_eq!(
        product.record::<MockExam>(&exam_id).await.registered_count,
        3,
        "the seats are held for ops"
    );

    let (honest, checkout) = premium_seat(&product, &exam_id, "honest@example.com").await;
    product
        .checkout_action(&text(&checkout, "checkoutUrl"), "pay")
        .await;
    product.succeeded(REGISTRATION, &honest).await;
    assert_eq!(
        product.record::<MockRegistration>(&honest).await.status,
        RegistrationStatus::Registered
    );
    assert_eq!(
        product.emails(),
        [(
            "mock_exam_registration".to_owned(),
            "honest@example.com".to_owned()
        )]
    );
    assert_eq!(
        product.record::<MockExam>(&exam_id).await.registered_count,
        4
    );
}

// --- team shares -----------------------------------------------------------------

const TEAM: &str = "team-creation";

/// A team of the leader and Jane ($149.50 each): its id, the leader's
/// checkout and the member ids (leader first).
async fn team(product: &Product, leader: &str) -> (String, Value, Vec<String>) {
    let (status, created) = product
        .post(
            "/teams/create",
            &json!({
                "leaderEmail": leader,
                "leaderFirstName": "John",
                "leaderLastName": "Doe",
                "country": "Australia",
                "members": [{"name": "Jane Smith", "email": format!("jane.{leader}")}]
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let members = created["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|member| text(member, "memberId"))
        .collect();
    (
        text(&created, "teamId"),
        created["checkout"].clone(),
        members,
    )
}

/// What Jane's invitation link does: asks for her share's checkout.
async fn jane_checkout(product: &Product, team_id: &str, jane: &str) -> (u16, Value) {
    let to = "jane.leader@example.com";
    product
        .eventually("Jane is invited", || async {
            product.recipients("team_invitation") == [to]
        })
        .await;
    let outbox = &product.embedded.outbox;
    let invitation = outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .find(|entry| entry.to == to)
        .expect("the invitation");
    let text = outbox.read(&invitation.id).expect("the email reads").text;
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/pay?"))
        .unwrap_or_else(|| panic!("a pay link in {text}"));
    let token = reqwest::Url::parse(link)
        .expect("a URL")
        .query_pairs()
        .find(|(key, _)| key == "token")
        .map(|(_, token)| token.into_owned())
        .expect("a token");
    product
        .post(
            &format!("/teams/{team_id}/members/{jane}/checkout"),
            &json!({}),
            &[("X-Access-Token", token.as_str())],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_authorized_for_another_amount_puts_the_team_in_review() {
    let product = start().await;
    let (team_id, _, members) = team(&product, "leader@example.com").await;
    let leader = &members[0];

    let rogue = pay_a_session_nobody_asked_for(
        &product,
        &naming(TEAM, &team_id, Some(leader)),
        50,
        "aud",
        true,
    )
    .await;
    product
        .eventually("the share is in review", || async {
            product.record::<Team>(&team_id).await.status == TeamStatus::PaymentReview
        })
        .await;
    let stored = product.record::<Team>(&team_id).await;
    assert_eq!(
        stored
            .members
            .iter()
            .map(|member| member.status)
            .collect::<Vec<_>>(),
        [MemberStatus::PaymentReview, MemberStatus::Pending]
    );
    assert_eq!(alarms(&team_id).len(), 1, "one error for the alarm");
    let (status, refused) = jane_checkout(&product, &team_id, &members[1]).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("TEAM_NOT_COLLECTING")),
        "the team stops collecting: {refused}"
    );

    // At the deadline the journey ends for ops, capturing and cancelling nothing.
    product.advance(Duration::from_secs(6 * 24 * 3600 + 60));
    let ended = product.finished(TEAM, &team_id).await;
    assert_eq!(
        (ended.status, ended.error.as_deref()),
        (
            ExecutionStatus::Failed,
            Some("Team.SharePaymentNeedsReview")
        ),
        "{ended:?}"
    );
    let stored = product.record::<Team>(&team_id).await;
    assert_eq!(stored.status, TeamStatus::PaymentReview);
    assert!(stored.activated_at.is_none());
    for member in &members {
        assert!(!granted(&product, &format!("grant_{team_id}_{member}")).await);
    }
    let session = product
        .embedded
        .app
        .payments
        .retrieve_checkout(&text(&rogue, "id"))
        .await
        .expect("the session");
    let intent = product
        .http
        .get(format!(
            "{}/stripe/v1/payment_intents/{}",
            product.embedded.base_url,
            session.payment_intent_id.expect("an intent")
        ))
        .bearer_auth("sk_test_simulator")
        .send()
        .await
        .expect("the simulator answers")
        .json::<Value>()
        .await
        .expect("an intent");
    assert_eq!(
        (&intent["status"], &intent["amount_capturable"]),
        (&json!("requires_capture"), &json!(50)),
        "the authorization is left for ops"
    );
    assert!(
        !templates(&product)
            .iter()
            .any(|template| template == "team_activated" || template == "team_expired"),
        "{:?}",
        product.emails()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shares_authorized_as_asked_still_activate_the_team() {
    let product = start().await;
    let (team_id, checkout, members) = team(&product, "leader@example.com").await;
    product
        .checkout_action(&text(&checkout, "checkoutUrl"), "pay")
        .await;
    let (status, session) = jane_checkout(&product, &team_id, &members[1]).await;
    assert_eq!(status, 200, "{session}");
    product
        .checkout_action(&text(&session, "checkoutUrl"), "pay")
        .await;
    product.succeeded(TEAM, &team_id).await;
    assert_eq!(
        product.record::<Team>(&team_id).await.status,
        TeamStatus::FullyPaid
    );
    for member in &members {
        assert!(granted(&product, &format!("grant_{team_id}_{member}")).await);
    }
    assert!(alarms(&team_id).is_empty());
}
