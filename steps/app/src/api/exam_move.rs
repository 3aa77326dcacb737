//! `POST /mock-exams/{mockExamId}/move`: an exam moved to another time. The
//! exam is changed first, then its reminder and results runs are moved with
//! it (schedules named after the exam, so writing them again moves them),
//! then every registered candidate is emailed the new time. A call cut short
//! is finished by sending it again: the exam is already at that time, the
//! runs are written again, and every candidate is emailed (perhaps twice,
//! never not at all). Until then an old run that fires reads the exam at its
//! new time.

use campaigns_contracts::api::{MoveMockExamRequest, MoveMockExamResponse};
use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, RegistrationStatus,
};
use campaigns_mail::emails::MockExamMoved;
use chrono::TimeDelta;

use super::mock_exam::{schedules, start};
use super::parse;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};

pub async fn move_exam(app: &App, request: &ApiRequest) -> Handled {
    let exam_id = request.param("mockExamId")?;
    let body: MoveMockExamRequest = parse(request)?;
    let now = app.now();
    let starts_at = start(now, body.starts_at)?;
    let exam = app
        .records
        .update::<MockExam, ApiFailure>(exam_id, |exam| {
            match exam.status {
                MockExamStatus::Scheduled => {}
                MockExamStatus::Cancelled => {
                    return Err(ApiFailure::conflict(
                        "EXAM_CANCELLED",
                        "the exam is cancelled; schedule a new one",
                    ));
                }
                MockExamStatus::Completed => {
                    return Err(ApiFailure::conflict(
                        "EXAM_COMPLETED",
                        "the exam has taken place",
                    ));
                }
            }
            if exam.starts_at <= now {
                return Err(ApiFailure::conflict(
                    "EXAM_STARTED",
                    "the exam has started; it cannot move",
                ));
            }
            let duration = body
                .duration_minutes
                .map_or(exam.ends_at - exam.starts_at, |minutes| {
                    TimeDelta::minutes(i64::from(minutes))
                });
            if exam.starts_at != starts_at {
                exam.moved_from = Some(exam.starts_at);
            }
            exam.time_zone = body.time_zone.unwrap_or(exam.time_zone);
            exam.starts_at = starts_at;
            exam.ends_at = starts_at + duration;
            exam.exam_date = exam.time_zone.local_date(starts_at);
            Ok(())
        })
        .await?;
    let was_starts_at = exam.moved_from.unwrap_or(exam.starts_at);
    for schedule in schedules(&exam) {
        app.scheduler
            .upsert(&schedule)
            .await
            .map_err(ApiFailure::unavailable)?;
    }
    let registrations: Vec<MockRegistration> = app
        .records
        .query("mockExamId-index", exam.mock_exam_id.as_str(), None)
        .await?;
    let mut candidates_notified = 0;
    for registration in registrations
        .iter()
        .filter(|registration| registration.status == RegistrationStatus::Registered)
    {
        notify(app, &exam, was_starts_at, registration).await?;
        candidates_notified += 1;
    }
    tracing::info!(
        exam = exam.mock_exam_id,
        starts_at = %exam.starts_at,
        notified = candidates_notified,
        "exam moved"
    );
    let answer = MoveMockExamResponse {
        mock_exam_id: exam.mock_exam_id.clone(),
        exam_date: exam.exam_date,
        starts_at: exam.starts_at,
        ends_at: exam.ends_at,
        time_zone: exam.time_zone,
        starts_at_local: exam.time_zone.local(exam.starts_at),
        ends_at_local: exam.time_zone.local(exam.ends_at),
        candidates_notified,
    };
    Ok(ApiResponse::json(200, &answer))
}

/// Tells the candidate the exam's new time and the one it had.
async fn notify(
    app: &App,
    exam: &MockExam,
    was_starts_at: chrono::DateTime<chrono::Utc>,
    registration: &MockRegistration,
) -> Result<(), ApiFailure> {
    let token = app
        .tokens
        .issue(&super::registration_scope(&registration.registration_id));
    let email = MockExamMoved::new(
        exam,
        was_starts_at,
        registration,
        &token,
        &app.mail_settings.links,
    );
    crate::notify::send(app, &email)
        .await
        .map_err(ApiFailure::unavailable)
}
