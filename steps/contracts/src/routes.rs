//! The route table: one entry per HTTP route of the API.
//!
//! The OpenAPI document is generated from it; the local server and the Lambda
//! handlers are checked against it; the infrastructure checks compare API
//! Gateway's routes with it. Paths are relative to the `/v1` base.

use campaigns_core::cluster::{ClusterAssessment, ScoreReport};
use campaigns_core::scholarship::ScholarshipCalculation;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Example;
use crate::api::*;
use crate::records::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// The access token returned when the record was created, in
    /// `X-Access-Token`: the record holds personal data.
    RecordToken,
    /// An administrator (IAM on API Gateway; a bearer token locally).
    Admin,
    /// Stripe, proven by the `Stripe-Signature` header.
    StripeSignature,
}

/// A request or response body: its schema, its example and its name.
#[derive(Debug, Clone, Copy)]
pub struct Body {
    pub name: fn() -> String,
    /// A `$ref` into the generator's definitions (for the OpenAPI document).
    pub schema: fn(&mut SchemaGenerator) -> Schema,
    /// The schema on its own, with its `$defs` (for `schemas/`).
    pub standalone: fn() -> Value,
    pub example: fn() -> Value,
    /// Parses a value as the API would: schema, then type.
    pub accepts: fn(Value) -> Result<(), ApiError>,
}

/// The body of type `T`.
pub fn body<T: JsonSchema + Example + Serialize + DeserializeOwned + 'static>() -> Body {
    Body {
        name: || T::schema_name().into_owned(),
        schema: |generator| generator.subschema_for::<T>(),
        standalone: crate::validation::schema_of::<T>,
        example: || serde_json::to_value(T::example()).expect("examples serialize"),
        accepts: |value| crate::validation::parse_value::<T>(value).map(drop),
    }
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub operation_id: &'static str,
    pub summary: &'static str,
    /// The Lambda function (seed §2) that serves the route in production.
    pub lambda: &'static str,
    pub access: Access,
    /// Create routes take an `Idempotency-Key` header: a retried request
    /// returns the first response instead of creating a second record.
    pub idempotent_create: bool,
    pub request: Option<Body>,
    /// The query string's parameters, as one object of strings checked
    /// against this body's schema (each property a parameter).
    pub query: Option<Body>,
    pub response: Body,
    pub success_status: u16,
    /// The body names an existing record (or checkout session) to act on, so
    /// an unknown one is a 404, as an unknown path parameter is.
    pub body_names_record: bool,
}

impl Route {
    /// The `{name}` parameters of the path, in order.
    pub fn path_params(&self) -> Vec<&'static str> {
        self.path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .collect()
    }
}

/// The webhook body is Stripe's event, read by the payments adapter; the
/// document states only the envelope every event has.
fn stripe_event_body() -> Body {
    fn schema() -> Value {
        json_schema!({
            "title": "StripeEvent",
            "description": "A Stripe event as Stripe delivers it; verified with the Stripe-Signature header over the raw body.",
            "type": "object",
            "required": ["id", "object", "type", "created", "data"],
            "properties": {
                "id": {"type": "string", "pattern": "^evt_"},
                "object": {"const": "event"},
                "type": {"type": "string"},
                "created": {"type": "integer"},
                "data": {"type": "object", "required": ["object"], "properties": {"object": {"type": "object"}}}
            }
        })
        .to_value()
    }
    Body {
        name: || "StripeEvent".into(),
        schema: |_| Schema::try_from(schema()).expect("a schema object"),
        standalone: schema,
        accepts: |value| {
            let validator = crate::json_schema::Validator::new(&schema())
                .expect("the envelope schema compiles");
            validator.validate(&value).map_err(|err| {
                ApiError::new("VALIDATION_FAILED", err.to_string())
                    .with_field(err.instance_path, err.keyword)
            })
        },
        example: || {
            serde_json::json!({
                "id": "evt_1QabcDEFghiJKL",
                "object": "event",
                "type": "checkout.session.completed",
                "created": 1736160000,
                "livemode": false,
                "data": {"object": {
                    "id": "cs_test_a1B2c3D4",
                    "object": "checkout.session",
                    "payment_status": "paid",
                    "status": "complete",
                    "payment_intent": "pi_3QabcJane",
                    "metadata": {"campaignId": "team-creation", "recordId": "team_01JH3Z8Q4W6T2V9K5M7N1P3R", "memberId": "mem_01JH3Z8Q4W6T2V9K5M7N1P3T"}
                }}
            })
        },
    }
}

/// A route without a request body.
fn no_body() -> Option<Body> {
    None
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    use Access::*;
    use Method::*;
    let route = |method, path, operation_id, summary, lambda, access, request, response| Route {
        method,
        path,
        operation_id,
        summary,
        lambda,
        access,
        idempotent_create: false,
        request,
        query: None,
        response,
        success_status: 200,
        body_names_record: false,
    };
    let create = |path, operation_id, summary, lambda, access, request, response| Route {
        idempotent_create: true,
        success_status: 201,
        ..route(
            Post,
            path,
            operation_id,
            summary,
            lambda,
            access,
            Some(request),
            response,
        )
    };
    const TEAMS: &str = "team-creation-handler";
    const SCHOLARSHIPS: &str = "scholarship-handler";
    const PURCHASES: &str = "discount-purchase-handler";
    const PLANS: &str = "personalized-plan-handler";
    const EXAMS: &str = "mock-exam-handler";
    const CHECKOUT: &str = "checkout-session-handler";
    const WEBHOOK: &str = "stripe-webhook-handler";
    const PRIVACY: &str = "privacy-handler";
    vec![
        create(
            "/teams/create",
            "createTeam",
            "Create a team and the leader's checkout",
            TEAMS,
            Public,
            body::<CreateTeamRequest>(),
            body::<CreateTeamResponse>(),
        ),
        route(
            Get,
            "/teams/{teamId}",
            "getTeam",
            "Read a team",
            TEAMS,
            RecordToken,
            no_body(),
            body::<Team>(),
        ),
        route(
            Post,
            "/teams/{teamId}/members/{memberId}/checkout",
            "createMemberCheckout",
            "A fresh checkout for one member's share",
            TEAMS,
            RecordToken,
            no_body(),
            body::<CheckoutSession>(),
        ),
        route(
            Post,
            "/scholarships/calculate",
            "calculateScholarship",
            "Calculate a scholarship (instant, stores nothing)",
            SCHOLARSHIPS,
            Public,
            Some(body::<ScholarshipInput>()),
            body::<ScholarshipCalculation>(),
        ),
        create(
            "/scholarships/apply",
            "applyScholarship",
            "Apply for a scholarship",
            SCHOLARSHIPS,
            Public,
            body::<ScholarshipApplyRequest>(),
            body::<ScholarshipApplyResponse>(),
        ),
        route(
            Get,
            "/scholarships/{scholarshipId}",
            "getScholarship",
            "Read an application",
            SCHOLARSHIPS,
            RecordToken,
            no_body(),
            body::<Scholarship>(),
        ),
        route(
            Get,
            "/scholarships/pending",
            "listPendingScholarships",
            "The applications waiting for a reviewer's decision, oldest first",
            SCHOLARSHIPS,
            Admin,
            no_body(),
            body::<PendingScholarships>(),
        ),
        route(
            Post,
            "/scholarships/{scholarshipId}/review",
            "reviewScholarship",
            "Record a reviewer's decision",
            SCHOLARSHIPS,
            Admin,
            Some(body::<ReviewDecisionRequest>()),
            body::<ReviewDecisionResponse>(),
        ),
        create(
            "/coupons",
            "createCoupon",
            "Create a coupon (codes are stored in upper case)",
            PURCHASES,
            Admin,
            body::<CouponRecord>(),
            body::<CouponRecord>(),
        ),
        route(
            Get,
            "/coupons",
            "listCoupons",
            "Every coupon and how often it was used, by code",
            PURCHASES,
            Admin,
            no_body(),
            body::<CouponList>(),
        ),
        route(
            Get,
            "/coupons/{couponCode}",
            "getCoupon",
            "Read a coupon and how often it was used",
            PURCHASES,
            Admin,
            no_body(),
            body::<CouponRecord>(),
        ),
        route(
            Post,
            "/coupons/{couponCode}/update",
            "updateCoupon",
            "Change a coupon's limits, end or status (inactive deactivates it)",
            PURCHASES,
            Admin,
            Some(body::<UpdateCouponRequest>()),
            body::<CouponRecord>(),
        ),
        route(
            Post,
            "/coupons/validate",
            "validateCoupon",
            "Check a coupon against a plan",
            PURCHASES,
            Public,
            Some(body::<ValidateCouponRequest>()),
            body::<ValidateCouponResponse>(),
        ),
        create(
            "/purchases/create",
            "createPurchase",
            "Buy a plan, with a coupon or without",
            PURCHASES,
            Public,
            body::<CreatePurchaseRequest>(),
            body::<CreatePurchaseResponse>(),
        ),
        route(
            Get,
            "/purchases/{purchaseId}",
            "getPurchase",
            "Read a purchase",
            PURCHASES,
            RecordToken,
            no_body(),
            body::<DiscountPurchase>(),
        ),
        route(
            Post,
            "/personalized-plans/assess",
            "assessScoreReport",
            "Determine the performance cluster of a score report",
            PLANS,
            Public,
            Some(body::<ScoreReport>()),
            body::<ClusterAssessment>(),
        ),
        route(
            Post,
            "/personalized-plans/upload-url",
            "createScoreReportUploadUrl",
            "A presigned URL to upload a score report",
            PLANS,
            Public,
            Some(body::<UploadUrlRequest>()),
            body::<UploadUrlResponse>(),
        ),
        create(
            "/personalized-plans/create",
            "createPersonalizedPlan",
            "Create a personalized plan and its checkout",
            PLANS,
            Public,
            body::<CreatePlanRequest>(),
            body::<CreatePlanResponse>(),
        ),
        route(
            Get,
            "/personalized-plans/{planId}",
            "getPersonalizedPlan",
            "Read a personalized plan",
            PLANS,
            RecordToken,
            no_body(),
            body::<PersonalizedPlan>(),
        ),
        Route {
            query: Some(body::<ListMockExamsQuery>()),
            ..route(
                Get,
                "/mock-exams",
                "listMockExams",
                "Upcoming mock exams, soonest first, a page at a time (limit 1-100, default 20; nextCursor gives the next page)",
                EXAMS,
                Public,
                no_body(),
                body::<MockExamList>(),
            )
        },
        create(
            "/mock-exams",
            "createMockExam",
            "Schedule a mock exam",
            EXAMS,
            Admin,
            body::<CreateMockExamRequest>(),
            body::<ScheduledMockExam>(),
        ),
        Route {
            body_names_record: true,
            ..create(
                "/mock-exams/register",
                "registerMockExam",
                "Register for a mock exam (free or premium)",
                EXAMS,
                Public,
                body::<RegisterMockExamRequest>(),
                body::<RegisterMockExamResponse>(),
            )
        },
        route(
            Get,
            "/mock-exams/registrations/{registrationId}",
            "getMockRegistration",
            "Read a registration and its result",
            EXAMS,
            RecordToken,
            no_body(),
            body::<MockRegistration>(),
        ),
        route(
            Post,
            "/mock-exams/{mockExamId}/results",
            "submitMockExamResults",
            "Upload the marked results of an exam",
            EXAMS,
            Admin,
            Some(body::<SubmitResultsRequest>()),
            body::<SubmitResultsResponse>(),
        ),
        route(
            Post,
            "/mock-exams/{mockExamId}/move",
            "moveMockExam",
            "Move an exam to another time: its runs follow it and every candidate is emailed the new time",
            EXAMS,
            Admin,
            Some(body::<MoveMockExamRequest>()),
            body::<MoveMockExamResponse>(),
        ),
        route(
            Post,
            "/mock-exams/{mockExamId}/cancel",
            "cancelMockExam",
            "Cancel an exam: its runs unscheduled, every candidate emailed, every paid seat refunded",
            EXAMS,
            Admin,
            no_body(),
            body::<CancelMockExamResponse>(),
        ),
        route(
            Get,
            "/mock-exams/{mockExamId}/stats",
            "getMockExamStats",
            "Aggregate statistics of an exam",
            EXAMS,
            Public,
            no_body(),
            body::<MockStatistics>(),
        ),
        route(
            Post,
            "/mock-exams/{mockExamId}/calculate-stats",
            "calculateMockExamStats",
            "Calculate an exam's statistics now",
            EXAMS,
            Admin,
            no_body(),
            body::<MockStatistics>(),
        ),
        Route {
            body_names_record: true,
            ..route(
                Post,
                "/checkout/create",
                "createCheckout",
                "A checkout for an existing record; the server sets the amount",
                CHECKOUT,
                RecordToken,
                Some(body::<CreateCheckoutRequest>()),
                body::<CheckoutSession>(),
            )
        },
        Route {
            body_names_record: true,
            ..route(
                Post,
                "/checkout/verify",
                "verifyCheckout",
                "The state of a checkout after Stripe's redirect",
                CHECKOUT,
                Public,
                Some(body::<VerifyCheckoutRequest>()),
                body::<VerifyCheckoutResponse>(),
            )
        },
        Route {
            query: Some(body::<CancelCheckoutQuery>()),
            success_status: 303,
            ..route(
                Get,
                "/checkout/cancel",
                "cancelCheckout",
                "The cancel link of a checkout: expires it, gives back what it held, and redirects to the frontend",
                CHECKOUT,
                Public,
                no_body(),
                body::<CheckoutCancelled>(),
            )
        },
        create(
            "/refunds",
            "createRefund",
            "Refund a payment in full or in part (requires an Idempotency-Key)",
            CHECKOUT,
            Admin,
            body::<CreateRefundRequest>(),
            body::<RefundResponse>(),
        ),
        route(
            Post,
            "/customers/lookup",
            "lookupCustomer",
            "A customer's records by email, one line each (the email in the body, never in a URL)",
            PRIVACY,
            Admin,
            Some(body::<PersonRequest>()),
            body::<CustomerRecords>(),
        ),
        route(
            Post,
            "/privacy/export",
            "exportPersonalData",
            "Every record held about an email, whole, with its uploaded reports and outbox messages",
            PRIVACY,
            Admin,
            Some(body::<PersonRequest>()),
            body::<PersonalDataExport>(),
        ),
        create(
            "/privacy/erase",
            "erasePersonalData",
            "Erase an email's data: records without a financial fact deleted, financial records pseudonymized, reports and outbox messages deleted (requires an Idempotency-Key; safe to send again)",
            PRIVACY,
            Admin,
            body::<PersonRequest>(),
            body::<ErasureReport>(),
        ),
        route(
            Post,
            "/webhook/stripe",
            "stripeWebhook",
            "Stripe's events",
            WEBHOOK,
            StripeSignature,
            Some(stripe_event_body()),
            body::<WebhookAck>(),
        ),
    ]
}
