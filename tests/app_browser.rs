//! The reference client at `/app` in headless Chromium: the product is
//! started with a coupon and an upcoming mock exam, then
//! `tests/browser/app.test.mjs` (Node, playwright-core) clicks through every
//! journey from its start page to paid or active, a team whose members pay
//! from their invitation emails, and refusals shown beside their fields.
//! The journeys it reports settling are then checked on the engine: each
//! execution named after its record succeeded. Then the exam ends, its
//! results are marked, its results run emails them, and
//! `tests/browser/app_results.test.mjs` opens a candidate's results from
//! that email.

use std::time::Duration;

use campaigns_contracts::records::MockRegistration;
use campaigns_tests::browser::{require_tools, run_script};
use campaigns_tests::{ADMIN_TOKEN, Product};
use serde_json::json;

const COUPON: &str = "APPSAVE20";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_journey_is_clicked_through_to_paid_in_chromium() {
    require_tools();
    let product = Product::start().await;
    product.seed_coupon(COUPON, 10, 20).await;
    let exam = product.create_exam(50, chrono::TimeDelta::days(3)).await;

    // Like every route, the client answers only requests addressed to this
    // machine by name (DNS rebinding).
    let rebound = product
        .http
        .get(format!("{}/app/buy", product.embedded.base_url))
        .header("Host", "rebind.attacker.example")
        .send()
        .await
        .expect("the product answers");
    assert_eq!(rebound.status(), 403);
    let refusal: serde_json::Value = rebound.json().await.expect("the error body");
    assert_eq!(refusal["error"]["code"], "HOST_NOT_ALLOWED");

    let stdout = run_script(
        "app.test.mjs",
        &[
            ("APP_BASE_URL", product.embedded.base_url.clone()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            ("COUPON_CODE", COUPON.to_owned()),
            ("MOCK_EXAM_ID", exam.clone()),
        ],
        Duration::from_secs(240),
        "all app checks passed",
    )
    .await;

    let settled: Vec<(&str, &str)> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("journey "))
        .filter_map(|line| line.split_once(' '))
        .collect();
    let mut machines: Vec<&str> = settled.iter().map(|(machine, _)| *machine).collect();
    machines.sort_unstable();
    assert_eq!(
        machines,
        [
            "discount-purchase",
            "mock-exam-registration",
            "mock-exam-registration",
            "personalized-plan",
            "scholarship-application",
            "scholarship-application",
            "team-creation",
        ],
        "{stdout}"
    );
    for (machine, record) in &settled {
        product.succeeded(machine, record).await;
    }

    // The two-hour exam ends; its results are marked, and an hour after
    // the end its results run emails every candidate.
    product.advance(Duration::from_secs(3 * 24 * 3600 + 2 * 3600 + 600));
    let mut results = Vec::new();
    let mut premium = None;
    for (_, registration) in settled
        .iter()
        .filter(|(m, _)| *m == "mock-exam-registration")
    {
        let stored = product.record::<MockRegistration>(registration).await;
        let score = if stored.email == "noah@example.com" {
            premium = Some(stored.email);
            72.5
        } else {
            55.0
        };
        results.push(json!({
            "registrationId": registration,
            "score": score,
            "sectionScores": {"clinical": score, "theory": score}
        }));
    }
    let premium = premium.expect("the premium candidate registered");
    let (status, answer) = product
        .post(
            &format!("/mock-exams/{exam}/results"),
            &json!({ "results": results }),
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    product.advance(Duration::from_secs(3600));
    product
        .eventually("the results are emailed", || async {
            product.recipients("mock_exam_results").contains(&premium)
        })
        .await;

    run_script(
        "app_results.test.mjs",
        &[
            ("APP_BASE_URL", product.embedded.base_url.clone()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            ("RESULTS_TO", premium),
            ("SCORE", "72.5".to_owned()),
            ("CANDIDATES", "2".to_owned()),
        ],
        Duration::from_secs(60),
        "all results checks passed",
    )
    .await;
}
