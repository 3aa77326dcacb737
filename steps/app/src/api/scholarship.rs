//! Scholarships: the instant calculation, applications, reviewers' decisions
//! and the checkout of an approved application.

use campaigns_contracts::api::{
    ApiError, PendingScholarships, ReviewDecision, ReviewDecisionRequest, ReviewDecisionResponse,
    ScholarshipApplyRequest, ScholarshipApplyResponse, ScholarshipInput,
};
use campaigns_contracts::records::{Scholarship, ScholarshipStatus};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use campaigns_mail::emails::Payment;
use campaigns_ports::workflows::WorkflowError;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::payable::{self, PayableRecord};
use super::{authorize, parse};
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::ids::new_id;
use crate::journey_starts::Journey;
use crate::metrics::{self, Fact};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::steps::SCHOLARSHIP_APPLICATION;
use crate::tokens::record_scope;

/// The scope of an application's access token.
pub fn scope(scholarship_id: &str) -> String {
    record_scope("scholarship", scholarship_id)
}

/// A calculation error of the campaign rule, its field under `prefix`.
fn broken_rule(mut error: ApiError, prefix: &str) -> ApiFailure {
    error.field = error.field.map(|field| format!("{prefix}{field}"));
    ApiFailure { status: 422, error }
}

pub async fn calculate(_app: &App, request: &ApiRequest) -> Handled {
    let input: ScholarshipInput = parse(request)?;
    let calculation = input.calculate().map_err(|error| broken_rule(error, ""))?;
    Ok(ApiResponse::json(200, &calculation))
}

pub async fn apply(app: &App, request: &ApiRequest) -> Handled {
    let body: ScholarshipApplyRequest = parse(request)?;
    let calculation = body
        .application
        .calculate()
        .map_err(|error| broken_rule(error, "/application"))?;
    if !calculation.eligible {
        return Err(
            ApiFailure::rule("NOT_ELIGIBLE", calculation.summary).with_field("/application")
        );
    }
    let scholarship_id = new_id("sch");
    let scholarship = Scholarship {
        amount_refunded: None,
        scholarship_id: scholarship_id.clone(),
        campaign_id: CampaignId::ScholarshipApplication,
        email: body.email.normalized(),
        first_name: body.first_name.0.trim().to_owned(),
        last_name: body.last_name.0.trim().to_owned(),
        application: Some(body.application),
        statement: body
            .statement
            .as_deref()
            .map(str::trim)
            .filter(|statement| !statement.is_empty())
            .map(str::to_owned),
        price: calculation.price,
        calculation,
        status: ScholarshipStatus::PendingReview,
        created_at: app.now(),
        decided_at: None,
        reviewer_note: None,
        review_task_token: None,
        pay_by: None,
        stripe_checkout_session_id: None,
        checkout_attempt: 0,
        payment_intent_id: None,
        paid_at: None,
        access_expires_at: None,
    };
    let journey = Journey::new(
        SCHOLARSHIP_APPLICATION,
        &scholarship_id,
        json!({
            "scholarshipId": scholarship_id,
            "autoApproved": scholarship.calculation.auto_approved,
        }),
    );
    journey.insert_owing(app, &scholarship).await?;
    metrics::emit(
        app,
        &Fact::ScholarshipApplied {
            scholarship_id: &scholarship_id,
            percentage: scholarship.calculation.percentage,
        },
    );
    journey.start(app).await;

    let response = ScholarshipApplyResponse {
        access_token: app.tokens.issue(&scope(&scholarship_id)),
        scholarship_id,
        status: scholarship.status,
        calculation: scholarship.calculation,
    };
    Ok(ApiResponse::json(201, &response))
}

async fn load(app: &App, scholarship_id: &str) -> Result<Scholarship, ApiFailure> {
    app.records
        .get::<Scholarship>(scholarship_id)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| ApiFailure::not_found("scholarship"))
}

pub async fn get(app: &App, request: &ApiRequest) -> Handled {
    let scholarship_id = request.param("scholarshipId")?;
    authorize(app, request, &scope(scholarship_id))?;
    let mut scholarship = load(app, scholarship_id).await?;
    scholarship.review_task_token = None;
    Ok(ApiResponse::json(200, &scholarship))
}

/// Admin: the applications waiting for a reviewer, oldest first, without
/// the journeys' task tokens.
pub async fn pending(app: &App, _request: &ApiRequest) -> Handled {
    let mut scholarships: Vec<Scholarship> = app
        .records
        .query(
            "status-index",
            super::status_text(&ScholarshipStatus::PendingReview),
            None,
        )
        .await?;
    scholarships
        .sort_by(|a, b| (a.created_at, &a.scholarship_id).cmp(&(b.created_at, &b.scholarship_id)));
    for scholarship in &mut scholarships {
        scholarship.review_task_token = None;
    }
    Ok(ApiResponse::json(
        200,
        &PendingScholarships { scholarships },
    ))
}

fn not_under_review() -> ApiFailure {
    ApiFailure::conflict(
        "NOT_UNDER_REVIEW",
        "this application is not waiting for a reviewer's decision",
    )
}

/// An administrator's decision. It is recorded once, by a conditional update
/// that also takes the journey's task token off the record; a second
/// decision, or one before the journey waits, is a conflict.
pub async fn review(app: &App, request: &ApiRequest) -> Handled {
    let scholarship_id = request.param("scholarshipId")?;
    let body: ReviewDecisionRequest = parse(request)?;
    let status = match body.decision {
        ReviewDecision::Approve => ScholarshipStatus::Approved,
        ReviewDecision::Decline => ScholarshipStatus::Declined,
    };
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|note| !note.is_empty())
        .map(str::to_owned);
    let now = app.now();
    let mut task_token = None;
    app.records
        .update::<Scholarship, ApiFailure>(scholarship_id, |stored| {
            if stored.status != ScholarshipStatus::PendingReview || stored.calculation.auto_approved
            {
                return Err(not_under_review());
            }
            task_token = Some(
                stored
                    .review_task_token
                    .take()
                    .ok_or_else(not_under_review)?,
            );
            stored.status = status;
            stored.decided_at = Some(now);
            stored.reviewer_note.clone_from(&note);
            Ok(())
        })
        .await
        .map_err(|err| match err {
            campaigns_records::typed::UpdateError::NotFound => ApiFailure::not_found("scholarship"),
            other => other.into(),
        })?;
    if let Some(token) = task_token
        && let Err(err) = resume_review(app, &token, status).await
    {
        // The decision stands on the record; the journey reads it there when
        // its review wait ends.
        tracing::error!(error = %err, scholarship_id, "could not resume the review wait");
    }
    let response = ReviewDecisionResponse {
        scholarship_id: scholarship_id.to_owned(),
        status,
    };
    Ok(ApiResponse::json(200, &response))
}

/// Resumes the journey's review wait with the decision. A closed task means
/// the wait already ended (timed out, or resumed), and the journey follows
/// the record instead.
pub(crate) async fn resume_review(
    app: &App,
    task_token: &str,
    status: ScholarshipStatus,
) -> Result<(), WorkflowError> {
    let output = json!({ "status": status });
    match app.workflows.send_task_success(task_token, &output).await {
        Ok(()) | Err(WorkflowError::TaskClosed) | Err(WorkflowError::InvalidToken) => Ok(()),
        Err(other) => Err(other),
    }
}

impl PayableRecord for Scholarship {
    const CAMPAIGN: CampaignId = CampaignId::ScholarshipApplication;
    const NOUN: &'static str = "scholarship";
    const NOT_PAYABLE: &'static str = "this application is not waiting for a payment";
    type Context = ();

    payable::checkout_fields!();

    fn id(&self) -> &str {
        &self.scholarship_id
    }

    fn scope(scholarship_id: &str) -> String {
        scope(scholarship_id)
    }

    async fn context(&self, _app: &App) -> Result<(), ApiFailure> {
        Ok(())
    }

    fn awaiting_payment(&self) -> bool {
        self.status == ScholarshipStatus::Approved
    }

    /// Approved, and the pay-by date not passed (the applicant has 14 days,
    /// a session lives a day).
    fn payable_at(&self, now: DateTime<Utc>) -> bool {
        self.awaiting_payment() && self.pay_by.is_none_or(|pay_by| now < pay_by)
    }

    /// The price computed when they applied.
    fn price(&self, _context: &()) -> (ProductId, Cents) {
        (ProductId::Scholarship3Months, self.price)
    }

    fn payment<'a>(&'a self, _context: &'a ()) -> Payment<'a> {
        Payment::Scholarship(self)
    }
}

/// The payment was refunded: the amount is recorded, and a paid
/// application refunded in full is marked so.
pub async fn refunded(app: &App, payee: &Payee, refund: &ChargeRefund) -> Result<(), ApiFailure> {
    payable::refunded(app, payee, |stored: &mut Scholarship| {
        refund.record_on(&mut stored.amount_refunded);
        if refund.is_full() && stored.status == ScholarshipStatus::Paid {
            stored.status = ScholarshipStatus::Refunded;
        }
    })
    .await
}
