//! Backing out of a checkout: Stripe's page sends the payer to the session's
//! cancel link, which comes to the API first. The session is expired, what
//! it held (a coupon use, a premium seat) goes back at once, and the payer
//! is redirected to the frontend's cancel page. A link with the wrong token
//! changes nothing.

use campaigns_contracts::records::{
    CouponRecord, DiscountPurchase, MockExam, MockRegistration, PurchaseStatus, RegistrationStatus,
};
use campaigns_tests::{Product, text};
use serde_json::{Value, json};

/// A client that looks at redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// Where the checkout page's Cancel button sends the payer.
async fn cancel_link(checkout_url: &str) -> String {
    let answer = no_redirects()
        .post(format!("{checkout_url}/cancel"))
        .send()
        .await
        .expect("the checkout page answers");
    assert!(answer.status().is_redirection(), "{}", answer.status());
    answer.headers()["location"]
        .to_str()
        .expect("a URL")
        .to_owned()
}

/// Follows the cancel link once: its status, `Location` and body.
async fn follow(link: &str) -> (u16, Option<String>, Value) {
    let answer = no_redirects().get(link).send().await.expect("an answer");
    let status = answer.status().as_u16();
    let location = answer
        .headers()
        .get("location")
        .map(|value| value.to_str().expect("a URL").to_owned());
    let body = answer.json().await.expect("a JSON body");
    (status, location, body)
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
async fn backing_out_of_a_purchase_gives_the_coupon_use_back_at_once() {
    let product = Product::start().await;
    product.seed_coupon("ONEUSE", 1, 10).await;
    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request("lena@example.com"),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase_id = text(&created, "purchaseId");
    let link = cancel_link(&text(&created["checkout"], "checkoutUrl")).await;
    assert!(
        link.starts_with(&format!("{}/checkout/cancel?", product.embedded.api_url())),
        "the cancel link comes to the API: {link}"
    );

    // The wrong token opens nothing and changes nothing.
    let forged = format!("{}x", link.trim_end_matches(char::is_alphanumeric));
    let (status, _, refused) = follow(&forged).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (401, &json!("UNAUTHORIZED"))
    );
    assert_eq!(coupon_uses(&product).await, 1);

    let (status, location, body) = follow(&link).await;
    assert_eq!(status, 303, "{body}");
    let expected = format!(
        "{}/checkout/cancel?campaign=discount-purchase&record={purchase_id}",
        product.embedded.app.settings.frontend_url
    );
    assert_eq!(location.as_deref(), Some(expected.as_str()));
    assert_eq!(body, json!({"location": expected, "released": true}));

    // At once: no clock moved.
    product.finished("discount-purchase", &purchase_id).await;
    let purchase = product.record::<DiscountPurchase>(&purchase_id).await;
    assert_eq!(purchase.status, PurchaseStatus::Expired);
    assert_eq!(coupon_uses(&product).await, 0, "the use went back");
    let (status, again) = product
        .post(
            "/purchases/create",
            &purchase_request("lena@example.com"),
            &[],
        )
        .await;
    assert_eq!(status, 201, "the one-use buyer may try again: {again}");

    // Following the link again changes nothing more.
    let (status, _, body) = follow(&link).await;
    assert_eq!((status, &body["released"]), (303, &json!(false)));
    assert_eq!(coupon_uses(&product).await, 1);
}

async fn coupon_uses(product: &Product) -> u32 {
    product.record::<CouponRecord>("ONEUSE").await.usage_count
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backing_out_of_a_premium_seat_gives_the_seat_back_at_once() {
    let product = Product::start().await;
    let exam_id = product.create_exam(1, chrono::TimeDelta::days(10)).await;
    let (status, created) = product
        .post(
            "/mock-exams/register",
            &json!({
                "mockExamId": exam_id,
                "email": "priya@example.com",
                "firstName": "Priya",
                "lastName": "Kumar",
                "tier": "premium"
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let registration_id = text(&created, "registrationId");
    let link = cancel_link(&text(&created["checkout"], "checkoutUrl")).await;

    let (status, _, body) = follow(&link).await;
    assert_eq!((status, &body["released"]), (303, &json!(true)), "{body}");
    product
        .finished("mock-exam-registration", &registration_id)
        .await;
    let registration = product.record::<MockRegistration>(&registration_id).await;
    assert_eq!(registration.status, RegistrationStatus::Cancelled);
    let exam = product.record::<MockExam>(&exam_id).await;
    assert_eq!(exam.registered_count, 0, "the seat went back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_link_without_its_fields_is_refused_with_the_field_named() {
    let product = Product::start().await;
    let (status, _, body) = follow(&format!(
        "{}/checkout/cancel?campaignId=discount-purchase&token=tok_1",
        product.embedded.api_url()
    ))
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["rule"], json!("required"), "{body}");
    let (status, _, body) = follow(&format!(
        "{}/checkout/cancel?campaignId=nothing&recordId=pur_1&token=tok_1",
        product.embedded.api_url()
    ))
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["field"], json!("/campaignId"), "{body}");
}
