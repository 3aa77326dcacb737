//! The operations console in headless Chromium: the product runs one
//! discount purchase to the end and leaves another waiting for its payment,
//! then `tests/browser/console.test.mjs` (Node, playwright-core) opens the
//! console's pages and checks what a person sees.
//!
//! Needs Debian's `chromium` at /usr/bin/chromium, `node` on PATH and
//! `npm ci --prefix tests/browser` (tests/run.sh does all three). It fails,
//! never skips, when any is missing.

use std::time::Duration;

use campaigns_tests::browser::{require_tools, run_script};
use campaigns_tests::{ADMIN_TOKEN, Product};
use serde_json::json;

const JOURNEY: &str = "discount-purchase";

async fn create_purchase(product: &Product, email: &str) -> (String, String) {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": email, "firstName": "Mai", "lastName": "Tran", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (
        created["purchaseId"].as_str().expect("an id").to_owned(),
        created["checkout"]["checkoutUrl"]
            .as_str()
            .expect("a checkout")
            .to_owned(),
    )
}

fn execution_arn(name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:execution:{JOURNEY}:{name}",
        workflows::REGION,
        workflows::ACCOUNT
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_finished_and_a_waiting_journey_in_chromium() {
    require_tools();
    let product = Product::start().await;

    let paid_by = "finished@example.com";
    let (finished, checkout_url) = create_purchase(&product, paid_by).await;
    product.checkout_action(&checkout_url, "pay").await;
    let done = product.finished(JOURNEY, &finished).await;
    assert_eq!(
        done.status,
        workflows::ExecutionStatus::Succeeded,
        "{done:?}"
    );
    product
        .eventually("the receipt is in the outbox", || async {
            product.emails().iter().any(|(_, to)| to == paid_by)
        })
        .await;

    let (waiting, _) = create_purchase(&product, "waiting@example.com").await;
    let waiting_arn = execution_arn(&waiting);
    product
        .eventually("the second journey waits for its payment", || async {
            product
                .embedded
                .engine
                .get_execution_history(&waiting_arn)
                .is_ok_and(|history| history.iter().any(|e| e.event_type == "TaskSubmitted"))
        })
        .await;

    run_script(
        "console.test.mjs",
        &[
            ("CONSOLE_BASE_URL", product.embedded.base_url.clone()),
            ("ADMIN_TOKEN", ADMIN_TOKEN.to_owned()),
            ("FINISHED_ARN", execution_arn(&finished)),
            ("WAITING_ARN", waiting_arn),
            ("EMAIL_TO", paid_by.to_owned()),
        ],
        Duration::from_secs(120),
        "all console checks passed",
    )
    .await;
}
