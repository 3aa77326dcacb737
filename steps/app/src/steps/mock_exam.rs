//! The mock-exam journeys: premium registration, the reminder run and the results run.

use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, MockStatistics, PaymentOutcome, RegistrationStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_mail::TemplateName;
use campaigns_mail::emails::{
    MockExamRegistration, MockExamReminder, MockExamResults, MockResultsMissing,
};
use chrono::{DateTime, TimeDelta, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::payment::{checkout_expired, mismatch, needs_review};
use super::purchase::update_error;
use super::{Step, StepError, step};
use crate::context::App;
use crate::metrics::{self, Fact};
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

/// How long after an exam ends its results run waits for the marked
/// results before it gives up (`MockExam.ResultsNeverCame`).
const RESULTS_PATIENCE: TimeDelta = TimeDelta::days(14);
/// The results run checks once an hour (`WaitForResults` in
/// `mock-exam-results.asl.json`); ops are reminded at the first check that
/// misses the results and then every this many checks: daily.
const CHECKS_PER_REMINDER: u32 = 24;

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
            "check-mock-results",
            check_results,
            CheckResults,
            ResultsCheck
        ),
        step!(
            "publish-mock-results",
            publish_results,
            PublishResults,
            Published
        ),
    ]
}

/// The mock-exam emails: `recordId` is the exam, `memberId` the
/// registration (none for the reminder to ops). A registration that no
/// longer holds a seat gets none.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    if template == TemplateName::MockResultsMissing {
        let exam: MockExam = super::email::load(app, &input.record_id).await?;
        let email =
            MockResultsMissing::new(&exam, gives_up_at(&exam), &app.mail_settings.ops_email);
        return Ok(crate::notify::send(app, &email).await?);
    }
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
        return Err(needs_review(app, &payee, &mismatch, payment));
    }
    let now = app.now();
    let payment_intent = input
        .payment
        .as_ref()
        .and_then(|payment| payment.payment_intent_id.clone());
    let mut paid_now = false;
    let registration = app
        .records
        .update::<MockRegistration, StepError>(&input.registration_id, |registration| {
            paid_now = false;
            match registration.status {
                RegistrationStatus::PendingPayment => {
                    registration.status = RegistrationStatus::Registered;
                    registration.paid_at = Some(now);
                    registration.payment_intent_id.clone_from(&payment_intent);
                    paid_now = true;
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
    if paid_now {
        metrics::emit(app, &Fact::PaymentSucceeded(&payee));
        metrics::emit(
            app,
            &Fact::MockExamRegistered {
                tier: registration.tier,
                mock_exam_id: &registration.mock_exam_id,
                registration_id: &registration.registration_id,
            },
        );
    }
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
    let waiting = app
        .records
        .get::<MockRegistration>(&input.registration_id)
        .await?
        .is_some_and(|found| found.record.status == RegistrationStatus::PendingPayment);
    let registration = exam_seats::release(app, &input.registration_id)
        .await?
        .ok_or_else(|| StepError::new("Step.RecordNotFound", "the registration does not exist"))?;
    if waiting && checkout_expired(input.payment.as_ref()) {
        let payee = Payee {
            campaign: CampaignId::MockExam,
            record_id: input.registration_id.clone(),
            member_id: None,
        };
        metrics::emit(app, &Fact::CheckoutExpired(&payee));
    }
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

/// When the results run stops waiting for an exam's results.
fn gives_up_at(exam: &MockExam) -> DateTime<Utc> {
    exam.ends_at + RESULTS_PATIENCE
}

/// The input of `check-mock-results`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckResults {
    pub mock_exam_id: String,
    /// Checks this run made before this one.
    #[serde(default)]
    pub checks: u32,
}

/// What the results run does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AfterCheck {
    /// Marked results are in (or the exam is already completed).
    Publish,
    /// Not yet: remind ops, then wait.
    Remind,
    /// Not yet: wait.
    Wait,
    /// Still none after [`RESULTS_PATIENCE`].
    GiveUp,
    /// The exam was cancelled: there will be no results.
    Cancelled,
}

/// The check's verdict and the count the run carries to the next check.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultsCheck {
    pub next: AfterCheck,
    pub checks: u32,
}

/// Whether the exam's marked results are in, and if not, whether to remind
/// ops or give up. Reads only.
pub async fn check_results(app: &App, input: CheckResults) -> Result<ResultsCheck, StepError> {
    let exam: MockExam = super::email::load(app, &input.mock_exam_id).await?;
    let marked = exam_statistics::registered(app, &exam.mock_exam_id)
        .await?
        .iter()
        .filter_map(exam_statistics::result_of)
        .count();
    let next = after_check(&exam, marked, input.checks, app.now());
    if next == AfterCheck::Remind {
        tracing::warn!(
            mock_exam_id = exam.mock_exam_id,
            checks = input.checks,
            "the exam's marked results are not uploaded yet; reminding ops"
        );
    }
    Ok(ResultsCheck {
        next,
        checks: input.checks + 1,
    })
}

/// The rule of [`check_results`]: `marked` results are in, `checks` made
/// before, at `now`.
fn after_check(exam: &MockExam, marked: usize, checks: u32, now: DateTime<Utc>) -> AfterCheck {
    if exam.status == MockExamStatus::Cancelled {
        AfterCheck::Cancelled
    } else if marked > 0 || exam.status == MockExamStatus::Completed {
        AfterCheck::Publish
    } else if now >= gives_up_at(exam) {
        AfterCheck::GiveUp
    } else if checks.is_multiple_of(CHECKS_PER_REMINDER) {
        AfterCheck::Remind
    } else {
        AfterCheck::Wait
    }
}

#[cfg(test)]
mod tests {
    use campaigns_contracts::Example;

    use super::*;

    #[test]
    fn the_run_waits_reminds_daily_and_gives_up_after_fourteen_days() {
        let exam = MockExam::example();
        let hour = |n: i64| exam.ends_at + TimeDelta::hours(n);
        // The run's first check, an hour after the end, reminds at once.
        assert_eq!(after_check(&exam, 0, 0, hour(1)), AfterCheck::Remind);
        assert_eq!(after_check(&exam, 0, 1, hour(2)), AfterCheck::Wait);
        assert_eq!(after_check(&exam, 0, 23, hour(24)), AfterCheck::Wait);
        assert_eq!(after_check(&exam, 0, 24, hour(25)), AfterCheck::Remind);
        assert_eq!(after_check(&exam, 0, 48, hour(49)), AfterCheck::Remind);
        assert_eq!(
            after_check(&exam, 0, 334, hour(14 * 24 - 1)),
            AfterCheck::Wait
        );
        assert_eq!(
            after_check(&exam, 0, 335, hour(14 * 24)),
            AfterCheck::GiveUp
        );
        // Results, however late, are published; never after a cancellation.
        assert_eq!(after_check(&exam, 1, 3, hour(4)), AfterCheck::Publish);
        assert_eq!(
            after_check(&exam, 5, 400, hour(20 * 24)),
            AfterCheck::Publish
        );
        let mut cancelled = exam.clone();
        cancelled.status = MockExamStatus::Cancelled;
        assert_eq!(
            after_check(&cancelled, 0, 0, hour(1)),
            AfterCheck::Cancelled
        );
        assert_eq!(
            after_check(&cancelled, 3, 0, hour(1)),
            AfterCheck::Cancelled
        );
        // A run started again after an earlier one published goes on to
        // the emails.
        let mut completed = exam.clone();
        completed.status = MockExamStatus::Completed;
        assert_eq!(after_check(&completed, 0, 0, hour(1)), AfterCheck::Publish);
    }
}
