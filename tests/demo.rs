//! `campaigns demo` against the product on the embedded default: every
//! journey driven over HTTP completes, and the timeline names each one.

use campaigns_local::demo::{self, JOURNEYS};
use campaigns_tests::{ADMIN_TOKEN, Product};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_completes_every_journey() {
    let product = Product::start().await;
    let mut timeline = Vec::new();
    let result = demo::run(&product.embedded.api_url(), ADMIN_TOKEN, &mut timeline).await;
    let timeline = String::from_utf8(timeline).expect("text");
    let summary = result.unwrap_or_else(|err| panic!("{err:#}\n{timeline}"));
    assert_eq!(summary.completed(), JOURNEYS, "{timeline}");
    for journey in JOURNEYS {
        assert!(timeline.contains(journey), "{journey} in\n{timeline}");
    }
    assert!(timeline.contains("fully_paid"), "{timeline}");

    // A second run against the same product is a run of its own.
    let mut again = Vec::new();
    let summary = demo::run(&product.embedded.api_url(), ADMIN_TOKEN, &mut again)
        .await
        .expect("a second run completes");
    assert_eq!(summary.completed(), JOURNEYS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_admin_token_fails_the_demo_with_a_clear_message() {
    let product = Product::start().await;
    let mut timeline = Vec::new();
    let err = demo::run(&product.embedded.api_url(), "not-the-token", &mut timeline)
        .await
        .expect_err("the demo fails");
    assert!(format!("{err:#}").contains("admin token"), "{err:#}");
}
