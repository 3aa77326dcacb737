//! The scholarship journey's own steps: the wait for a reviewer, the
//! decision, and settling the payment either way.
//!
//! The record is the one arbiter of the decision: the reviewer's endpoint and
//! the review wait's timeout each claim it with a conditional update, and the
//! journey follows whatever the record says, so a decision racing the
//! timeout is never lost nor applied twice.

use campaigns_contracts::records::{PaymentOutcome, Scholarship, ScholarshipStatus};
use campaigns_core::catalog::{self, ProductId};
use campaigns_mail::TemplateName;
use campaigns_mail::emails::{
    ScholarshipApproved, ScholarshipDeclined, ScholarshipPaid, ScholarshipReceived,
};
use chrono::{DateTime, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::payment::Waiting;
use super::purchase::update_error;
use super::settle::{self, Settles};
use super::{Step, StepError, step};
use crate::access;
use crate::context::App;
use crate::metrics::{self, Fact};

/// The journey of a scholarship application (`scholarship-application.asl.json`).
pub const SCHOLARSHIP_APPLICATION: &str = "scholarship-application";
pub(super) const STATE_MACHINES: &[&str] = &[SCHOLARSHIP_APPLICATION];

/// How long an approved applicant has to pay. The definition's payment wait
/// lasts as long, counted from a moment later, so the pay-by date the email
/// promises is never cut short.
pub const PAYMENT_WINDOW_DAYS: i64 = 14;

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!(
            "await-review",
            await_review,
            AwaitReview,
            Waiting,
            [Workflows]
        ),
        step!("close-review", close_review, ScholarshipRef, Decided),
        step!(
            "approve-scholarship",
            approve_scholarship,
            ScholarshipRef,
            Decided
        ),
        step!(
            "confirm-scholarship",
            confirm_scholarship,
            SettleScholarship,
            Decided,
            [Access]
        ),
        step!(
            "expire-scholarship",
            expire_scholarship,
            SettleScholarship,
            Decided
        ),
    ]
}

/// The application's emails.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    let scholarship: Scholarship = super::email::load(app, &input.record_id).await?;
    let token = app
        .tokens
        .issue(&crate::api::scholarship_scope(&scholarship.scholarship_id));
    let links = &app.mail_settings.links;
    match template {
        TemplateName::ScholarshipReceived => {
            let email = ScholarshipReceived::new(&scholarship, &token, links);
            Ok(crate::notify::send(app, &email).await?)
        }
        TemplateName::ScholarshipApproved => {
            let pay_by = scholarship.pay_by.ok_or_else(|| {
                StepError::new(
                    "Scholarship.NotApproved",
                    "the application has no pay-by date yet",
                )
            })?;
            let email = ScholarshipApproved::new(&scholarship, pay_by, &token, links);
            Ok(crate::notify::send(app, &email).await?)
        }
        TemplateName::ScholarshipDeclined => {
            let email = ScholarshipDeclined::new(&scholarship, &token, links);
            Ok(crate::notify::send(app, &email).await?)
        }
        TemplateName::ScholarshipPaid => {
            let email = ScholarshipPaid::new(&scholarship, &token, links)?;
            Ok(crate::notify::send(app, &email).await?)
        }
        other => Err(super::email::not_ours(other)),
    }
}

/// The input of `close-review` and `approve-scholarship`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScholarshipRef {
    pub scholarship_id: String,
}

/// The input of the `.waitForTaskToken` Task that waits for a reviewer.
/// The input of `await-review`, a `.waitForTaskToken` Task the review
/// endpoint resumes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwaitReview {
    /// The waiting execution's task token (`$$.Task.Token`).
    pub task_token: String,
    pub scholarship_id: String,
}

/// Where the application stands after a step; the review wait is resumed
/// with the same shape.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Decided {
    pub status: ScholarshipStatus,
    /// The payment deadline of an approved application.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_by: Option<DateTime<Utc>>,
}

/// Leaves the execution's token on the application for the review endpoint.
/// An application decided before the wait began (a redriven execution)
/// resumes it at once with the decision.
pub async fn await_review(app: &App, input: AwaitReview) -> Result<Waiting, StepError> {
    let scholarship = app
        .records
        .update::<Scholarship, StepError>(&input.scholarship_id, |stored| match stored.status {
            ScholarshipStatus::PendingReview => {
                stored.review_task_token = Some(input.task_token.clone());
                Ok(())
            }
            ScholarshipStatus::Approved | ScholarshipStatus::Declined => Ok(()),
            other => Err(StepError::new(
                "Scholarship.NotUnderReview",
                format!("the application is {other:?}"),
            )),
        })
        .await
        .map_err(update_error)?;
    if scholarship.status != ScholarshipStatus::PendingReview {
        crate::api::resume_review(app, &input.task_token, scholarship.status)
            .await
            .map_err(|err| StepError::new("Workflows.Unavailable", err))?;
    }
    Ok(Waiting { waiting: true })
}

/// The review wait timed out: declines the application unless a reviewer's
/// decision got onto the record first, and answers whichever stands.
pub async fn close_review(app: &App, input: ScholarshipRef) -> Result<Decided, StepError> {
    let now = app.now();
    let scholarship = app
        .records
        .update::<Scholarship, StepError>(&input.scholarship_id, |stored| {
            if stored.status == ScholarshipStatus::PendingReview {
                stored.status = ScholarshipStatus::Declined;
                stored.decided_at = Some(now);
            }
            stored.review_task_token = None;
            Ok(())
        })
        .await
        .map_err(update_error)?;
    Ok(Decided {
        status: scholarship.status,
        pay_by: None,
    })
}

/// Approves an application (at once when automatic, or after a reviewer's
/// approval) and sets the pay-by date. Safe to run again.
pub async fn approve_scholarship(app: &App, input: ScholarshipRef) -> Result<Decided, StepError> {
    let now = app.now();
    let pay_by = now + TimeDelta::days(PAYMENT_WINDOW_DAYS);
    // The pay-by date is set once, by the run that approves.
    let mut approved_now = false;
    let scholarship = app
        .records
        .update::<Scholarship, StepError>(&input.scholarship_id, |stored| {
            approved_now = stored.pay_by.is_none();
            let automatic = stored.status == ScholarshipStatus::PendingReview
                && stored.calculation.auto_approved;
            if !automatic && stored.status != ScholarshipStatus::Approved {
                return Err(StepError::new(
                    "Scholarship.NotApprovable",
                    format!("the application is {:?}", stored.status),
                ));
            }
            stored.status = ScholarshipStatus::Approved;
            stored.decided_at.get_or_insert(now);
            stored.pay_by.get_or_insert(pay_by);
            Ok(())
        })
        .await
        .map_err(update_error)?;
    if approved_now {
        metrics::emit(
            app,
            &Fact::ScholarshipApproved {
                scholarship_id: &scholarship.scholarship_id,
                percentage: scholarship.calculation.percentage,
            },
        );
    }
    Ok(Decided {
        status: scholarship.status,
        pay_by: scholarship.pay_by,
    })
}

/// The input of `confirm-scholarship` and `expire-scholarship`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettleScholarship {
    pub scholarship_id: String,
    /// What Stripe reported, or what reconciling found.
    pub payment: PaymentOutcome,
}

/// The scholarship's product and the months of access it gives.
pub(super) fn access(_scholarship: &Scholarship) -> (ProductId, u32) {
    let product = ProductId::Scholarship3Months;
    (
        product,
        catalog::product(product).access_months.unwrap_or(3),
    )
}

/// Paid: the application is marked paid and 3 months of access granted.
/// Safe to run again.
pub async fn confirm_scholarship(
    app: &App,
    input: SettleScholarship,
) -> Result<Decided, StepError> {
    let now = app.now();
    let scholarship: Scholarship =
        settle::paid(app, &input.scholarship_id, Some(&input.payment), now).await?;
    access::grant(app, &scholarship.grant(now)).await?;
    Ok(Decided {
        status: scholarship.status,
        pay_by: scholarship.pay_by,
    })
}

/// Not paid in time, or a delayed payment failed: the approval lapses.
/// Safe to run again.
pub async fn expire_scholarship(app: &App, input: SettleScholarship) -> Result<Decided, StepError> {
    let scholarship: Scholarship =
        settle::unpaid(app, &input.scholarship_id, Some(&input.payment)).await?;
    Ok(Decided {
        status: scholarship.status,
        pay_by: scholarship.pay_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The waits of the definition are the durations the steps and emails
    /// promise.
    #[test]
    fn the_definition_waits_as_long_as_promised() {
        let definition: serde_json::Value = serde_json::from_str(include_str!(
            "../../../../workflows/definitions/scholarship-application.asl.json"
        ))
        .expect("the definition is JSON");
        let states = &definition["States"];
        assert_eq!(
            states["WaitForPayment"]["TimeoutSeconds"],
            PAYMENT_WINDOW_DAYS * 24 * 3600
        );
        assert_eq!(states["WaitForReview"]["TimeoutSeconds"], 7 * 24 * 3600);
    }
}
