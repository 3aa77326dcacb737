//! The operations console in headless Chromium: the product runs one
//! discount purchase to the end and leaves another waiting for its payment,
//! then `tests/browser/console.test.mjs` (Node, playwright-core) opens the
//! console's pages and checks what a person sees.
//!
//! Needs Debian's `chromium` at /usr/bin/chromium, `node` on PATH and
//! `npm ci --prefix tests/browser` (tests/run.sh does all three). It fails,
//! never skips, when any is missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use campaigns_tests::{ADMIN_TOKEN, Product};
use serde_json::json;

const JOURNEY: &str = "discount-purchase";
const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Chromium, node and the pinned playwright-core, or a loud failure
/// saying how to install them.
fn require_tools() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing; install it with:\n  apt-get update && apt-get install -y chromium"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|out| out.status.success()),
        "node is missing ({node:?}); install Node.js 20 or newer"
    );
    assert!(
        browser_dir()
            .join("node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is not installed; run:\n  npm ci --prefix tests/browser"
    );
}

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

    let mut command = Command::new("node");
    command
        .arg("console.test.mjs")
        .current_dir(browser_dir())
        .env("CONSOLE_BASE_URL", &product.embedded.base_url)
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .env("FINISHED_ARN", execution_arn(&finished))
        .env("WAITING_ARN", &waiting_arn)
        .env("EMAIL_TO", paid_by);
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the browser test ends within 2 minutes")
        .expect("the runner thread")
        .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "the browser test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all console checks passed"), "{stdout}");
}
