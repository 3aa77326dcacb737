//! The mock-exam journeys: premium registration, the reminder run and the results run.

use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, MockStatistics, PaymentOutcome, RegistrationStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_mail::TemplateName;
use campaigns_mail::emails::{MockExamRegistration, MockExamReminder, MockExamResults};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::payment::{mismatch, needs_review};
use super::purchase::update_error;
use super::{Step, StepError, step};
use crate::context::App;
use crate::payment_wait::Payee;
use crate::{exam_seats, exam_statistics};

/// A registration: the premium payment wait, then the registration email
/// (`mock-exam-registration.asl.json`).
pub const MOCK_EXAM_REGISTRATION: &str = "mock-exam-registration";
/// Started 24 hours before an exam: a reminder to every registered candidate.
pub const MOCK_EXAM_REMINDERS: &str = "mock-exam-reminders";
/// Started after an exam ends: statistics, ranks and results emails.
pub const MOCK_EXAM_RESULTS: &str = "mock-exam-results";
pub(super) const STATE_MACHINES: &[&str] = &[
    MOCK_EXAM_REGISTRATION,
    MOCK_EXAM_REMINDERS,
    MOCK_EXAM_RESULTS,
];

/// Registrations per page of a run's Map, so its state stays far below the
/// 256 KiB a state's data may hold, however large the exam.
const PAGE: usize = 500;

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!(
            "confirm-mock-registration",
            confirm_registration,
            SettleRegistration,
            Settled
        ),
        step!(
            "cancel-mock-registration",
            cancel_registration,
            SettleRegistration,
            Settled
        ),
        step!(
            "list-mock-registrants",
            list_registrants,
            ListRegistrants,
            Registrants
        ),
        step!(
            "publish-mock-results",
            publish_results,
            PublishResults,
            Published
        ),
    ]
}

/// The three mock-exam emails: `recordId` is the exam, `memberId` the
/// registration. A registration that no longer holds a seat gets none.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    let registration_id = input.member_id.as_deref().ok_or_else(|| {
        StepError::new(
            "Step.InvalidInput",
            "a mock exam email names its registration in memberId",
        )
    })?;
    let exam: MockExam = super::email::load(app, &input.record_id).await?;
    let registration: MockRegistration = super::email::load(app, registration_id).await?;
    if registration.mock_exam_id != exam.mock_exam_id {
        return Err(StepError::new(
            "Step.InvalidInput",
            format!(
                "{registration_id} is not a registration of {}",
                exam.mock_exam_id
            ),
        ));
    }
    if registration.status != RegistrationStatus::Registered {
        tracing::info!(registration_id, %template, "the registration holds no seat; no email");
        return Ok(());
    }
    let token = app
        .tokens
        .issue(&crate::api::registration_scope(registration_id));
    let links = &app.mail_settings.links;
    match template {
        TemplateName::MockExamRegistration => {
            let email = MockExamRegistration::new(&exam, &registration, &token, links)?;
            Ok(crate::notify::send(app, &email).await?)
        }
        TemplateName::MockExamReminder => {
            let email = MockExamReminder::new(&exam, &registration, &token, links);
            Ok(crate::notify::send(app, &email).await?)
        }
        TemplateName::MockExamResults => {
            let statistics: MockStatistics = super::email::load(app, &exam.mock_exam_id).await?;
            let email = MockExamResults::new(&exam, &registration, &statistics, &token, links)?;
            Ok(crate::notify::send(app, &email).await?)
        }
        other => Err(super::email::not_ours(other)),
    }
}

/// The input of `confirm-mock-registration` and `cancel-mock-registration`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettleRegistration {
    pub registration_id: String,
    /// What Stripe reported (or the reconcile step found).
    #[serde(default)]
    pub payment: Option<PaymentOutcome>,
}

/// The registration's status after the step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settled {
    pub status: RegistrationStatus,
}

/// Paid: the held seat is the candidate's. A payment that is not the one
/// asked for leaves the seat held, unconfirmed, in review. Safe to run
/// again.
pub async fn confirm_registration(
    app: &App,
    input: SettleRegistration,
) -> Result<Settled, StepError> {
    let payee = Payee {
        campaign: CampaignId::MockExam,
        record_id: input.registration_id.clone(),
        member_id: None,
    };
    let payment = input.payment.as_ref();
    if let Some(mismatch) = mismatch(app, &payee, payment).await? {
        app.records
            .update::<MockRegistration, StepError>(&input.registration_id, |registration| {
                if registration.status == RegistrationStatus::PendingPayment {
                    registration.status = RegistrationStatus::PaymentReview;
                }
                Ok(())
            })
            .await
            .map_err(update_error)?;
        return Err(needs_review(&payee, &mismatch, payment));
    }
    let now = app.now();
    let payment_intent = input
        .payment
        .as_ref()
        .and_then(|payment| payment.payment_intent_id.clone());
    let registration = app
        .records
        .update::<MockRegistration, StepError>(&input.registration_id, |registration| {
            match registration.status {
                RegistrationStatus::PendingPayment => {
                    registration.status = RegistrationStatus::Registered;
                    registration.paid_at = Some(now);
                    registration.payment_intent_id.clone_from(&payment_intent);
                    Ok(())
                }
                RegistrationStatus::Registered => Ok(()),
                RegistrationStatus::Cancelled | RegistrationStatus::PaymentReview => {
                    Err(StepError::new(
                        "MockExam.NotPayable",
                        format!("the registration is {:?}", registration.status),
                    ))
                }
            }
        })
        .await
        .map_err(update_error)?;
    Ok(Settled {
        status: registration.status,
    })
}

/// Not paid: the registration is cancelled and its seat given back. Safe
/// to run again.
pub async fn cancel_registration(
    app: &App,
    input: SettleRegistration,
) -> Result<Settled, StepError> {
    let registration = exam_seats::release(app, &input.registration_id)
        .await?
        .ok_or_else(|| StepError::new("Step.RecordNotFound", "the registration does not exist"))?;
    Ok(Settled {
        status: registration.status,
    })
}

/// The input of `list-mock-registrants`: one page of an exam's registered
/// candidates.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListRegistrants {
    pub mock_exam_id: String,
    /// The last registration of the previous page.
    #[serde(default)]
    pub after: Option<String>,
    /// Only the candidates whose result was ranked (the results emails).
    #[serde(default)]
    pub with_results: bool,
}

/// One page of registrations, for the run's Map state.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Registrants {
    pub registration_ids: Vec<String>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<String>,
}

/// One page of an exam's registered candidates, in registration id order.
/// A cancelled exam has none to remind.
pub async fn list_registrants(app: &App, input: ListRegistrants) -> Result<Registrants, StepError> {
    let exam: MockExam = super::email::load(app, &input.mock_exam_id).await?;
    if !input.with_results && exam.status != MockExamStatus::Scheduled {
        return Ok(Registrants {
            registration_ids: Vec::new(),
            next: None,
        });
    }
    let mut ids: Vec<String> = exam_statistics::registered(app, &exam.mock_exam_id)
        .await?
        .into_iter()
        .filter(|registration| !input.with_results || registration.percentile_rank.is_some())
        .map(|registration| registration.registration_id)
        .filter(|id| input.after.as_ref().is_none_or(|after| id > after))
        .collect();
    ids.sort();
    let next = (ids.len() > PAGE).then(|| ids[PAGE - 1].clone());
    ids.truncate(PAGE);
    Ok(Registrants {
        registration_ids: ids,
        next,
    })
}

/// The input of `publish-mock-results`: the exam that ended.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublishResults {
    pub mock_exam_id: String,
}

/// The exam's statistics once published.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Published {
    /// How many marked results the statistics cover (at least 1).
    pub count: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

/// Calculates and stores the statistics and every candidate's percentile
/// rank (as the admin's `calculate-stats` does), then marks the exam
/// completed. Without a single marked result there is nothing to publish.
/// Safe to run again.
pub async fn publish_results(app: &App, input: PublishResults) -> Result<Published, StepError> {
    let exam: MockExam = super::email::load(app, &input.mock_exam_id).await?;
    let stored = exam_statistics::calculate(app, &exam).await?;
    let statistics = &stored.statistics;
    if statistics.count == 0 {
        return Err(StepError::new(
            "MockExam.NoResults",
            "no marked results were uploaded for this exam",
        ));
    }
    app.records
        .update::<MockExam, StepError>(&exam.mock_exam_id, |exam| {
            exam.status = MockExamStatus::Completed;
            Ok(())
        })
        .await
        .map_err(update_error)?;
    Ok(Published {
        count: statistics.count,
        mean: statistics.mean,
        median: statistics.median,
    })
}
