//! The mock-exam lifecycle end to end on the embedded default: an admin
//! schedules an exam, candidates register (free at once, premium through the
//! Stripe simulator), the reminder run fires 24 h before the exam and the
//! results run after it, all on the virtual clock.

use std::time::Duration;

use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, RegistrationStatus, RegistrationTier,
};
use campaigns_tests::{ADMIN_TOKEN, Product, capture_emf, emf_about, text};
use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};

const REGISTRATION: &str = "mock-exam-registration";
const REMINDERS: &str = "mock-exam-reminders";
const RESULTS: &str = "mock-exam-results";
const DAY: Duration = Duration::from_secs(24 * 3600);

fn admin() -> [(&'static str, String); 1] {
    [("Authorization", format!("Bearer {ADMIN_TOKEN}"))]
}

/// An exam starting `starts_in` from now, lasting two hours.
async fn create_exam(product: &Product, capacity: u32, starts_in: TimeDelta) -> Value {
    let starts_at = product.embedded.time.now() + starts_in;
    let [(name, value)] = admin();
    let (status, exam) = product
        .post(
            "/mock-exams",
            &json!({
                "title": "ADC Part 1 Mock Exam",
                "startsAt": starts_at.to_rfc3339(),
                "durationMinutes": 120,
                "capacity": capacity,
                "passMark": 60.0,
                "sections": ["clinical", "theory"]
            }),
            &[(name, &value)],
        )
        .await;
    assert_eq!(status, 201, "{exam}");
    exam
}

fn time(body: &Value, field: &str) -> DateTime<Utc> {
    text(body, field).parse().expect("a timestamp")
}

async fn register(product: &Product, exam_id: &str, email: &str, tier: &str) -> (u16, Value) {
    product
        .post(
            "/mock-exams/register",
            &json!({
                "mockExamId": exam_id,
                "email": email,
                "firstName": "Priya",
                "lastName": "Kumar",
                "tier": tier
            }),
            &[],
        )
        .await
}

/// A free registration that succeeded and sent its email.
async fn registered(product: &Product, exam_id: &str, email: &str) -> Value {
    let (status, created) = register(product, exam_id, email, "free").await;
    assert_eq!(status, 201, "{created}");
    let registration_id = text(&created, "registrationId");
    product.succeeded(REGISTRATION, &registration_id).await;
    created
}

/// A premium registration, paid on the simulator's checkout page.
async fn paid(product: &Product, exam_id: &str, email: &str) -> Value {
    let (status, created) = register(product, exam_id, email, "premium").await;
    assert_eq!(status, 201, "{created}");
    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    product
        .succeeded(REGISTRATION, &text(&created, "registrationId"))
        .await;
    created
}

async fn exam(product: &Product, exam_id: &str) -> MockExam {
    product.record::<MockExam>(exam_id).await
}

async fn registration(product: &Product, registration_id: &str) -> MockRegistration {
    product.record::<MockRegistration>(registration_id).await
}

/// The execution the schedule named `schedule` started, once it has fired.
async fn fired(product: &Product, schedule: &str) -> String {
    let engine = &product.embedded.engine;
    product
        .eventually("the schedule fires", || async {
            engine
                .get_schedule(schedule)
                .is_ok_and(|s| s.execution_arn.is_some())
        })
        .await;
    let arn = engine
        .get_schedule(schedule)
        .expect("the schedule")
        .execution_arn
        .expect("fired");
    arn.rsplit(':').next().expect("a name").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_schedules_an_exam_and_a_free_seat_is_registered_at_once() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 3, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let starts_at = time(&exam_body, "startsAt");
    let ends_at = time(&exam_body, "endsAt");
    assert_eq!(ends_at - starts_at, TimeDelta::minutes(120));
    // Sydney's unless the admin says otherwise; the date is Sydney's day.
    assert_eq!(exam_body["timeZone"], json!("Australia/Sydney"));
    let (status, listed) = product.get("/mock-exams", None).await;
    assert_eq!(status, 200, "{listed}");
    let summary = &listed["exams"][0];
    assert_eq!(summary["mockExamId"], json!(exam_id));
    assert_eq!(
        text(&summary["startsAtLocal"], "dateTime")[..10],
        text(&exam_body, "examDate")
    );
    assert_eq!(
        exam_body["startsAtLocal"], summary["startsAtLocal"],
        "the answer reads its times as the list does"
    );
    assert_eq!(
        (
            &exam_body["premiumPrice"],
            &exam_body["registeredCount"],
            &exam_body["status"]
        ),
        (&json!(29), &json!(0), &json!("scheduled"))
    );

    // Its two runs are scheduled: 24 h before the start, an hour after the end.
    let engine = &product.embedded.engine;
    let reminder = engine
        .get_schedule(&format!("{REMINDERS}-{exam_id}"))
        .expect("the reminder run is scheduled");
    assert_eq!(reminder.at, starts_at - TimeDelta::hours(24));
    assert_eq!(
        reminder.state_machine_arn,
        workflows::state_machine_arn(REMINDERS)
    );
    let results = engine
        .get_schedule(&format!("{RESULTS}-{exam_id}"))
        .expect("the results run is scheduled");
    assert_eq!(results.at, ends_at + TimeDelta::hours(1));

    // Upcoming exams, soonest first; a past one is not offered.
    let sooner = create_exam(&product, 50, TimeDelta::days(2)).await;
    let mut past: MockExam = serde_json::from_value(exam_body.clone()).expect("an exam");
    past.mock_exam_id = "mex_PAST".into();
    past.starts_at = product.embedded.time.now() - TimeDelta::hours(1);
    product.records().insert(&past).await.expect("stored");
    let (status, listed) = product.get("/mock-exams", None).await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&Value> = listed["exams"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|exam| &exam["mockExamId"])
        .collect();
    assert_eq!(ids, [&sooner["mockExamId"], &exam_body["mockExamId"]]);
    assert_eq!(listed["exams"][1]["seatsLeft"], json!(3));

    let created = registered(&product, &exam_id, "priya.k@Example.com").await;
    assert_eq!(
        (&created["status"], created.get("checkout")),
        (&json!("registered"), None)
    );
    let registration_id = text(&created, "registrationId");
    let token = text(&created, "accessToken");
    assert_eq!(
        product.emails(),
        [(
            "mock_exam_registration".to_owned(),
            "priya.k@example.com".to_owned()
        )]
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 1);
    let (_, listed) = product.get("/mock-exams", None).await;
    assert_eq!(listed["exams"][1]["seatsLeft"], json!(2));

    let path = format!("/mock-exams/registrations/{registration_id}");
    let (status, read) = product.get(&path, Some(&token)).await;
    assert_eq!(
        (status, &read["status"], &read["tier"]),
        (200, &json!("registered"), &json!("free"))
    );
    assert_eq!(product.get(&path, None).await.0, 401);
    let (status, _) = product
        .get(
            &path,
            Some(&product.embedded.app.tokens.issue("registration:other")),
        )
        .await;
    assert_eq!(status, 401, "a token opens its own registration only");

    // One seat per email and exam, whatever the tier or the spelling.
    let (status, refused) = register(&product, &exam_id, "PRIYA.K@example.com", "premium").await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("ALREADY_REGISTERED")),
        "{refused}"
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 1);

    // A retried request with the same Idempotency-Key answers the same seat.
    let body = json!({"mockExamId": exam_id, "email": "kai@example.com", "firstName": "Kai", "lastName": "Lee", "tier": "free"});
    let key = [("Idempotency-Key", "register-kai")];
    let (status, first) = product.post("/mock-exams/register", &body, &key).await;
    assert_eq!(status, 201, "{first}");
    let (status, retried) = product.post("/mock-exams/register", &body, &key).await;
    assert_eq!((status, &retried), (201, &first));
    product
        .finished(REGISTRATION, &text(&first, "registrationId"))
        .await;
    assert_eq!(exam(&product, &exam_id).await.registered_count, 2);

    let (status, missing) = register(&product, "mex_NOPE", "x@example.com", "free").await;
    assert_eq!(
        (status, &missing["error"]["field"]),
        (404, &json!("/mockExamId"))
    );
    assert_eq!(
        product.recipients("mock_exam_registration"),
        ["kai@example.com", "priya.k@example.com"],
        "one email per registration"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capacity_holds_when_candidates_race() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 2, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let attempts = (0..5).map(|i| {
        let product = &product;
        let exam_id = &exam_id;
        async move { register(product, exam_id, &format!("c{i}@example.com"), "free").await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(won, 2, "exactly the capacity: {results:?}");
    assert!(
        results
            .iter()
            .filter(|(status, _)| *status != 201)
            .all(|(status, body)| *status == 409 && body["error"]["code"] == "EXAM_FULL"),
        "{results:?}"
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 2);
    let stored: Vec<MockRegistration> = product
        .records()
        .query("mockExamId-index", exam_id.as_str(), None)
        .await
        .expect("queries");
    assert_eq!(stored.len(), 2, "a refused registration leaves nothing");
    let (_, listed) = product.get("/mock-exams", None).await;
    assert_eq!(listed["exams"][0]["seatsLeft"], json!(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_candidates_race_for_fifty_seats() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 50, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let attempts = (0..200).map(|i| {
        let product = &product;
        let exam_id = &exam_id;
        // Every fourth request repeats the candidate before it.
        let email = format!("c{}@example.com", i - i % 4 / 3);
        async move { register(product, exam_id, &email, "free").await }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(won, 50, "exactly the capacity");
    assert!(
        results
            .iter()
            .filter(|(status, _)| *status != 201)
            .all(|(status, body)| *status == 409
                && ["EXAM_FULL", "ALREADY_REGISTERED"]
                    .contains(&body["error"]["code"].as_str().unwrap_or_default())),
        "{results:?}"
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 50);
    let stored: Vec<MockRegistration> = product
        .records()
        .query("mockExamId-index", exam_id.as_str(), None)
        .await
        .expect("queries");
    let mut emails: Vec<&str> = stored.iter().map(|r| r.email.as_str()).collect();
    emails.sort();
    emails.dedup();
    assert_eq!(
        (stored.len(), emails.len()),
        (50, 50),
        "fifty seats, fifty different candidates"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_premium_seat_is_held_while_the_candidate_pays_then_registered() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 10, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let (status, created) = register(&product, &exam_id, "sam@example.com", "premium").await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], json!("pending_payment"));
    let registration_id = text(&created, "registrationId");
    let token = text(&created, "accessToken");
    let session_id = text(&created["checkout"], "sessionId");
    assert_eq!(
        exam(&product, &exam_id).await.registered_count,
        1,
        "the seat is held while the candidate pays"
    );

    // The universal checkout gives the open session back, for the holder
    // of the registration's token only.
    let body = json!({"campaignId": "mock-exam", "recordId": registration_id});
    let (status, again) = product
        .post("/checkout/create", &body, &[("X-Access-Token", &token)])
        .await;
    assert_eq!((status, &again["sessionId"]), (200, &json!(session_id)));
    let (status, _) = product.post("/checkout/create", &body, &[]).await;
    assert_eq!(status, 401);

    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    product.succeeded(REGISTRATION, &registration_id).await;

    let stored = registration(&product, &registration_id).await;
    assert_eq!(
        (stored.status, stored.tier),
        (RegistrationStatus::Registered, RegistrationTier::Premium)
    );
    assert!(stored.paid_at.is_some() && stored.payment_intent_id.is_some());
    let charged: Vec<Value> = product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| event["type"] == "checkout.session.completed")
        .collect();
    assert_eq!(charged.len(), 1);
    assert_eq!(
        charged[0]["data"]["object"]["amount_total"],
        json!(2900),
        "$29 in cents"
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 1);
    assert_eq!(
        product.emails(),
        [(
            "mock_exam_registration".to_owned(),
            "sam@example.com".to_owned()
        )]
    );
    let (status, refused) = product
        .post("/checkout/create", &body, &[("X-Access-Token", &token)])
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAYABLE"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_gets_a_retry_email_and_a_refund_gives_the_seat_back() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 1, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let (status, created) = register(&product, &exam_id, "dana@example.com", "premium").await;
    assert_eq!(status, 201, "{created}");
    let registration_id = text(&created, "registrationId");
    let checkout_url = text(&created["checkout"], "checkoutUrl");

    product.checkout_action(&checkout_url, "decline").await;
    product
        .eventually("the retry email is sent", || async {
            product.recipients("payment_failed") == ["dana@example.com"]
        })
        .await;
    assert_eq!(
        registration(&product, &registration_id).await.status,
        RegistrationStatus::PendingPayment,
        "a decline leaves the seat held for another try"
    );

    product.checkout_action(&checkout_url, "pay").await;
    product.succeeded(REGISTRATION, &registration_id).await;
    let paid = registration(&product, &registration_id).await;
    assert_eq!(paid.status, RegistrationStatus::Registered);

    // Refunded from Stripe's dashboard, as support would.
    let payment_intent = paid.payment_intent_id.expect("the payment");
    product.refund_in_stripe(&payment_intent).await;
    product
        .eventually("the registration is cancelled", || async {
            registration(&product, &registration_id).await.status == RegistrationStatus::Cancelled
        })
        .await;
    assert_eq!(
        exam(&product, &exam_id).await.registered_count,
        0,
        "the refunded seat is free again"
    );
    registered(&product, &exam_id, "next@example.com").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_premium_seat_is_cancelled_and_given_back() {
    capture_emf();
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 1, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let (status, created) = register(&product, &exam_id, "late@example.com", "premium").await;
    assert_eq!(status, 201, "{created}");
    let registration_id = text(&created, "registrationId");
    let (status, full) = register(&product, &exam_id, "other@example.com", "free").await;
    assert_eq!(
        (status, &full["error"]["code"]),
        (409, &json!("EXAM_FULL")),
        "the held seat counts"
    );

    // The session lives 23 hours; a day later Stripe expires it.
    product.advance(DAY);
    product.succeeded(REGISTRATION, &registration_id).await;
    let stored = registration(&product, &registration_id).await;
    assert_eq!(stored.status, RegistrationStatus::Cancelled);
    assert!(stored.cancelled_at.is_some());
    assert_eq!(
        exam(&product, &exam_id).await.registered_count,
        0,
        "the seat is given back"
    );
    assert!(product.emails().is_empty());
    let counted: Vec<String> = emf_about(&registration_id)
        .into_iter()
        .map(|(metric, line)| {
            assert_eq!(line["Campaign"], "mock-exam", "{line}");
            metric
        })
        .collect();
    assert_eq!(
        counted,
        ["CheckoutStarted", "CheckoutExpired"],
        "a checkout that expired unpaid registers no one"
    );

    // The candidate may try again; the freed seat is theirs.
    let again = registered(&product, &exam_id, "late@example.com").await;
    assert_ne!(text(&again, "registrationId"), registration_id);
    let (metric, line) = emf_about(&text(&again, "registrationId"))
        .pop()
        .expect("a registration counted");
    assert_eq!(
        (metric.as_str(), &line["Tier"]),
        ("MockExamRegistered", &json!("free"))
    );
    assert_eq!(exam(&product, &exam_id).await.registered_count, 1);
    assert_eq!(
        registration(&product, &registration_id).await.status,
        RegistrationStatus::Cancelled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminder_goes_out_24_hours_before_to_every_registered_candidate_once() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let reminder_at = time(&exam_body, "startsAt") - TimeDelta::hours(24);
    registered(&product, &exam_id, "ana@example.com").await;
    registered(&product, &exam_id, "ben@example.com").await;
    paid(&product, &exam_id, "cai@example.com").await;

    // A minute before the reminder is due, nothing has gone out.
    let until_due = (reminder_at - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_due - Duration::from_secs(60));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let schedule = format!("{REMINDERS}-{exam_id}");
    let engine = &product.embedded.engine;
    assert_eq!(
        engine
            .get_schedule(&schedule)
            .expect("scheduled")
            .execution_arn,
        None
    );
    assert!(product.recipients("mock_exam_reminder").is_empty());
    // A premium candidate still paying is not reminded.
    let (status, pending) = register(&product, &exam_id, "dee@example.com", "premium").await;
    assert_eq!(status, 201, "{pending}");

    product.advance(Duration::from_secs(120));
    let run = fired(&product, &schedule).await;
    product.succeeded(REMINDERS, &run).await;
    assert_eq!(
        product.recipients("mock_exam_reminder"),
        ["ana@example.com", "ben@example.com", "cai@example.com"]
    );

    // Nothing fires again later.
    product.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(product.recipients("mock_exam_reminder").len(), 3);
}

/// Marked results of four candidates: overall score, sections, answers.
fn marked(ids: &[String]) -> Value {
    let scores = [
        (48.0, 44.0, 52.0, [true, false, false, true]),
        (61.0, 58.0, 64.0, [true, true, false, false]),
        (70.0, 66.0, 74.0, [true, true, true, false]),
        (89.0, 86.0, 92.0, [true, true, true, true]),
    ];
    let results: Vec<Value> = ids
        .iter()
        .zip(scores)
        .map(|(id, (score, clinical, theory, answers))| {
            json!({
                "registrationId": id,
                "score": score,
                "sectionScores": {"clinical": clinical, "theory": theory},
                "answers": answers
            })
        })
        .collect();
    json!({ "results": results })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_after_the_exam_give_statistics_and_each_candidate_their_percentile() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let ends_at = time(&exam_body, "endsAt");
    let emails = [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ];
    let mut ids = Vec::new();
    for email in &emails[..3] {
        ids.push(text(
            &registered(&product, &exam_id, email).await,
            "registrationId",
        ));
    }
    ids.push(text(
        &paid(&product, &exam_id, emails[3]).await,
        "registrationId",
    ));
    // Registered, but without a marked result.
    let broken_id = text(
        &registered(&product, &exam_id, "e@example.com").await,
        "registrationId",
    );
    let other_exam = text(
        &create_exam(&product, 10, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let stranger = text(
        &registered(&product, &other_exam, "x@example.com").await,
        "registrationId",
    );
    let results_path = format!("/mock-exams/{exam_id}/results");
    let [(name, value)] = admin();
    let admin = [(name, value.as_str())];

    let (status, early) = product.post(&results_path, &marked(&ids), &admin).await;
    assert_eq!(
        (status, &early["error"]["code"]),
        (409, &json!("EXAM_NOT_FINISHED"))
    );

    // Ten minutes after the end, the marked results come in.
    let until_end = (ends_at - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_end + Duration::from_secs(600));
    let (status, closed) = register(&product, &exam_id, "late@example.com", "free").await;
    assert_eq!(
        (status, &closed["error"]["code"]),
        (409, &json!("REGISTRATION_CLOSED"))
    );
    let mut wrong = ids.clone();
    wrong[2] = stranger;
    let (status, refused) = product.post(&results_path, &marked(&wrong), &admin).await;
    assert_eq!(
        (
            status,
            &refused["error"]["code"],
            &refused["error"]["field"]
        ),
        (
            422,
            &json!("NOT_REGISTERED_FOR_EXAM"),
            &json!("/results/2/registrationId")
        )
    );
    assert!(
        registration(&product, &ids[0]).await.score.is_none(),
        "a refused upload stores nothing"
    );
    let (status, accepted) = product.post(&results_path, &marked(&ids), &admin).await;
    assert_eq!(
        (status, &accepted["accepted"]),
        (200, &json!(4)),
        "{accepted}"
    );
    let first = registration(&product, &ids[0]).await;
    assert_eq!(first.score, Some(48.0));
    assert_eq!(first.section_scores["theory"], 52.0);
    assert_eq!(first.answers, Some(vec![true, false, false, true]));

    let (status, _) = product
        .get(&format!("/mock-exams/{exam_id}/stats"), None)
        .await;
    assert_eq!(status, 404, "no statistics before the results run");

    // A registration whose results email cannot be composed (a rank left
    // without a score) must not keep the others from theirs.
    product
        .records()
        .update::<MockRegistration, ()>(&broken_id, |stored| {
            stored.percentile_rank = Some(50.0);
            Ok(())
        })
        .await
        .expect("tampered");

    // The results run starts an hour after the end.
    product.advance(Duration::from_secs(3600));
    let run = fired(&product, &format!("{RESULTS}-{exam_id}")).await;
    let finished = product.succeeded(RESULTS, &run).await;

    let (status, stats) = product
        .get(&format!("/mock-exams/{exam_id}/stats"), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    let figures = &stats["statistics"];
    // (48 + 61 + 70 + 89) / 4 = 67; the median is between 61 and 70.
    assert_eq!(
        (
            &figures["count"],
            &figures["mean"],
            &figures["median"],
            &figures["min"],
            &figures["max"],
            &figures["passed"],
            &figures["passRatePercent"]
        ),
        (
            &json!(4),
            &json!(67.0),
            &json!(65.5),
            &json!(48.0),
            &json!(89.0),
            &json!(3),
            &json!(75.0)
        )
    );
    assert_eq!(
        figures["sectionMeans"],
        json!([
            {"section": "clinical", "mean": 63.5, "count": 4},
            {"section": "theory", "mean": 70.5, "count": 4}
        ])
    );
    assert_eq!(figures["itemAnalysis"]["respondents"], json!(4));
    assert_eq!(
        figures["percentileRanks"],
        json!([]),
        "the public statistics name no candidate"
    );
    assert_eq!(
        exam(&product, &exam_id).await.status,
        MockExamStatus::Completed
    );

    // Each candidate's rank is on their registration and in their email.
    let ranks = [12.5, 37.5, 62.5, 87.5];
    let outbox = &product.embedded.outbox;
    let results_emails: Vec<_> = outbox
        .list()
        .expect("lists")
        .into_iter()
        .filter(|entry| {
            entry.template.map(|t| t.to_string()).as_deref() == Some("mock_exam_results")
        })
        .collect();
    assert_eq!(results_emails.len(), 4, "one each, none for the broken one");
    let history = product
        .embedded
        .engine
        .get_execution_history(&finished.execution_arn)
        .expect("a history");
    let not_sent = history
        .iter()
        .filter(|event| {
            event.event_type == "PassStateEntered" && event.details["name"] == "ResultNotSent"
        })
        .count();
    assert_eq!(not_sent, 1, "the failed email is recorded in its iteration");
    for ((registration_id, email), rank) in ids.iter().zip(emails).zip(ranks) {
        let stored = registration(&product, registration_id).await;
        assert_eq!(stored.percentile_rank, Some(rank), "{email}");
        let entry = results_emails
            .iter()
            .find(|entry| entry.to == email)
            .unwrap_or_else(|| panic!("{email} got no results email"));
        let text = outbox.read(&entry.id).expect("reads").text;
        assert!(
            text.contains(&format!("did better than {rank:.1}% of candidates")),
            "{email}: {text}"
        );
        assert!(text.contains("Average:            67.0%"), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_calculates_statistics_on_demand() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let mut ids = Vec::new();
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
    ] {
        ids.push(text(
            &registered(&product, &exam_id, email).await,
            "registrationId",
        ));
    }
    let until_end = (time(&exam_body, "endsAt") - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_end + Duration::from_secs(60));

    // Admin routes need the admin's token.
    let results_path = format!("/mock-exams/{exam_id}/results");
    let calculate_path = format!("/mock-exams/{exam_id}/calculate-stats");
    let wrong = [("Authorization", "Bearer not-the-token")];
    for headers in [&[][..], &wrong[..]] {
        assert_eq!(
            product.post(&results_path, &marked(&ids), headers).await.0,
            401
        );
        assert_eq!(
            product.post(&calculate_path, &json!(null), headers).await.0,
            401
        );
        let (status, _) = product
            .post(
                "/mock-exams",
                &json!({"title": "Nope", "startsAt": "2030-01-01T00:00:00Z", "durationMinutes": 60, "capacity": 1, "passMark": 60.0, "sections": ["clinical"]}),
                headers,
            )
            .await;
        assert_eq!(status, 401);
    }
    assert!(registration(&product, &ids[0]).await.score.is_none());

    let [(name, value)] = admin();
    let admin = [(name, value.as_str())];
    let (status, _) = product
        .get(&format!("/mock-exams/{exam_id}/stats"), None)
        .await;
    assert_eq!(status, 404, "no statistics before calculation");
    let (status, _) = product.post(&results_path, &marked(&ids), &admin).await;
    assert_eq!(status, 200);
    let (status, calculated) = product.post(&calculate_path, &json!(null), &admin).await;
    assert_eq!(status, 200, "{calculated}");
    assert_eq!(
        (
            &calculated["statistics"]["mean"],
            &calculated["statistics"]["median"]
        ),
        (&json!(67.0), &json!(65.5))
    );
    let (status, stored) = product
        .get(&format!("/mock-exams/{exam_id}/stats"), None)
        .await;
    assert_eq!((status, &stored), (200, &calculated));
    assert_eq!(
        registration(&product, &ids[3]).await.percentile_rank,
        Some(87.5)
    );
    assert_eq!(
        exam(&product, &exam_id).await.status,
        MockExamStatus::Scheduled,
        "only the results run completes the exam"
    );
    assert!(product.recipients("mock_exam_results").is_empty());
}

/// How many times the execution entered the state `name`.
fn entered(product: &Product, state_machine: &str, execution: &str, name: &str) -> usize {
    let arn = format!(
        "arn:aws:states:{}:{}:execution:{state_machine}:{execution}",
        workflows::REGION,
        workflows::ACCOUNT
    );
    product
        .embedded
        .engine
        .get_execution_history(&arn)
        .expect("a history")
        .iter()
        .filter(|event| event.event_type.ends_with("StateEntered") && event.details["name"] == name)
        .count()
}

/// Waits until the results run sits in its `n`th hourly wait, so that the
/// clock moves from the wait's start.
async fn until_waiting(product: &Product, run: &str, n: usize) {
    product
        .eventually(
            &format!("the results run waits for the {n}th time"),
            || async { entered(product, RESULTS, run, "WaitForResults") == n },
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_uploaded_hours_late_are_waited_for_and_ops_are_reminded() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let mut ids = Vec::new();
    for email in ["a@example.com", "b@example.com"] {
        ids.push(text(
            &registered(&product, &exam_id, email).await,
            "registrationId",
        ));
    }
    let ends_at = time(&exam_body, "endsAt");
    let until_run = (ends_at + TimeDelta::hours(1) - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_run + Duration::from_secs(1));
    let run = fired(&product, &format!("{RESULTS}-{exam_id}")).await;

    // No results an hour after the end: ops hear of it, the run waits.
    product.until_sent("mock_results_missing").await;
    until_waiting(&product, &run, 1).await;
    assert_eq!(
        product.recipients("mock_results_missing"),
        ["ops@prodenthub.com.au"]
    );
    let outbox = &product.embedded.outbox;
    let reminder = outbox
        .list()
        .expect("lists")
        .into_iter()
        .find(|entry| entry.to == "ops@prodenthub.com.au")
        .expect("the reminder");
    let reminder = outbox.read(&reminder.id).expect("reads").text;
    assert!(
        reminder.contains(&format!("POST /mock-exams/{exam_id}/results")),
        "{reminder}"
    );

    // Two more hourly checks find nothing and remind no one again.
    for n in 2..=3 {
        product.advance(Duration::from_secs(3600));
        until_waiting(&product, &run, n).await;
    }
    assert_eq!(entered(&product, RESULTS, &run, "CheckResults"), 3);
    assert_eq!(product.recipients("mock_results_missing").len(), 1);
    assert!(product.recipients("mock_exam_results").is_empty());
    assert_eq!(
        exam(&product, &exam_id).await.status,
        MockExamStatus::Scheduled
    );

    // Three hours after the end, the marked results come in; the next
    // check publishes them and every candidate gets theirs.
    assert!(product.embedded.time.now() >= ends_at + TimeDelta::hours(3));
    let [(name, value)] = admin();
    let (status, accepted) = product
        .post(
            &format!("/mock-exams/{exam_id}/results"),
            &marked(&ids),
            &[(name, &value)],
        )
        .await;
    assert_eq!(status, 200, "{accepted}");
    product.advance(Duration::from_secs(3600));
    product.succeeded(RESULTS, &run).await;
    assert_eq!(
        product.recipients("mock_exam_results"),
        ["a@example.com", "b@example.com"]
    );
    assert_eq!(
        exam(&product, &exam_id).await.status,
        MockExamStatus::Completed
    );
    assert_eq!(entered(&product, RESULTS, &run, "CheckResults"), 4);
    assert_eq!(entered(&product, RESULTS, &run, "RemindOps"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_change_nothing() {
    let product = Product::start().await;
    let [(name, value)] = admin();
    let admin = [(name, value.as_str())];
    let soon = (product.embedded.time.now() + TimeDelta::hours(12)).to_rfc3339();
    let (status, body) = product
        .post(
            "/mock-exams",
            &json!({"title": "Too soon", "startsAt": soon, "durationMinutes": 60, "capacity": 5, "passMark": 60.0, "sections": ["clinical"]}),
            &admin,
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"], &body["error"]["field"]),
        (422, &json!("STARTS_TOO_SOON"), &json!("/startsAt"))
    );
    let (status, body) = product
        .post(
            "/mock-exams",
            &json!({"title": "No seats", "startsAt": "2030-01-01T00:00:00Z", "durationMinutes": 60, "capacity": 0, "passMark": 60.0, "sections": ["clinical"]}),
            &admin,
        )
        .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("/capacity"))
    );
    assert!(
        product
            .embedded
            .engine
            .list_schedules()
            .expect("lists")
            .is_empty()
    );
    let (_, listed) = product.get("/mock-exams", None).await;
    assert_eq!(listed["exams"], json!([]));

    let exam_id = text(
        &create_exam(&product, 5, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let (status, body) = register(&product, &exam_id, "not-an-email", "free").await;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("/email")));
    let (status, body) = register(&product, &exam_id, "a@example.com", "gold").await;
    assert_eq!((status, &body["error"]["field"]), (400, &json!("/tier")));
    assert_eq!(exam(&product, &exam_id).await.registered_count, 0);
    let executions = product
        .embedded
        .engine
        .list_executions(&workflows::state_machine_arn(REGISTRATION), None)
        .expect("lists");
    assert!(executions.is_empty(), "no journey started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_exam_refunds_every_paid_seat_once_and_never_reminds() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 10, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let free = text(
        &registered(&product, &exam_id, "free@example.com").await,
        "registrationId",
    );
    let premium = text(
        &paid(&product, &exam_id, "premium@example.com").await,
        "registrationId",
    );
    let paid_with = registration(&product, &premium)
        .await
        .payment_intent_id
        .expect("the seat is paid");
    let schedules = || {
        product
            .embedded
            .engine
            .list_schedules()
            .expect("lists")
            .into_iter()
            .filter(|schedule| schedule.name.ends_with(&exam_id))
            .count()
    };
    assert_eq!(schedules(), 2, "a reminder run and a results run");

    let [(name, value)] = admin();
    let path = format!("/mock-exams/{exam_id}/cancel");
    let (status, _) = product.post(&path, &json!({}), &[]).await;
    assert_eq!(status, 401, "cancelling is for admins");
    let (status, cancelled) = product.post(&path, &json!({}), &[(name, &value)]).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(
        (
            &cancelled["status"],
            &cancelled["candidatesNotified"],
            &cancelled["seatsRefunded"]
        ),
        (&json!("cancelled"), &json!(2), &json!(1))
    );
    assert_eq!(
        exam(&product, &exam_id).await.status,
        MockExamStatus::Cancelled
    );
    assert_eq!(schedules(), 0, "its runs are unscheduled");

    // Sent again, it has nothing left to do: no second refund.
    let (status, again) = product.post(&path, &json!({}), &[(name, &value)]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        (&again["candidatesNotified"], &again["seatsRefunded"]),
        (&json!(0), &json!(0))
    );
    product
        .eventually("the paid seat's refund is recorded", || async {
            registration(&product, &premium).await.amount_refunded
                == Some(campaigns_core::money::Cents(2_900))
        })
        .await;
    let refunds = product.refunds_of(&paid_with);
    assert_eq!(refunds.len(), 1, "refunded once: {refunds:?}");
    assert_eq!(refunds[0]["amount"], json!(2900), "in full");
    for id in [&free, &premium] {
        assert_eq!(
            registration(&product, id).await.status,
            RegistrationStatus::Cancelled
        );
    }
    let (status, refused) = register(&product, &exam_id, "late@example.com", "free").await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(
        product.recipients("mock_exam_cancelled"),
        ["free@example.com", "premium@example.com"],
        "every candidate is told, once"
    );
    product.until_sent("refund_issued").await;
    assert_eq!(product.recipients("refund_issued"), ["premium@example.com"]);

    // The days pass: no reminder and no results run ever start.
    product.advance(4 * DAY);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        product
            .embedded
            .engine
            .list_executions(&workflows::state_machine_arn(REMINDERS), None)
            .expect("lists")
            .is_empty()
    );
}

/// The texts of the `template` emails sent to `to`, oldest first.
fn texts(product: &Product, template: &str, to: &str) -> Vec<String> {
    let outbox = &product.embedded.outbox;
    let mut entries: Vec<_> = outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .filter(|entry| {
            entry.to == to && entry.template.is_some_and(|sent| sent.as_str() == template)
        })
        .collect();
    // The outbox lists newest first, in sending order even within one instant.
    entries.reverse();
    entries
        .iter()
        .map(|entry| outbox.read(&entry.id).expect("reads").text)
        .collect()
}

/// A move that died after its first write (the exam at its new time),
/// before its runs moved and before any candidate was told: sent again, it
/// moves the runs and tells every candidate, from the start the exam had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_cut_short_after_the_exams_write_is_finished_by_sending_it_again() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let was = time(&exam_body, "startsAt");
    registered(&product, &exam_id, "ana@example.com").await;
    let starts_at = was + TimeDelta::days(7);
    product
        .embedded
        .app
        .records
        .update::<MockExam, std::convert::Infallible>(&exam_id, |exam| {
            let duration = exam.ends_at - exam.starts_at;
            exam.moved_from = Some(exam.starts_at);
            exam.starts_at = starts_at;
            exam.ends_at = starts_at + duration;
            exam.exam_date = exam.time_zone.local_date(starts_at);
            Ok(())
        })
        .await
        .expect("the first call's write");
    let engine = &product.embedded.engine;
    let reminder = format!("{REMINDERS}-{exam_id}");
    let at = |name: &str| engine.get_schedule(name).expect("scheduled").at;
    assert_eq!(at(&reminder), was - TimeDelta::hours(24), "not moved yet");
    assert!(product.recipients("mock_exam_moved").is_empty());

    let [(name, value)] = admin();
    let body = json!({"startsAt": starts_at.to_rfc3339()});
    let (status, moved) = product
        .post(
            &format!("/mock-exams/{exam_id}/move"),
            &body,
            &[(name, &value)],
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["candidatesNotified"], json!(1));
    assert_eq!(at(&reminder), starts_at - TimeDelta::hours(24));
    let stored = exam(&product, &exam_id).await;
    assert_eq!(
        at(&format!("{RESULTS}-{exam_id}")),
        stored.ends_at + TimeDelta::hours(1)
    );
    assert_eq!(stored.moved_from, Some(was));
    let old_time = campaigns_core::time_zone::TimeZone::default()
        .local(was)
        .text;
    let told = &texts(&product, "mock_exam_moved", "ana@example.com")[0];
    assert!(
        told.contains(&old_time),
        "told from the start it had: {told}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moved_exam_takes_its_runs_along_and_tells_every_candidate() {
    let product = Product::start().await;
    let exam_body = create_exam(&product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    let was = time(&exam_body, "startsAt");
    registered(&product, &exam_id, "ana@example.com").await;
    registered(&product, &exam_id, "ben@example.com").await;
    let (status, pending) = register(&product, &exam_id, "dee@example.com", "premium").await;
    assert_eq!(status, 201, "{pending}");

    let [(name, value)] = admin();
    let path = format!("/mock-exams/{exam_id}/move");
    // Ten days later at 9:00 in Sydney, for 90 minutes.
    let starts_at = (was + TimeDelta::days(10))
        .with_timezone(&chrono_tz::Australia::Sydney)
        .date_naive()
        .and_hms_opt(9, 0, 0)
        .expect("a time")
        .and_local_timezone(chrono_tz::Australia::Sydney)
        .single()
        .expect("one instant")
        .with_timezone(&Utc);
    let body = json!({"startsAt": starts_at.to_rfc3339(), "durationMinutes": 90});
    let (status, refused) = product.post(&path, &body, &[]).await;
    assert_eq!(status, 401, "moving is for admins: {refused}");
    let (status, moved) = product.post(&path, &body, &[(name, &value)]).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(time(&moved, "startsAt"), starts_at);
    assert_eq!(time(&moved, "endsAt"), starts_at + TimeDelta::minutes(90));
    assert_eq!(
        text(&moved, "examDate"),
        starts_at
            .with_timezone(&chrono_tz::Australia::Sydney)
            .date_naive()
            .to_string()
    );
    assert!(
        text(&moved["startsAtLocal"], "text").contains("9:00"),
        "{moved}"
    );
    assert_eq!(moved["candidatesNotified"], json!(2), "the registered two");
    let stored = exam(&product, &exam_id).await;
    assert_eq!(
        (stored.starts_at, stored.moved_from),
        (starts_at, Some(was))
    );

    // Its runs follow it.
    let engine = &product.embedded.engine;
    let reminder = engine
        .get_schedule(&format!("{REMINDERS}-{exam_id}"))
        .expect("the reminder run is scheduled");
    assert_eq!(reminder.at, starts_at - TimeDelta::hours(24));
    let results = engine
        .get_schedule(&format!("{RESULTS}-{exam_id}"))
        .expect("the results run is scheduled");
    assert_eq!(
        results.at,
        starts_at + TimeDelta::minutes(90) + TimeDelta::hours(1)
    );

    // Each registered candidate reads the new time and the old one; the
    // candidate still paying is not registered yet and reads it on paying.
    assert_eq!(
        product.recipients("mock_exam_moved"),
        ["ana@example.com", "ben@example.com"]
    );
    let new_time = text(&moved["startsAtLocal"], "text");
    let old_time = campaigns_core::time_zone::TimeZone::default()
        .local(was)
        .text;
    let told = &texts(&product, "mock_exam_moved", "ana@example.com")[0];
    assert!(
        told.contains(&new_time) && told.contains(&old_time),
        "{told}"
    );

    // Sent again, it finishes what a call cut short left: every candidate
    // is told again, still from the start the exam had.
    let (status, again) = product.post(&path, &body, &[(name, &value)]).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["candidatesNotified"], json!(2));
    let told_again = &texts(&product, "mock_exam_moved", "ana@example.com")[1];
    assert!(told_again.contains(&old_time), "{told_again}");

    // The old reminder time passes without a reminder; the new one sends it.
    let until_old = (was - TimeDelta::hours(23) - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_old);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(product.recipients("mock_exam_reminder").is_empty());
    let until_new = (reminder.at - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until_new + Duration::from_secs(1));
    let run = fired(&product, &format!("{REMINDERS}-{exam_id}")).await;
    product.succeeded(REMINDERS, &run).await;
    assert_eq!(
        product.recipients("mock_exam_reminder"),
        ["ana@example.com", "ben@example.com"]
    );

    // Too soon for its reminder, it stays; a cancelled exam cannot move.
    let soon =
        json!({"startsAt": (product.embedded.time.now() + TimeDelta::hours(23)).to_rfc3339()});
    let (status, refused) = product.post(&path, &soon, &[(name, &value)]).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(
        (&refused["error"]["code"], &refused["error"]["field"]),
        (&json!("STARTS_TOO_SOON"), &json!("/startsAt"))
    );
    let (status, _) = product
        .post(
            &format!("/mock-exams/{exam_id}/cancel"),
            &json!({}),
            &[(name, &value)],
        )
        .await;
    assert_eq!(status, 200);
    let later = json!({"startsAt": (starts_at + TimeDelta::days(7)).to_rfc3339()});
    let (status, refused) = product.post(&path, &later, &[(name, &value)]).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], json!("EXAM_CANCELLED"));
    assert_eq!(exam(&product, &exam_id).await.starts_at, starts_at);
    let (status, missing) = product
        .post("/mock-exams/mex_unknown/move", &later, &[(name, &value)])
        .await;
    assert_eq!(status, 404, "{missing}");
}

/// The first Sunday of `month` in `year`.
fn first_sunday(year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a date");
    first + TimeDelta::days(i64::from((7 - first.weekday().num_days_from_sunday()) % 7))
}

/// Exams at 9:00 in Sydney on the Saturday before and the Monday after each
/// daylight-saving change of next year (AEDT, UTC+11, ends on the first
/// Sunday of April; starts on the first Sunday of October): the local day,
/// the UTC instant, the reminder 24 h before, the times every answer and
/// email shows, and a candidate in India who reads both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exams_at_nine_in_sydney_around_the_daylight_saving_changes() {
    let product = Product::start().await;
    let year = product.embedded.time.now().year() + 1;
    let april = first_sunday(year, 4);
    let october = first_sunday(year, 10);
    // 9:00 AEDT is 22:00 UTC the day before; 9:00 AEST is 23:00 UTC.
    let at_nine = |day: NaiveDate, hour_utc: u32| {
        (day - TimeDelta::days(1))
            .and_hms_opt(hour_utc, 0, 0)
            .expect("a time")
            .and_utc()
    };
    let cases = [
        (april - TimeDelta::days(1), 22, "+11:00", "AEDT"),
        (april + TimeDelta::days(1), 23, "+10:00", "AEST"),
        (october - TimeDelta::days(1), 23, "+10:00", "AEST"),
        (october + TimeDelta::days(1), 22, "+11:00", "AEDT"),
    ];
    let [(name, value)] = admin();
    let mut exams = Vec::new();
    for (day, hour_utc, offset, abbreviation) in cases {
        let starts_at = at_nine(day, hour_utc);
        let (status, created) = product
            .post(
                "/mock-exams",
                &json!({
                    "title": format!("Mock exam of {day}"),
                    // The admin may write the instant with Sydney's offset.
                    "startsAt": format!("{day}T09:00:00{offset}"),
                    "durationMinutes": 120,
                    "capacity": 10,
                    "passMark": 60.0,
                    "sections": ["clinical"]
                }),
                &[(name, &value)],
            )
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(time(&created, "startsAt"), starts_at, "{day}");
        assert_eq!(created["examDate"], json!(day.to_string()), "the local day");
        assert_ne!(starts_at.date_naive(), day, "not the UTC day");
        let exam_id = text(&created, "mockExamId");
        let reminder = product
            .embedded
            .engine
            .get_schedule(&format!("{REMINDERS}-{exam_id}"))
            .expect("the reminder run is scheduled");
        assert_eq!(reminder.at, starts_at - TimeDelta::hours(24), "{day}");
        let results = product
            .embedded
            .engine
            .get_schedule(&format!("{RESULTS}-{exam_id}"))
            .expect("the results run is scheduled");
        assert_eq!(results.at, starts_at + TimeDelta::hours(3), "{day}");
        exams.push((exam_id, day, offset, abbreviation));
    }

    let (status, listed) = product.get("/mock-exams", None).await;
    assert_eq!(status, 200, "{listed}");
    for (exam_id, day, offset, abbreviation) in &exams {
        let summary = listed["exams"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|summary| summary["mockExamId"] == json!(exam_id))
            .expect("listed");
        assert_eq!(
            summary["startsAtLocal"]["dateTime"],
            json!(format!("{day}T09:00:00{offset}"))
        );
        assert_eq!(
            summary["startsAtLocal"]["abbreviation"],
            json!(abbreviation)
        );
        let weekday = day.format("%A %-d %B %Y");
        assert_eq!(
            summary["startsAtLocal"]["text"],
            json!(format!("{weekday}, 9:00 AM {abbreviation}"))
        );
        assert_eq!(
            summary["endsAtLocal"]["text"],
            json!(format!("{weekday}, 11:00 AM {abbreviation}"))
        );
    }

    // The Monday after April's change: one candidate in India, one in Sydney.
    let (exam_id, day, _, _) = &exams[1];
    let (status, created) = product
        .post(
            "/mock-exams/register",
            &json!({
                "mockExamId": exam_id,
                "email": "priya@example.com",
                "firstName": "Priya",
                "lastName": "Kumar",
                "tier": "free",
                "timeZone": "Asia/Kolkata"
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let priya = text(&created, "registrationId");
    product.succeeded(REGISTRATION, &priya).await;
    assert_eq!(
        registration(&product, &priya)
            .await
            .time_zone
            .map(|zone| zone.name()),
        Some("Asia/Kolkata")
    );
    registered(&product, exam_id, "sam@example.com").await;
    let weekday = day.format("%A %-d %B %Y");
    let sydney = format!("{weekday}, 9:00 AM AEST");
    let both = format!("{sydney} ({weekday}, 4:30 AM IST your time)");
    let email_text = |template: &str, to: &str| {
        let outbox = &product.embedded.outbox;
        let entry = outbox
            .list()
            .expect("lists")
            .into_iter()
            .find(|entry| {
                entry.to == to && entry.template.map(|t| t.to_string()).as_deref() == Some(template)
            })
            .unwrap_or_else(|| panic!("no {template} to {to}"));
        outbox.read(&entry.id).expect("reads").text
    };
    let text_of = email_text("mock_exam_registration", "priya@example.com");
    assert!(text_of.contains(&both), "{text_of}");
    let text_of = email_text("mock_exam_registration", "sam@example.com");
    assert!(text_of.contains(&sydney), "{text_of}");
    assert!(!text_of.contains("your time"), "{text_of}");

    // The reminder run fires at the UTC instant 24 h before, which Sydney
    // reads as 9:00 AEST on the Sunday of the change.
    let reminder_at = at_nine(*day, 23) - TimeDelta::hours(24);
    let until = (reminder_at - product.embedded.time.now())
        .to_std()
        .expect("in the future");
    product.advance(until + Duration::from_secs(1));
    let run = fired(&product, &format!("{REMINDERS}-{exam_id}")).await;
    product.succeeded(REMINDERS, &run).await;
    let reminder = email_text("mock_exam_reminder", "priya@example.com");
    assert!(reminder.contains(&both), "{reminder}");
    let reminder = email_text("mock_exam_reminder", "sam@example.com");
    assert!(reminder.contains(&sydney), "{reminder}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_time_zone_is_refused_naming_the_field() {
    let product = Product::start().await;
    let exam_id = text(
        &create_exam(&product, 10, TimeDelta::days(3)).await,
        "mockExamId",
    );
    let [(name, value)] = admin();
    let starts_at = (product.embedded.time.now() + TimeDelta::days(3)).to_rfc3339();
    for zone in ["Mars/Olympus_Mons", "sydney", "AEST", ""] {
        let (status, body) = product
            .post(
                "/mock-exams",
                &json!({
                    "title": "ADC Part 1 Mock Exam",
                    "startsAt": starts_at,
                    "timeZone": zone,
                    "durationMinutes": 120,
                    "capacity": 10,
                    "passMark": 60.0,
                    "sections": ["clinical"]
                }),
                &[(name, &value)],
            )
            .await;
        assert_eq!(
            (status, &body["error"]["code"], &body["error"]["field"]),
            (400, &json!("VALIDATION_FAILED"), &json!("/timeZone")),
            "{zone}: {body}"
        );
        let (status, body) = product
            .post(
                "/mock-exams/register",
                &json!({
                    "mockExamId": exam_id,
                    "email": "priya@example.com",
                    "firstName": "Priya",
                    "lastName": "Kumar",
                    "tier": "free",
                    "timeZone": zone
                }),
                &[],
            )
            .await;
        assert_eq!(
            (status, &body["error"]["field"]),
            (400, &json!("/timeZone")),
            "{zone}: {body}"
        );
    }
    assert_eq!(exam(&product, &exam_id).await.registered_count, 0);
}

/// Every page of `GET /mock-exams?…` until the last, `limit` at a time.
async fn all_pages(product: &Product, limit: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/mock-exams?limit={limit}&cursor={cursor}"),
            None => format!("/mock-exams?limit={limit}"),
        };
        let (status, page) = product.get(&path, None).await;
        assert_eq!(status, 200, "{page}");
        pages.push(page["exams"].as_array().expect("a list").clone());
        match page.get("nextCursor") {
            Some(next) => cursor = Some(next.as_str().expect("a string").to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 20, "the pages end");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exam_list_pages_through_every_upcoming_exam_once_in_order() {
    let product = Product::start().await;
    // Seven exams; three start at the same instant.
    let mut ids = Vec::new();
    for days in [5, 3, 4, 4, 4, 9, 2] {
        ids.push(text(
            &create_exam(&product, 10, TimeDelta::days(days)).await,
            "mockExamId",
        ));
    }
    let (status, first) = product.get("/mock-exams", None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["exams"].as_array().expect("a list").len(), 7);
    assert!(
        first.get("nextCursor").is_none(),
        "one page by default: {first}"
    );

    for limit in ["1", "2", "3", "7", "100"] {
        let pages = all_pages(&product, limit).await;
        let size: usize = limit.parse().expect("a number");
        assert_eq!(pages.len(), 7usize.div_ceil(size), "by {limit}");
        assert!(
            pages
                .iter()
                .all(|page| !page.is_empty() && page.len() <= size)
        );
        let listed: Vec<&Value> = pages.iter().flatten().collect();
        let mut seen: Vec<String> = listed.iter().map(|exam| text(exam, "mockExamId")).collect();
        let starts: Vec<DateTime<Utc>> = listed.iter().map(|exam| time(exam, "startsAt")).collect();
        assert!(starts.is_sorted(), "soonest first, by {limit}");
        seen.sort();
        let mut all = ids.clone();
        all.sort();
        assert_eq!(seen, all, "every exam exactly once, by {limit}");
    }

    // Exams that start meanwhile drop out of later pages, even past the
    // cursor: after the exams of days 2 and 3, once those of day 4 have
    // started too, the next page holds the exams of days 5 and 9.
    let (_, page) = product.get("/mock-exams?limit=2", None).await;
    let cursor = text(&page, "nextCursor");
    product.advance(Duration::from_secs(4 * 24 * 3600 + 60));
    let (status, rest) = product
        .get(&format!("/mock-exams?limit=10&cursor={cursor}"), None)
        .await;
    assert_eq!(status, 200, "{rest}");
    let rest: Vec<String> = rest["exams"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|exam| text(exam, "mockExamId"))
        .collect();
    assert_eq!(rest, [ids[0].clone(), ids[5].clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_page_query_is_a_400_naming_the_parameter() {
    let product = Product::start().await;
    create_exam(&product, 10, TimeDelta::days(3)).await;
    for (query, code, field) in [
        ("cursor=zz", "INVALID_CURSOR", "/cursor"),
        ("cursor=7b7d", "INVALID_CURSOR", "/cursor"),
        ("cursor=5b6e756c6c2c22225d", "INVALID_CURSOR", "/cursor"),
        ("cursor=", "VALIDATION_FAILED", "/cursor"),
        ("limit=0", "VALIDATION_FAILED", "/limit"),
        ("limit=101", "VALIDATION_FAILED", "/limit"),
        ("limit=ten", "VALIDATION_FAILED", "/limit"),
        ("limit=-1", "VALIDATION_FAILED", "/limit"),
        ("page=2", "VALIDATION_FAILED", "/page"),
    ] {
        let (status, body) = product.get(&format!("/mock-exams?{query}"), None).await;
        assert_eq!(
            (status, &body["error"]["code"], &body["error"]["field"]),
            (400, &json!(code), &json!(field)),
            "{query}: {body}"
        );
    }
}

/// Starts the results run of a new exam with one candidate and no results,
/// and waits until it sits in its first hourly wait; the exam and the run.
async fn waiting_results_run(product: &Product) -> (String, String) {
    let exam_body = create_exam(product, 10, TimeDelta::days(3)).await;
    let exam_id = text(&exam_body, "mockExamId");
    registered(product, &exam_id, "a@example.com").await;
    let until_run = (time(&exam_body, "endsAt") + TimeDelta::hours(1)
        - product.embedded.time.now())
    .to_std()
    .expect("in the future");
    product.advance(until_run + Duration::from_secs(1));
    let run = fired(product, &format!("{RESULTS}-{exam_id}")).await;
    until_waiting(product, &run, 1).await;
    (exam_id, run)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_results_run_gives_up_14_days_after_the_end_and_ends_with_a_cancelled_exam() {
    let product = Product::start().await;
    let (exam_id, run) = waiting_results_run(&product).await;
    // As if the exam had ended 14 days ago.
    product
        .records()
        .update::<MockExam, ()>(&exam_id, |exam| {
            exam.ends_at -= TimeDelta::days(14);
            Ok(())
        })
        .await
        .expect("moved");
    product.advance(Duration::from_secs(3600));
    let finished = product.finished(RESULTS, &run).await;
    assert_eq!(
        finished.error.as_deref(),
        Some("MockExam.ResultsNeverCame"),
        "{finished:?}"
    );
    assert!(product.recipients("mock_exam_results").is_empty());

    let (exam_id, run) = waiting_results_run(&product).await;
    let [(name, value)] = admin();
    let (status, cancelled) = product
        .post(
            &format!("/mock-exams/{exam_id}/cancel"),
            &json!(null),
            &[(name, &value)],
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    product.advance(Duration::from_secs(3600));
    product.succeeded(RESULTS, &run).await;
    assert_eq!(entered(&product, RESULTS, &run, "ExamCancelled"), 1);
}
