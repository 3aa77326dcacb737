//! `POST /mock-exams/{mockExamId}/cancel`: an exam called off. The exam is
//! marked cancelled first (no one registers from then on), its reminder and
//! results runs are unscheduled, every paid seat is refunded in full and
//! every candidate is emailed. Each registration is refunded, emailed, then
//! marked cancelled, so a call cut short anywhere is finished by calling
//! again: a refund is sent under a key of its own registration (Stripe makes
//! it once), and an email may go twice but never not at all.

use campaigns_contracts::api::CancelMockExamResponse;
use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, RegistrationStatus,
};
use campaigns_core::money::Cents;
use campaigns_mail::emails::MockExamCancelled;
use campaigns_payments::{PaymentsError, RefundReason, RefundRequest};

use super::mock_exam::schedules;
use super::refund;
use crate::context::App;
use crate::exam_seats;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::payment_wait::Payee;
use campaigns_core::campaign::CampaignId;

pub async fn cancel(app: &App, request: &ApiRequest) -> Handled {
    let exam_id = request.param("mockExamId")?;
    let exam = app
        .records
        .update::<MockExam, ApiFailure>(exam_id, |exam| match exam.status {
            MockExamStatus::Scheduled | MockExamStatus::Cancelled => {
                exam.status = MockExamStatus::Cancelled;
                Ok(())
            }
            MockExamStatus::Completed => Err(ApiFailure::conflict(
                "EXAM_COMPLETED",
                "the exam has taken place; refund its candidates one by one",
            )),
        })
        .await?;
    for schedule in schedules(&exam) {
        app.scheduler
            .delete(&schedule.name)
            .await
            .map_err(ApiFailure::unavailable)?;
    }
    let registrations: Vec<MockRegistration> = app
        .records
        .query("mockExamId-index", exam.mock_exam_id.as_str(), None)
        .await?;
    let mut answer = CancelMockExamResponse {
        mock_exam_id: exam.mock_exam_id.clone(),
        status: exam.status,
        candidates_notified: 0,
        seats_refunded: 0,
    };
    for registration in registrations {
        match registration.status {
            RegistrationStatus::Registered => {
                if refund_seat(app, &registration).await? {
                    answer.seats_refunded += 1;
                }
                notify(app, &exam, &registration).await?;
                exam_seats::release(app, &registration.registration_id).await?;
                answer.candidates_notified += 1;
            }
            RegistrationStatus::PendingPayment => {
                // Its checkout expired, the journey gives the seat back.
                if let Some(session) = &registration.stripe_checkout_session_id {
                    match app.payments.expire_checkout(session).await {
                        Ok(_) | Err(PaymentsError::Declined(_)) => {}
                        Err(other) => return Err(other.into()),
                    }
                }
            }
            RegistrationStatus::PaymentReview => tracing::warn!(
                registration = registration.registration_id,
                "a cancelled exam's registration is held for payment review; refund or accept it"
            ),
            RegistrationStatus::Cancelled => {}
        }
    }
    tracing::info!(
        exam = answer.mock_exam_id,
        notified = answer.candidates_notified,
        refunded = answer.seats_refunded,
        "exam cancelled"
    );
    Ok(ApiResponse::json(200, &answer))
}

/// Refunds what is left of a paid seat; `false` for a free seat or one
/// refunded already.
async fn refund_seat(app: &App, registration: &MockRegistration) -> Result<bool, ApiFailure> {
    let payee = Payee {
        campaign: CampaignId::MockExam,
        record_id: registration.registration_id.clone(),
        member_id: None,
    };
    let Some(paid) = refund::paid(app, &payee).await? else {
        return Ok(false);
    };
    if paid.left() <= Cents::ZERO {
        return Ok(false);
    }
    app.payments
        .refund(&RefundRequest {
            record_id: payee.wait_id(),
            payment_intent_id: paid.payment_intent_id,
            amount_cents: None,
            key: format!("exam-cancelled/{}", registration.mock_exam_id),
            reason: RefundReason::RequestedByCustomer,
            note: Some("the mock exam was cancelled".into()),
        })
        .await?;
    Ok(true)
}

/// Tells the candidate the exam is off (and, for a paid seat, that it is
/// refunded in full).
async fn notify(
    app: &App,
    exam: &MockExam,
    registration: &MockRegistration,
) -> Result<(), ApiFailure> {
    let token = app
        .tokens
        .issue(&super::registration_scope(&registration.registration_id));
    let email = MockExamCancelled::new(exam, registration, &token, &app.mail_settings.links);
    crate::notify::send(app, &email)
        .await
        .map_err(ApiFailure::unavailable)
}
