//! The handlers of the route table, one module per campaign.

mod checkout;
mod coupon;
mod exam_cancel;
mod exam_move;
mod mock_exam;
mod payable;
mod plan;
mod privacy;
mod purchase;
pub(crate) mod refund;
mod scholarship;
mod team;
mod webhook;

use campaigns_contracts::records::{
    DiscountPurchase, MockRegistration, PersonalizedPlan, Scholarship, Team,
};
use campaigns_core::campaign::CampaignId;

pub(crate) use mock_exam::scope as registration_scope;
pub(crate) use plan::scope as plan_scope;
pub(crate) use purchase::scope as purchase_scope;
pub(crate) use scholarship::{resume_review, scope as scholarship_scope};
pub(crate) use team::member_token as team_member_token;

use campaigns_contracts::validation;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use campaigns_records::Position;

use crate::checkout::Payable;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, Handled};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::wiring::Port::{self, Access, Files, KeptMail, Mail, Payments, Schedules, Workflows};
use campaigns_mail::emails::Payment;
use campaigns_mail::{EmailTemplate, MailError};

/// Seed §2's API functions and the ports their routes' handlers call beyond
/// the records; each function is built with these adapters only.
pub const FUNCTIONS: [(&str, &[Port]); 8] = [
    ("team-creation-handler", &[Payments, Workflows]),
    ("scholarship-handler", &[Workflows]),
    ("discount-purchase-handler", &[Payments, Workflows]),
    ("personalized-plan-handler", &[Payments, Files, Workflows]),
    ("mock-exam-handler", &[Mail, Payments, Schedules, Workflows]),
    ("checkout-session-handler", &[Payments, Workflows]),
    (
        "stripe-webhook-handler",
        &[Mail, Payments, Workflows, Access],
    ),
    ("privacy-handler", &[KeptMail, Files]),
];

/// The ports of API function `lambda` (none for a name not in [`FUNCTIONS`]).
pub fn ports(lambda: &str) -> &'static [Port] {
    FUNCTIONS
        .iter()
        .find(|(name, _)| *name == lambda)
        .map_or(&[], |(_, ports)| ports)
}

/// Runs the handler of the route with this operation id.
pub async fn handle(app: &App, operation_id: &str, request: &ApiRequest) -> Handled {
    match operation_id {
        "createTeam" => team::create(app, request).await,
        "getTeam" => team::get(app, request).await,
        "createMemberCheckout" => team::member_checkout(app, request).await,
        "calculateScholarship" => scholarship::calculate(app, request).await,
        "applyScholarship" => scholarship::apply(app, request).await,
        "getScholarship" => scholarship::get(app, request).await,
        "reviewScholarship" => scholarship::review(app, request).await,
        "listPendingScholarships" => scholarship::pending(app, request).await,
        "createCoupon" => coupon::create(app, request).await,
        "getCoupon" => coupon::get(app, request).await,
        "listCoupons" => coupon::list(app, request).await,
        "updateCoupon" => coupon::update(app, request).await,
        "validateCoupon" => coupon::validate_coupon(app, request).await,
        "createPurchase" => purchase::create(app, request).await,
        "getPurchase" => purchase::get(app, request).await,
        "assessScoreReport" => plan::assess(app, request).await,
        "createScoreReportUploadUrl" => plan::upload_url(app, request).await,
        "createPersonalizedPlan" => plan::create(app, request).await,
        "getPersonalizedPlan" => plan::get(app, request).await,
        "listMockExams" => mock_exam::list(app, request).await,
        "createMockExam" => mock_exam::create(app, request).await,
        "registerMockExam" => mock_exam::register(app, request).await,
        "getMockRegistration" => mock_exam::get_registration(app, request).await,
        "submitMockExamResults" => mock_exam::submit_results(app, request).await,
        "cancelMockExam" => exam_cancel::cancel(app, request).await,
        "moveMockExam" => exam_move::move_exam(app, request).await,
        "getMockExamStats" => mock_exam::stats(app, request).await,
        "calculateMockExamStats" => mock_exam::calculate_stats(app, request).await,
        "createCheckout" => checkout::create(app, request).await,
        "verifyCheckout" => checkout::verify(app, request).await,
        "cancelCheckout" => checkout::cancel(app, request).await,
        "createRefund" => refund::create(app, request).await,
        "stripeWebhook" => webhook::receive(app, request).await,
        "lookupCustomer" => privacy::lookup(app, request).await,
        "exportPersonalData" => privacy::export(app, request).await,
        "erasePersonalData" => privacy::erase(app, request).await,
        other => Err(ApiFailure::new(
            404,
            "ROUTE_NOT_FOUND",
            format!("no operation {other}"),
        )),
    }
}

/// The request body as `T`, checked against `T`'s JSON Schema.
fn parse<T: DeserializeOwned + JsonSchema + 'static>(
    request: &ApiRequest,
) -> Result<T, ApiFailure> {
    validation::parse_body(&request.body).map_err(ApiFailure::bad_request)
}

/// The query string as `T`, each parameter a string property checked
/// against `T`'s schema like a body.
fn parse_query<T: DeserializeOwned + JsonSchema + 'static>(
    request: &ApiRequest,
) -> Result<T, ApiFailure> {
    let query = request
        .query
        .iter()
        .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
        .collect();
    validation::parse_value(serde_json::Value::Object(query)).map_err(ApiFailure::bad_request)
}

/// A list's `cursor`: where the next page starts (the last record's place
/// in the index), opaque to clients (hex of a JSON pair).
fn encode_cursor(next: &Position) -> String {
    hex::encode(serde_json::json!([next.range, next.key]).to_string())
}

/// A `cursor` this API issued; anything else is a 400 naming the field.
fn decode_cursor(cursor: &str) -> Result<Position, ApiFailure> {
    let invalid = || {
        ApiFailure::new(
            400,
            "INVALID_CURSOR",
            "cursor is not one this API issued; pass a page's nextCursor unchanged",
        )
        .with_field("/cursor")
    };
    let bytes = hex::decode(cursor).map_err(|_| invalid())?;
    let (range, key): (Option<String>, String) =
        serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if key.is_empty() {
        return Err(invalid());
    }
    Ok(Position { range, key })
}

/// Checks the caller holds the record's access token.
fn authorize(app: &App, request: &ApiRequest, scope: &str) -> Result<(), ApiFailure> {
    if app.tokens.verify(scope, request.access_token()?) {
        Ok(())
    } else {
        Err(ApiFailure::unauthorized(
            "the access token does not open this record",
        ))
    }
}

// Per-campaign hooks: what the generic payment handling (the universal
// checkout, the webhook, the reconcile step) asks of each campaign.

/// The status of the record a checkout pays for, as the success page shows it.
async fn record_status(
    app: &App,
    campaign: CampaignId,
    record_id: &str,
) -> Result<String, ApiFailure> {
    let status = match campaign {
        CampaignId::TeamCreation => payable::record_status::<Team>(app, record_id).await?,
        CampaignId::ScholarshipApplication => {
            payable::record_status::<Scholarship>(app, record_id).await?
        }
        CampaignId::DiscountPurchase => {
            payable::record_status::<DiscountPurchase>(app, record_id).await?
        }
        CampaignId::PersonalizedPlan => {
            payable::record_status::<PersonalizedPlan>(app, record_id).await?
        }
        CampaignId::MockExam => payable::record_status::<MockRegistration>(app, record_id).await?,
    };
    status.ok_or_else(|| ApiFailure::not_found("record"))
}

/// The session a payee pays with now.
pub(crate) async fn current_session(
    app: &App,
    payee: &Payee,
) -> Result<Option<String>, ApiFailure> {
    match payee.campaign {
        CampaignId::TeamCreation => team::current_session(app, payee).await,
        CampaignId::ScholarshipApplication => {
            payable::current_session::<Scholarship>(app, payee).await
        }
        CampaignId::DiscountPurchase => {
            payable::current_session::<DiscountPurchase>(app, payee).await
        }
        CampaignId::PersonalizedPlan => {
            payable::current_session::<PersonalizedPlan>(app, payee).await
        }
        CampaignId::MockExam => payable::current_session::<MockRegistration>(app, payee).await,
    }
}

/// What the payee is asked to pay now (the session it pays with, the
/// price), as its record says; `None` once the record or member is gone.
pub(crate) async fn asked(app: &App, payee: &Payee) -> Result<Option<Payable>, ApiFailure> {
    match payee.campaign {
        CampaignId::TeamCreation => {
            let (Some(member_id), Some(found)) = (
                payee.member_id.as_deref(),
                app.records.get::<Team>(&payee.record_id).await?,
            ) else {
                return Ok(None);
            };
            let team = found.record;
            Ok(team
                .members
                .iter()
                .find(|member| member.member_id.as_deref() == Some(member_id))
                .map(|member| team::payable(&team, member)))
        }
        CampaignId::ScholarshipApplication => payable::asked::<Scholarship>(app, payee).await,
        CampaignId::DiscountPurchase => payable::asked::<DiscountPurchase>(app, payee).await,
        CampaignId::PersonalizedPlan => payable::asked::<PersonalizedPlan>(app, payee).await,
        CampaignId::MockExam => payable::asked::<MockRegistration>(app, payee).await,
    }
}

/// Whether the expiry of the payee's current session ends its journey's
/// wait. Where the journey gives the payer days (a team's deadline, a
/// scholarship's 14 days), the payer opens fresh sessions and only the
/// journey's own timeout ends the wait.
fn expiry_ends_wait(campaign: CampaignId) -> bool {
    match campaign {
        CampaignId::DiscountPurchase | CampaignId::PersonalizedPlan | CampaignId::MockExam => true,
        CampaignId::TeamCreation | CampaignId::ScholarshipApplication => false,
    }
}

/// Sends the email `compose` makes of the payee's payment (its record, or a
/// team member's share) and the token of the payee's page.
pub(crate) async fn send_about_payment<E: EmailTemplate>(
    app: &App,
    payee: &Payee,
    compose: impl for<'a> FnOnce(Payment<'a>, &str) -> Result<E, MailError>,
) -> Result<(), ApiFailure> {
    let id = payee.record_id.as_str();
    match payee.campaign {
        CampaignId::TeamCreation => team::send_about(app, payee, compose).await,
        CampaignId::ScholarshipApplication => {
            payable::send_about::<Scholarship, E>(app, id, compose).await
        }
        CampaignId::DiscountPurchase => {
            payable::send_about::<DiscountPurchase, E>(app, id, compose).await
        }
        CampaignId::PersonalizedPlan => {
            payable::send_about::<PersonalizedPlan, E>(app, id, compose).await
        }
        CampaignId::MockExam => payable::send_about::<MockRegistration, E>(app, id, compose).await,
    }
}

/// Stripe declined an attempt: the payer gets an email with a retry link.
async fn payment_failed(app: &App, payee: &Payee) -> Result<(), ApiFailure> {
    match payee.campaign {
        CampaignId::TeamCreation => team::payment_failed(app, payee).await,
        CampaignId::ScholarshipApplication => {
            payable::payment_failed::<Scholarship>(app, payee).await
        }
        CampaignId::DiscountPurchase => {
            payable::payment_failed::<DiscountPurchase>(app, payee).await
        }
        CampaignId::PersonalizedPlan => {
            payable::payment_failed::<PersonalizedPlan>(app, payee).await
        }
        CampaignId::MockExam => payable::payment_failed::<MockRegistration>(app, payee).await,
    }
}

/// The payment was refunded, in part or in full: the record says so (the
/// access a full refund ends is revoked by the caller).
pub(crate) async fn record_refund(
    app: &App,
    payee: &Payee,
    refund: &ChargeRefund,
) -> Result<(), ApiFailure> {
    match payee.campaign {
        CampaignId::TeamCreation => team::refunded(app, payee, refund).await,
        CampaignId::ScholarshipApplication => scholarship::refunded(app, payee, refund).await,
        CampaignId::DiscountPurchase => purchase::refunded(app, payee, refund).await,
        CampaignId::PersonalizedPlan => plan::refunded(app, payee, refund).await,
        CampaignId::MockExam => mock_exam::refunded(app, payee, refund).await,
    }
}

/// `POST /checkout/create` for a record of this campaign (after parsing).
async fn checkout_for(
    app: &App,
    request: &ApiRequest,
    body: &campaigns_contracts::api::CreateCheckoutRequest,
) -> Handled {
    match body.campaign_id {
        CampaignId::TeamCreation => team::checkout(app, request, body).await,
        CampaignId::ScholarshipApplication => {
            payable::checkout::<Scholarship>(app, request, body).await
        }
        CampaignId::DiscountPurchase => {
            payable::checkout::<DiscountPurchase>(app, request, body).await
        }
        CampaignId::PersonalizedPlan => {
            payable::checkout::<PersonalizedPlan>(app, request, body).await
        }
        CampaignId::MockExam => payable::checkout::<MockRegistration>(app, request, body).await,
    }
}

/// A status enum as the text it serializes to (`pending_payment`, …).
pub(crate) fn status_text(status: &impl serde::Serialize) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}
