//! The console's state graph of a Map whose iterations diverged, in
//! headless Chromium: a team of two where the leader pays on time and the
//! other member is reminded and still owes the share. Then
//! `tests/browser/console_map.test.mjs` (Node, playwright-core) checks that
//! each state inside the Map is coloured from what the iterations did: the
//! leader's path green, the reminded member's wait current, and the states
//! no iteration entered (reconciling, unpaid) plain.
//!
//! Needs what every browser test needs (`campaigns_tests::browser`) and
//! fails, never skips, when one is missing.

use std::time::Duration;

use campaigns_tests::browser::{require_tools, run_script};
use campaigns_tests::{ADMIN_TOKEN, Product};
use serde_json::json;

const JOURNEY: &str = "team-creation";
const DAY: u64 = 24 * 3600;

/// Waits until the execution's history has a `event_type` event of `state`.
async fn until_event(product: &Product, arn: &str, event_type: &str, state: &str) {
    product
        .eventually(&format!("{event_type} {state}"), || async {
            product
                .embedded
                .engine
                .get_execution_history(arn)
                .is_ok_and(|history| {
                    history.iter().any(|event| {
                        event.event_type == event_type && event.details["name"] == state
                    })
                })
        })
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_colours_a_map_from_its_iterations_in_chromium() {
    require_tools();
    let product = Product::start().await;
    let (status, team) = product
        .post(
            "/teams/create",
            &json!({
                "leaderEmail": "leader@example.com",
                "leaderFirstName": "John",
                "leaderLastName": "Doe",
                "country": "Australia",
                "members": [{"name": "Jane Smith", "email": "jane@example.com"}]
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{team}");
    let team_id = team["teamId"].as_str().expect("a team id");
    let arn = format!(
        "arn:aws:states:{}:{}:execution:{JOURNEY}:{team_id}",
        workflows::REGION,
        workflows::ACCOUNT
    );

    // The leader pays at once: that iteration authorizes its share and ends.
    until_event(&product, &arn, "TaskStateEntered", "WaitBeforeReminder").await;
    product
        .checkout_action(
            team["checkout"]["checkoutUrl"]
                .as_str()
                .expect("a checkout"),
            "pay",
        )
        .await;
    until_event(&product, &arn, "TaskStateExited", "AuthorizeShare").await;

    // Jane does not: a day before the deadline she is reminded, and her
    // iteration waits for the deadline.
    product.advance(Duration::from_secs(5 * DAY + 60));
    product
        .eventually("Jane is reminded", || async {
            product.recipients("team_payment_reminder") == ["jane@example.com"]
        })
        .await;
    until_event(&product, &arn, "TaskStateEntered", "WaitUntilDeadline").await;
    product
        .eventually("Jane's wait for the deadline is submitted", || async {
            let history = product
                .embedded
                .engine
                .get_execution_history(&arn)
                .unwrap_or_default();
            let entered = history.iter().position(|event| {
                event.event_type == "TaskStateEntered"
                    && event.details["name"] == "WaitUntilDeadline"
            });
            // The leader's iteration has ended: what follows is Jane's.
            entered.is_some_and(|at| {
                history[at..]
                    .iter()
                    .any(|event| event.event_type == "TaskSubmitted")
            })
        })
        .await;

    run_script(
        "console_map.test.mjs",
        &[
            ("CONSOLE_BASE_URL", product.embedded.base_url.clone()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            ("TEAM_ARN", arn),
        ],
        Duration::from_secs(120),
        "all Map checks passed",
    )
    .await;
}
