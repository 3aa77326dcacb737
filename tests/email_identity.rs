//! Emails over HTTP: every route that takes one refuses display names and
//! line breaks with a 400 naming the field, and the limits per person
//! (per-user coupon uses, one registration per exam, one share per team
//! member) count case and `+tag` variants of one address as one person.

use campaigns_contracts::Example;
use campaigns_contracts::api::{
    CreatePlanRequest, CreatePurchaseRequest, CreateTeamRequest, RegisterMockExamRequest,
    ScholarshipApplyRequest, ValidateCouponRequest,
};
use campaigns_contracts::records::{DiscountPurchase, MockExam, MockRegistration};
use campaigns_tests::{ADMIN_TOKEN, Product, text};
use chrono::TimeDelta;
use serde::Serialize;
use serde_json::{Value, json};

/// Every route whose body holds an email, with a valid example body and
/// where the email sits in it.
fn routes_with_an_email() -> Vec<(&'static str, Value, &'static str)> {
    fn body(example: impl Serialize) -> Value {
        serde_json::to_value(example).expect("examples serialize")
    }
    vec![
        (
            "/purchases/create",
            body(CreatePurchaseRequest::example()),
            "/email",
        ),
        (
            "/coupons/validate",
            body(ValidateCouponRequest::example()),
            "/email",
        ),
        (
            "/mock-exams/register",
            body(RegisterMockExamRequest::example()),
            "/email",
        ),
        (
            "/teams/create",
            body(CreateTeamRequest::example()),
            "/leaderEmail",
        ),
        (
            "/teams/create",
            body(CreateTeamRequest::example()),
            "/members/0/email",
        ),
        (
            "/scholarships/apply",
            body(ScholarshipApplyRequest::example()),
            "/email",
        ),
        (
            "/personalized-plans/create",
            body(CreatePlanRequest::example()),
            "/email",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn display_names_line_breaks_and_long_local_parts_are_refused_on_every_route() {
    let product = Product::start().await;
    let local_part_over_64 = format!("{}@example.com", "l".repeat(65));
    for address in [
        "Any Name <a@example.com>",
        "\"Any Name\" <a@example.com>",
        "<a@example.com>",
        "a@example.com\r\nBcc: x@y",
        "a@example.com\nBcc: x@y.com",
        &local_part_over_64,
    ] {
        for (path, mut body, field) in routes_with_an_email() {
            *body.pointer_mut(field).expect("the example has the field") = json!(address);
            let (status, answer) = product.post(path, &body, &[]).await;
            assert_eq!(
                (
                    status,
                    &answer["error"]["code"],
                    &answer["error"]["field"],
                    &answer["error"]["rule"]
                ),
                (
                    400,
                    &json!("VALIDATION_FAILED"),
                    &json!(field),
                    &json!("pattern")
                ),
                "{path} {field} = {address:?}: {answer}"
            );
        }
    }
    assert_eq!(product.emails(), [], "nothing was mailed");
}

fn purchase_request(email: &str) -> Value {
    json!({
        "email": email,
        "firstName": "Lena",
        "lastName": "Nguyen",
        "productId": "full-6months",
        "couponCode": "ONCE"
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_and_tag_variants_share_one_per_user_coupon_limit() {
    let product = Product::start().await;
    product.seed_coupon("ONCE", 100, 20).await;

    let (status, created) = product
        .post(
            "/purchases/create",
            &purchase_request(" A+x@Example.com "),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let purchase = product
        .record::<DiscountPurchase>(&text(&created, "purchaseId"))
        .await;
    assert_eq!(
        purchase.email, "A+x@example.com",
        "stored as typed, trimmed, with the domain in lower case"
    );

    let (status, validated) = product
        .post(
            "/coupons/validate",
            &json!({"couponCode": "ONCE", "email": "a@example.com", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(
        (status, &validated["valid"], &validated["reason"]["code"]),
        (200, &json!(false), &json!("COUPON_PER_USER_LIMIT_REACHED")),
        "{validated}"
    );
    for variant in ["a@example.com", "A+other@EXAMPLE.com", "a+x@example.com"] {
        let (status, refused) = product
            .post("/purchases/create", &purchase_request(variant), &[])
            .await;
        assert_eq!(
            (status, &refused["error"]["code"]),
            (422, &json!("COUPON_PER_USER_LIMIT_REACHED")),
            "{variant}: {refused}"
        );
    }

    let (status, other) = product
        .post("/purchases/create", &purchase_request("b@example.com"), &[])
        .await;
    assert_eq!(status, 201, "another person has their own use: {other}");
}

async fn register(product: &Product, exam_id: &str, email: &str) -> (u16, Value) {
    product
        .post(
            "/mock-exams/register",
            &json!({"mockExamId": exam_id, "email": email, "firstName": "Priya", "lastName": "Kumar", "tier": "free"}),
            &[],
        )
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_and_tag_variants_share_one_exam_registration() {
    let product = Product::start().await;
    let starts_at = product.embedded.time.now() + TimeDelta::days(3);
    let (status, exam) = product
        .post(
            "/mock-exams",
            &json!({
                "title": "ADC Part 1 Mock Exam",
                "startsAt": starts_at.to_rfc3339(),
                "durationMinutes": 120,
                "capacity": 5,
                "passMark": 60.0,
                "sections": ["clinical", "theory"]
            }),
            &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
        )
        .await;
    assert_eq!(status, 201, "{exam}");
    let exam_id = text(&exam, "mockExamId");

    let (status, created) = register(&product, &exam_id, "Priya.K+mock@Example.com").await;
    assert_eq!(status, 201, "{created}");
    let registration = product
        .record::<MockRegistration>(&text(&created, "registrationId"))
        .await;
    assert_eq!(registration.email, "Priya.K+mock@example.com");

    for variant in ["priya.k@example.com", "PRIYA.K+again@example.com"] {
        let (status, refused) = register(&product, &exam_id, variant).await;
        assert_eq!(
            (
                status,
                &refused["error"]["code"],
                &refused["error"]["field"]
            ),
            (409, &json!("ALREADY_REGISTERED"), &json!("/email")),
            "{variant}: {refused}"
        );
    }
    assert_eq!(
        product.record::<MockExam>(&exam_id).await.registered_count,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tagged_address_of_a_member_already_in_the_team_is_refused() {
    let product = Product::start().await;
    let (status, refused) = product
        .post(
            "/teams/create",
            &json!({
                "leaderEmail": "Leader@Example.com",
                "leaderFirstName": "John",
                "leaderLastName": "Doe",
                "country": "Australia",
                "members": [
                    {"name": "Jane Smith", "email": "jane@example.com"},
                    {"name": "John Again", "email": "leader+second@example.com"}
                ]
            }),
            &[],
        )
        .await;
    assert_eq!(
        (
            status,
            &refused["error"]["code"],
            &refused["error"]["field"]
        ),
        (
            422,
            &json!("DUPLICATE_MEMBER_EMAIL"),
            &json!("/members/1/email")
        ),
        "{refused}"
    );
}
