//! The discount-purchase journey end to end on the embedded default: over
//! HTTP, through the Stripe simulator's checkout page and signed webhooks,
//! on the ASL engine running `workflows/definitions/discount-purchase.asl.json`.

use std::time::Duration;

use campaigns_contracts::records::{
    AccessGrant, AccessGrantStatus, CouponRecord, CouponUsage, CouponUsageStatus, DiscountPurchase,
    PurchaseStatus,
};
use campaigns_tests::{Product, text};
use serde_json::{Value, json};

const JOURNEY: &str = "discount-purchase";

fn purchase_request(email: &str, coupon: Option<&str>) -> Value {
    let mut body = json!({
        "email": email,
        "firstName": "Lena",
        "lastName": "Nguyen",
        "productId": "full-6months"
    });
    if let Some(code) = coupon {
        body["couponCode"] = json!(code);
    }
    body
}

async fn purchase(product: &Product, id: &str) -> DiscountPurchase {
    product.record::<DiscountPurchase>(id).await
}

async fn coupon_count(product: &Product, code: &str) -> u32 {
    product.record::<CouponRecord>(code).await.usage_count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_purchase_is_paid_confirmed_and_granted() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;

    let (status, validated) = product
        .post("/coupons/validate", &json!({"couponCode": " save20 ", "email": "lena@example.com", "productId": "full-6months"}), &[])
        .await;
    assert_eq!(status, 200, "{validated}");
    assert_eq!(
        (
            &validated["valid"],
            &validated["originalPrice"],
            &validated["discountAmount"],
            &validated["finalPrice"]
        ),
        (&json!(true), &json!(199), &json!(39.8), &json!(159.2))
    );

    let body = purchase_request("lena@Example.com", Some("save20"));
    let (status, created) = product
        .post("/purchases/create", &body, &[("Idempotency-Key", "try-1")])
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["finalPrice"], json!(159.2));
    let purchase_id = created["purchaseId"].as_str().expect("an id").to_owned();
    let token = created["accessToken"].as_str().expect("a token").to_owned();
    let checkout_url = created["checkout"]["checkoutUrl"]
        .as_str()
        .expect("a checkout")
        .to_owned();
    assert_eq!(
        coupon_count(&product, "SAVE20").await,
        1,
        "the use is reserved at checkout"
    );

    // A retry of the same request answers the same purchase; another body
    // under the same key is refused.
    let (status, again) = product
        .post("/purchases/create", &body, &[("Idempotency-Key", "try-1")])
        .await;
    assert_eq!(
        (status, &again["purchaseId"]),
        (201, &created["purchaseId"])
    );
    let other = purchase_request("someone@example.com", Some("save20"));
    let (status, refused) = product
        .post("/purchases/create", &other, &[("Idempotency-Key", "try-1")])
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("IDEMPOTENCY_KEY_REUSED"))
    );
    assert_eq!(
        coupon_count(&product, "SAVE20").await,
        1,
        "neither retry reserved another use"
    );

    product.checkout_action(&checkout_url, "pay").await;
    product.succeeded(JOURNEY, &purchase_id).await;

    let paid = purchase(&product, &purchase_id).await;
    assert_eq!(paid.status, PurchaseStatus::Paid);
    assert_eq!(paid.email, "lena@example.com");
    let usage = product
        .records()
        .get::<CouponUsage>(paid.coupon_usage_id.as_deref().expect("a use"))
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(usage.record.status, CouponUsageStatus::Confirmed);
    let grant = product
        .records()
        .get::<AccessGrant>(&format!("grant_{purchase_id}"))
        .await
        .expect("reads")
        .expect("access was granted");
    assert_eq!(grant.record.status, AccessGrantStatus::Active);
    assert_eq!(
        grant.record.ends_at,
        paid.access_expires_at.expect("an end")
    );
    assert_eq!(grant.record.payment_intent_id, paid.payment_intent_id);
    assert!(
        grant.record.payment_intent_id.is_some(),
        "the grant names the payment"
    );

    let (status, read) = product
        .get(&format!("/purchases/{purchase_id}"), Some(&token))
        .await;
    assert_eq!((status, &read["status"]), (200, &json!("paid")));
    let (status, _) = product
        .get(&format!("/purchases/{purchase_id}"), None)
        .await;
    assert_eq!(status, 401, "personal data needs the token");
    let (status, _) = product
        .get(&format!("/purchases/{purchase_id}"), Some("tok_00"))
        .await;
    assert_eq!(status, 401);

    assert_eq!(
        product.emails(),
        [(
            "purchase_confirmation".to_owned(),
            "lena@example.com".to_owned()
        )]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_checkout_releases_the_coupon_use() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("late@example.com", Some("SAVE20")),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase_id = created["purchaseId"].as_str().expect("an id").to_owned();
    assert_eq!(coupon_count(&product, "SAVE20").await, 1);

    // The session lives 23 hours; a day later Stripe expires it.
    product.advance(Duration::from_secs(24 * 3600));
    product.succeeded(JOURNEY, &purchase_id).await;
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::Expired
    );
    assert_eq!(
        coupon_count(&product, "SAVE20").await,
        0,
        "the use is given back"
    );
    assert!(product.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_free_purchase_activates_without_stripe() {
    let product = Product::start().await;
    product.seed_coupon("FREE100", 10, 100).await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("free@example.com", Some("FREE100")),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (&created["finalPrice"], created.get("checkout")),
        (&json!(0), None)
    );
    let purchase_id = created["purchaseId"].as_str().expect("an id").to_owned();
    product.succeeded(JOURNEY, &purchase_id).await;
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::Paid
    );
    assert!(
        product.embedded.simulator.events().is_empty(),
        "Stripe was never called"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coupon_limit_holds_when_buyers_race() {
    let product = Product::start().await;
    product.seed_coupon("FIRST3", 3, 10).await;
    let attempts = (0..12).map(|i| {
        let product = &product;
        async move {
            let body = purchase_request(&format!("buyer{i}@example.com"), Some("FIRST3"));
            product.post("/purchases/create", &body, &[]).await
        }
    });
    let results = futures_util::future::join_all(attempts).await;
    let won = results.iter().filter(|(status, _)| *status == 201).count();
    let refused: Vec<_> = results
        .iter()
        .filter(|(status, _)| *status != 201)
        .collect();
    assert_eq!(won, 3, "exactly the limit: {results:?}");
    assert!(
        refused.iter().all(|(status, body)| *status == 422
            && body["error"]["code"] == "COUPON_USAGE_LIMIT_REACHED"),
        "{refused:?}"
    );
    assert_eq!(coupon_count(&product, "FIRST3").await, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_delivered_twice_and_out_of_order_resume_the_journey_once() {
    let product =
        Product::start_with(|options| options.delivery.duplicate_and_reorder = true).await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("twice@example.com", None),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase_id = created["purchaseId"].as_str().expect("an id").to_owned();
    product
        .checkout_action(
            created["checkout"]["checkoutUrl"]
                .as_str()
                .expect("a checkout"),
            "pay",
        )
        .await;
    let finished = product.succeeded(JOURNEY, &purchase_id).await;
    let history = product
        .embedded
        .engine
        .get_execution_history(&finished.execution_arn)
        .expect("a history");
    let payment_waits_completed = history
        .iter()
        .filter(|event| {
            event.event_type == "TaskSucceeded"
                && event.details["resource"] == "invoke.waitForTaskToken"
        })
        .count();
    assert_eq!(
        payment_waits_completed, 1,
        "the wait completed once: {history:?}"
    );
    assert_eq!(product.emails().len(), 1, "one receipt");
    let delivered: Vec<_> = product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| event["type"] == "checkout.session.completed")
        .collect();
    assert_eq!(
        delivered.len(),
        1,
        "Stripe made one event, delivered twice by the simulator"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_card_gets_a_retry_email_and_can_pay_again() {
    let product = Product::start().await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("declined@example.com", None),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase_id = created["purchaseId"].as_str().expect("an id").to_owned();
    let checkout_url = created["checkout"]["checkoutUrl"]
        .as_str()
        .expect("a checkout")
        .to_owned();

    product.checkout_action(&checkout_url, "decline").await;
    product.until_sent("payment_failed").await;
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::PendingPayment
    );

    product.checkout_action(&checkout_url, "pay").await;
    product.succeeded(JOURNEY, &purchase_id).await;
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::Paid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_change_nothing() {
    let product = Product::start().await;
    let (status, body) = product
        .post("/purchases/create", &json!({"email": "x"}), &[])
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "VALIDATION_FAILED");
    let (status, body) = product
        .post(
            "/purchases/create",
            &purchase_request("a@example.com", Some("NOPE")),
            &[],
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("COUPON_NOT_FOUND"))
    );
    let (status, body) = product
        .post("/purchases/create", &json!({"email": "a@example.com", "firstName": "A", "lastName": "B", "productId": "mock-exam-premium"}), &[])
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("PRODUCT_NOT_FOR_SALE_HERE"))
    );
    let executions = product
        .embedded
        .engine
        .list_executions(&workflows::state_machine_arn(JOURNEY), None)
        .expect("lists");
    assert!(executions.is_empty(), "no journey started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_refund_keeps_access_and_refunding_the_rest_ends_it() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let (purchase_id, paid_with) = product
        .paid_purchase("lena@example.com", Some("SAVE20"))
        .await;
    let grant_id = format!("grant_{purchase_id}");

    // More than was paid ($159.20), nothing, or nothing at all: refused.
    let (status, refused) = product
        .admin_refund(JOURNEY, &purchase_id, None, Some(500.0), "too-much")
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("REFUND_EXCEEDS_PAYMENT"))
    );
    let (status, refused) = product
        .admin_refund(JOURNEY, &purchase_id, None, Some(0.0), "zero")
        .await;
    assert_eq!(
        (status, &refused["error"]["field"]),
        (400, &json!("/amount"))
    );
    let bearer = format!("Bearer {}", campaigns_tests::ADMIN_TOKEN);
    let (status, refused) = product
        .post(
            "/refunds",
            &json!({"campaignId": JOURNEY, "recordId": purchase_id, "reason": "duplicate"}),
            &[("Authorization", &bearer)],
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (400, &json!("IDEMPOTENCY_KEY_REQUIRED"))
    );
    let (status, _) = product
        .post(
            "/refunds",
            &json!({"campaignId": JOURNEY, "recordId": purchase_id, "reason": "duplicate"}),
            &[("Idempotency-Key", "no-admin")],
        )
        .await;
    assert_eq!(status, 401, "refunds are for admins");
    assert!(product.refunds_of(&paid_with).is_empty());

    // $50 back, sent twice under one key: one refund; access kept.
    let (status, first) = product
        .admin_refund(JOURNEY, &purchase_id, None, Some(50.0), "goodwill")
        .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (
            &first["amount"],
            &first["totalRefunded"],
            &first["amountPaid"]
        ),
        (&json!(50), &json!(50), &json!(159.2))
    );
    let (status, again) = product
        .admin_refund(JOURNEY, &purchase_id, None, Some(50.0), "goodwill")
        .await;
    assert_eq!((status, &again["refundId"]), (201, &first["refundId"]));
    product
        .eventually("the partial refund is recorded", || async {
            purchase(&product, &purchase_id).await.amount_refunded
                == Some(campaigns_core::money::Cents(5_000))
        })
        .await;
    assert_eq!(product.refunds_of(&paid_with).len(), 1, "refunded once");
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::Paid
    );
    assert_eq!(
        product.record::<AccessGrant>(&grant_id).await.status,
        AccessGrantStatus::Active
    );

    // The rest: access ends, the coupon use stays used.
    let (status, rest) = product
        .admin_refund(JOURNEY, &purchase_id, None, None, "the-rest")
        .await;
    assert_eq!(status, 201, "{rest}");
    assert_eq!(
        (&rest["amount"], &rest["totalRefunded"]),
        (&json!(109.2), &json!(159.2))
    );
    product
        .eventually("the purchase is refunded", || async {
            purchase(&product, &purchase_id).await.status == PurchaseStatus::Refunded
        })
        .await;
    let ended = product.record::<AccessGrant>(&grant_id).await;
    assert_eq!(ended.status, AccessGrantStatus::Revoked);
    assert!(ended.ends_at <= product.embedded.time.now());
    assert_eq!(
        coupon_count(&product, "SAVE20").await,
        1,
        "a used coupon stays used"
    );
    let (status, refused) = product
        .admin_refund(JOURNEY, &purchase_id, None, None, "once-more")
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("ALREADY_REFUNDED"))
    );
    assert_eq!(product.refunds_of(&paid_with).len(), 2);
    product
        .eventually("a refund email for each refund", || async {
            product.recipients("refund_issued").len() == 2
        })
        .await;
}

async fn grant_status(product: &Product, purchase_id: &str) -> AccessGrantStatus {
    product
        .record::<AccessGrant>(&format!("grant_{purchase_id}"))
        .await
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dispute_suspends_access_until_won_and_a_lost_one_ends_it() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let (won, won_with) = product
        .paid_purchase("won@example.com", Some("SAVE20"))
        .await;
    let (lost, lost_with) = product
        .paid_purchase("lost@example.com", Some("SAVE20"))
        .await;

    let won_dispute = product.open_dispute(&won_with);
    let lost_dispute = product.open_dispute(&lost_with);
    for purchase_id in [&won, &lost] {
        product
            .eventually("the disputed access is suspended", || async {
                grant_status(&product, purchase_id).await == AccessGrantStatus::Suspended
            })
            .await;
    }
    product
        .eventually("ops are told of both", || async {
            product.recipients("dispute_opened").len() == 2
        })
        .await;

    product.close_dispute(&won_dispute, true).await;
    product.close_dispute(&lost_dispute, false).await;
    product
        .eventually("the won dispute restores access", || async {
            grant_status(&product, &won).await == AccessGrantStatus::Active
        })
        .await;
    product
        .eventually("the lost dispute ends access", || async {
            grant_status(&product, &lost).await == AccessGrantStatus::Revoked
        })
        .await;
    let restored = product.record::<AccessGrant>(&format!("grant_{won}")).await;
    assert!(
        restored.ends_at > product.embedded.time.now(),
        "its period goes on"
    );

    assert_eq!(product.recipients("dispute_opened").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disputes_opening_delivered_after_its_closing_changes_nothing() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let (purchase_id, paid_with) = product
        .paid_purchase("late@example.com", Some("SAVE20"))
        .await;

    // Stripe's deliveries of the opening fail until after the closing.
    product.embedded.simulator.hold_deliveries();
    let dispute = product.open_dispute(&paid_with);
    product.close_dispute(&dispute, true).await;
    let [opened] = &product.events_about("charge.dispute.created", &dispute)[..] else {
        panic!("one opening event");
    };
    let [closed] = &product.events_about("charge.dispute.closed", &dispute)[..] else {
        panic!("one closing event");
    };
    assert_eq!(product.deliver(closed).await, 200);
    assert_eq!(product.deliver(opened).await, 200);
    product.embedded.simulator.release_deliveries();

    assert_eq!(
        grant_status(&product, &purchase_id).await,
        AccessGrantStatus::Active,
        "a won dispute leaves the access on, whatever the order"
    );
    let grant = product
        .record::<AccessGrant>(&format!("grant_{purchase_id}"))
        .await;
    assert_eq!(
        grant.dispute.map(|d| (d.dispute_id, d.status)),
        Some((dispute, campaigns_contracts::records::DisputeStatus::Won))
    );
    assert_eq!(product.recipients("dispute_opened"), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_intent_that_succeeded_settles_a_payment_whose_session_event_is_late() {
    let product = Product::start().await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("async@example.com", None),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase_id = text(&created, "purchaseId");
    let session_id = text(&created["checkout"], "sessionId");
    product.until_payment_waits(&purchase_id).await;

    // Every delivery is late but the PaymentIntent's.
    product.embedded.simulator.hold_deliveries();
    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    let succeeded: Vec<Value> = product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| {
            event["type"] == "payment_intent.succeeded"
                && event["data"]["object"]["metadata"]["recordId"] == purchase_id.as_str()
        })
        .collect();
    let [succeeded] = &succeeded[..] else {
        panic!("one payment_intent.succeeded: {succeeded:?}");
    };
    assert_eq!(product.deliver(succeeded).await, 200);
    product.succeeded(JOURNEY, &purchase_id).await;
    let paid = purchase(&product, &purchase_id).await;
    assert_eq!(paid.status, PurchaseStatus::Paid);
    assert_eq!(
        paid.payment_intent_id.as_deref(),
        succeeded["data"]["object"]["id"].as_str()
    );
    assert_eq!(
        paid.stripe_checkout_session_id.as_deref(),
        Some(session_id.as_str())
    );

    // The session's own events, delivered at last, change nothing.
    product.embedded.simulator.release_deliveries();
    product
        .eventually("the late deliveries are made", || async {
            product.embedded.simulator.pending_deliveries() == 0
        })
        .await;
    assert_eq!(
        purchase(&product, &purchase_id).await.status,
        PurchaseStatus::Paid
    );
    assert_eq!(product.recipients("purchase_confirmation").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_lists_limits_and_deactivates_coupons() {
    let product = Product::start().await;
    product.seed_coupon("LIMITED", 5, 20).await;
    product.seed_coupon("ALSO", 5, 10).await;
    let bearer = format!("Bearer {}", campaigns_tests::ADMIN_TOKEN);
    let admin = [("Authorization", bearer.as_str())];
    let update = |code: &str, change: Value| {
        let product = &product;
        let path = format!("/coupons/{code}/update");
        async move { product.post(&path, &change, &admin).await }
    };
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("first@example.com", Some("limited")),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");

    // One use is held: the limit cannot go under it.
    let (status, refused) = update("limited", json!({"usageLimit": 0})).await;
    assert_eq!(
        (
            status,
            &refused["error"]["code"],
            &refused["error"]["field"]
        ),
        (422, &json!("USAGE_LIMIT_BELOW_USES"), &json!("/usageLimit"))
    );
    let (status, limited) = update("limited", json!({"usageLimit": 1})).await;
    assert_eq!(
        (status, &limited["usageLimit"]),
        (200, &json!(1)),
        "{limited}"
    );
    let (status, full) = product
        .post(
            "/coupons/validate",
            &json!({"couponCode": "LIMITED", "email": "second@example.com", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(
        (status, &full["valid"], &full["reason"]["code"]),
        (200, &json!(false), &json!("COUPON_USAGE_LIMIT_REACHED"))
    );

    // Deactivated, it takes no one; the list shows both, by code.
    let (status, inactive) = update("ALSO", json!({"status": "inactive"})).await;
    assert_eq!((status, &inactive["status"]), (200, &json!("inactive")));
    let (status, refused) = product
        .post(
            "/purchases/create",
            &purchase_request("third@example.com", Some("also")),
            &[],
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["code"], json!("COUPON_INACTIVE"));
    let (status, listed) = product.get_as_admin("/coupons").await;
    assert_eq!(status, 200, "{listed}");
    let listed: Vec<(&Value, &Value, &Value)> = listed["coupons"]
        .as_array()
        .expect("coupons")
        .iter()
        .map(|coupon| {
            (
                &coupon["couponCode"],
                &coupon["status"],
                &coupon["usageCount"],
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (&json!("ALSO"), &json!("inactive"), &json!(0)),
            (&json!("LIMITED"), &json!("active"), &json!(1))
        ]
    );

    // Nothing to change, an unknown coupon, no admin: refused.
    let (status, refused) = update("ALSO", json!({})).await;
    assert_eq!(
        (status, &refused["error"]["rule"]),
        (400, &json!("minProperties"))
    );
    let (status, _) = update("NOSUCH", json!({"status": "active"})).await;
    assert_eq!(status, 404);
    let (status, _) = product
        .post("/coupons/ALSO/update", &json!({"status": "active"}), &[])
        .await;
    assert_eq!(status, 401);
    assert_eq!(coupon_count(&product, "ALSO").await, 0);
}
