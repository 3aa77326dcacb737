//! No stranded work, on the embedded default: a create interrupted after
//! each of its writes — the Idempotency-Key claim, the batch of record, hold
//! and owed journey, the session noted on the record, the journey's start,
//! the start crossed off — as a killed process or a timed-out Lambda would
//! leave it. Whatever the instant, the record's journey runs once, the hold
//! goes back when nobody pays, and the client's key answers again.

use std::time::Duration;

use campaigns_app::faults;
use campaigns_app::journey_starts::GRACE;
use campaigns_contracts::records::{
    DiscountPurchase, JOURNEY_START_QUEUE, JourneyStart, MockExam, MockRegistration,
    PurchaseStatus, RegistrationStatus,
};
use campaigns_tests::Product;
use serde_json::{Value, json};
use workflows::ExecutionStatus;

/// Longer than a hold's checkout (31 min) and its journey's wait (40 min).
const HOLD_OUTLIVED: Duration = Duration::from_secs(41 * 60);

/// The create on the product's app interrupted after `writes` writes.
async fn create_interrupted(
    product: &Product,
    operation: &str,
    body: &Value,
    key: &str,
    writes: usize,
) -> Option<(u16, Value)> {
    faults::create_interrupted(&product.embedded.app, operation, body, key, writes)
        .await
        .map(|answer| (answer.status, answer.body))
}

async fn owed(product: &Product) -> Vec<JourneyStart> {
    product
        .records()
        .query::<JourneyStart>("queue-dueAt-index", JOURNEY_START_QUEUE, None)
        .await
        .expect("reads")
}

/// Within a grace, the sweep starts what the dead create owed, and nothing
/// stays owed.
async fn sweep_carries(product: &Product, state_machine: &str, name: &str) {
    product.advance(GRACE.to_std().expect("positive") + Duration::from_secs(1));
    product
        .eventually("the owed journey is started and crossed off", || async {
            owed(product).await.is_empty()
        })
        .await;
    let arn = format!(
        "arn:aws:states:{}:{}:execution:{state_machine}:{name}",
        workflows::REGION,
        workflows::ACCOUNT
    );
    let execution = product
        .embedded
        .engine
        .describe_execution(&arn)
        .unwrap_or_else(|err| panic!("{name} has no journey: {err:?}"));
    assert_eq!(execution.name, name);
}

fn purchase_request(email: &str) -> Value {
    json!({
        "email": email,
        "firstName": "Lena",
        "lastName": "Nguyen",
        "productId": "full-6months",
        "couponCode": "ONEUSE"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_purchase_interrupted_after_any_write_is_carried_and_released() {
    for writes in 0.. {
        let product = Product::start().await;
        // One use in all: a stranded hold would refuse every later buyer.
        product.seed_coupon("ONEUSE", 1, 10).await;
        let email = format!("lena.{writes}@example.com");
        let body = purchase_request(&email);
        let key = format!("buy-{writes}");
        if let Some((status, created)) =
            create_interrupted(&product, "createPurchase", &body, &key, writes).await
        {
            assert_eq!(status, 201, "{created}");
            assert!(
                owed(&product).await.is_empty(),
                "a finished create owes nothing"
            );
            assert!(
                writes >= 4,
                "claim, batch, session, start: only {writes} writes"
            );
            break;
        }

        let purchases: Vec<DiscountPurchase> = product
            .records()
            .query("email-index", email.as_str(), None)
            .await
            .expect("reads");
        match purchases.as_slice() {
            // Died before the batch (at the key's claim): nothing is held.
            [] => {
                assert!(owed(&product).await.is_empty());
                assert_eq!(coupon_uses(&product).await, 0);
            }
            [purchase] => {
                assert_eq!(coupon_uses(&product).await, 1, "the use is held");
                sweep_carries(&product, "discount-purchase", &purchase.purchase_id).await;
                // The clock moves once the wait's timeout runs, not before.
                product.until_payment_waits(&purchase.purchase_id).await;
                product.advance(HOLD_OUTLIVED);
                product
                    .finished("discount-purchase", &purchase.purchase_id)
                    .await;
                let settled = product
                    .record::<DiscountPurchase>(&purchase.purchase_id)
                    .await;
                assert!(
                    matches!(
                        settled.status,
                        PurchaseStatus::Expired | PurchaseStatus::Failed
                    ),
                    "{:?}",
                    settled.status
                );
                assert_eq!(coupon_uses(&product).await, 0, "the use went back");
            }
            more => panic!("one create made {} purchases", more.len()),
        }

        // The client's retry with the same key gets an answer, and the
        // coupon's one use is there to be had.
        product.advance(HOLD_OUTLIVED);
        let (status, retried) = product
            .post("/purchases/create", &body, &[("Idempotency-Key", &key)])
            .await;
        assert_eq!(status, 201, "after {writes} writes: {retried}");
    }
}

async fn coupon_uses(product: &Product) -> u32 {
    product
        .record::<campaigns_contracts::records::CouponRecord>("ONEUSE")
        .await
        .usage_count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_premium_registration_interrupted_after_any_write_gives_its_seat_back() {
    for writes in 0.. {
        let product = Product::start().await;
        let exam_id = product.create_exam(1, chrono::TimeDelta::days(10)).await;
        let email = format!("priya.{writes}@example.com");
        let body = json!({
            "mockExamId": exam_id,
            "email": email,
            "firstName": "Priya",
            "lastName": "Kumar",
            "tier": "premium"
        });
        let key = format!("register-{writes}");
        if let Some((status, created)) =
            create_interrupted(&product, "registerMockExam", &body, &key, writes).await
        {
            assert_eq!(status, 201, "{created}");
            assert!(owed(&product).await.is_empty());
            assert!(
                writes >= 4,
                "claim, batch, session, start: only {writes} writes"
            );
            break;
        }

        let registrations: Vec<MockRegistration> = product
            .records()
            .query("email-index", email.as_str(), None)
            .await
            .expect("reads");
        match registrations.as_slice() {
            [] => assert_eq!(seats_taken(&product, &exam_id).await, 0),
            [registration] => {
                assert_eq!(seats_taken(&product, &exam_id).await, 1, "the seat is held");
                let id = &registration.registration_id;
                sweep_carries(&product, "mock-exam-registration", id).await;
                // The clock moves once the wait's timeout runs, not before.
                product.until_payment_waits(id).await;
                product.advance(HOLD_OUTLIVED);
                let finished = product.finished("mock-exam-registration", id).await;
                assert_eq!(finished.status, ExecutionStatus::Succeeded);
                let settled = product.record::<MockRegistration>(id).await;
                assert_eq!(settled.status, RegistrationStatus::Cancelled);
                assert_eq!(
                    seats_taken(&product, &exam_id).await,
                    0,
                    "the seat went back"
                );
            }
            more => panic!("one create made {} registrations", more.len()),
        }

        product.advance(HOLD_OUTLIVED);
        let (status, retried) = product
            .post("/mock-exams/register", &body, &[("Idempotency-Key", &key)])
            .await;
        assert_eq!(status, 201, "after {writes} writes: {retried}");
    }
}

async fn seats_taken(product: &Product, exam_id: &str) -> u32 {
    product.record::<MockExam>(exam_id).await.registered_count
}
