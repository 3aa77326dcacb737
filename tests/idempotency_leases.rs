//! An `Idempotency-Key` whose request died after claiming it (a killed
//! `serve`): over HTTP on the embedded default, the key answers
//! `409 REQUEST_IN_PROGRESS` for the claim's lease, then one retry takes it
//! over and creates the purchase, and every later retry gets that answer.

use std::time::Duration;

use campaigns_app::idempotency::{CLAIM_LEASE_SECS, replay_or_run};
use campaigns_contracts::records::DiscountPurchase;
use campaigns_tests::Product;
use serde_json::{Value, json};

/// What a create leaves when its process dies in the handler: the claim,
/// written as the server writes it, and nothing to end it.
async fn crash_after_claiming(product: &Product, operation: &str, key: &str, body: &Value) {
    let bytes = serde_json::to_vec(body).expect("a body");
    let (started, claimed) = tokio::sync::oneshot::channel();
    let request = replay_or_run(
        product.records(),
        product.embedded.time.now(),
        operation,
        key,
        &bytes,
        || async {
            let _ = started.send(());
            std::future::pending().await
        },
    );
    tokio::select! {
        _ = request => panic!("the handler never answers"),
        _ = claimed => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_claimed_by_a_dead_request_is_taken_over_once_after_its_lease() {
    let product = Product::start().await;
    let email = "crashed.buyer@example.com";
    let body = json!({
        "email": email,
        "firstName": "Lena",
        "lastName": "Nguyen",
        "productId": "full-6months"
    });
    let key = [("Idempotency-Key", "crashed-1")];
    crash_after_claiming(&product, "createPurchase", "crashed-1", &body).await;

    product.advance(Duration::from_secs(CLAIM_LEASE_SECS as u64 - 1));
    let (status, answer) = product.post("/purchases/create", &body, &key).await;
    assert_eq!(
        (status, &answer["error"]["code"]),
        (409, &json!("REQUEST_IN_PROGRESS")),
        "within the lease: {answer}"
    );

    product.advance(Duration::from_secs(1));
    let (first, second) = tokio::join!(
        product.post("/purchases/create", &body, &key),
        product.post("/purchases/create", &body, &key)
    );
    let created: Vec<&Value> = [&first, &second]
        .into_iter()
        .filter(|(status, _)| *status == 201)
        .map(|(_, created)| created)
        .collect();
    assert!(
        !created.is_empty(),
        "a retry after the lease creates the purchase: {first:?} {second:?}"
    );
    for (status, answer) in [&first, &second] {
        assert!(
            *status == 201 && answer["purchaseId"] == created[0]["purchaseId"]
                || *status == 409 && answer["error"]["code"] == "REQUEST_IN_PROGRESS",
            "the other retry is told to wait or gets the same purchase: {answer}"
        );
    }
    let purchases = product
        .records()
        .query::<DiscountPurchase>("email-index", email, None)
        .await
        .expect("the purchases by email");
    assert_eq!(purchases.len(), 1, "one purchase, whatever the retries");

    let (status, replayed) = product.post("/purchases/create", &body, &key).await;
    assert_eq!(
        (status, &replayed["purchaseId"]),
        (201, &created[0]["purchaseId"]),
        "later retries get the kept answer"
    );
}
