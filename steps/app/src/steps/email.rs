//! The `send-email` step: one of our templates, for one record; each
//! campaign's steps module composes its own templates.

use campaigns_mail::TemplateName;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{StepError, mock_exam, plan, purchase, scholarship, team};
use crate::context::App;

/// The input of `send-email`: which template, about which record.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendEmail {
    /// A template name, e.g. `purchase_confirmation`.
    pub template: String,
    /// The record the email is about (a team, purchase, plan, exam…).
    pub record_id: String,
    /// For a team email to one member, or a mock exam email to one registrant.
    #[serde(default)]
    pub member_id: Option<String>,
}

/// The output of `send-email`: the template handled — sent, or skipped when
/// the record no longer calls for it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Sent {
    pub template: String,
}

pub async fn send_email(app: &App, input: SendEmail) -> Result<Sent, StepError> {
    let template = TemplateName::parse(&input.template).ok_or_else(|| {
        StepError::new(
            "Step.InvalidInput",
            format!("no template {}", input.template),
        )
    })?;
    use TemplateName::*;
    match template {
        PurchaseConfirmation => purchase::send_email(app, template, &input).await?,
        TeamCreated | TeamInvitation | TeamActivated | TeamPaymentReminder | TeamExpired => {
            team::send_email(app, template, &input).await?
        }
        ScholarshipReceived | ScholarshipApproved | ScholarshipDeclined | ScholarshipPaid => {
            scholarship::send_email(app, template, &input).await?
        }
        PlanActivated => plan::send_email(app, template, &input).await?,
        MockExamRegistration | MockExamReminder | MockExamResults | MockResultsMissing => {
            mock_exam::send_email(app, template, &input).await?
        }
        // Sent by the API: the webhook (a declined attempt, a refund, a
        // dispute) and an exam's move or cancellation.
        PaymentFailed | RefundIssued | DisputeOpened | MockExamCancelled | MockExamMoved => {
            return Err(not_ours(template));
        }
    }
    Ok(Sent {
        template: input.template,
    })
}

/// A template this step does not send.
pub(super) fn not_ours(template: TemplateName) -> StepError {
    StepError::new(
        "Step.InvalidInput",
        format!("{template} is not sent by this step"),
    )
}

/// A record the email is about.
pub(super) async fn load<T: campaigns_records::Record>(
    app: &App,
    key: &str,
) -> Result<T, StepError> {
    app.records
        .get::<T>(key)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| StepError::new("Step.RecordNotFound", format!("no record {key}")))
}
