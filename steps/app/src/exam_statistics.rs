//! An exam's statistics from the marked results on its registrations: the
//! one code path behind the admin's `calculate-stats` and the results run.

use std::collections::BTreeMap;

use campaigns_contracts::records::{
    MockExam, MockRegistration, MockStatistics, RegistrationStatus,
};
use campaigns_core::stats::{self, ExamResult, ExamStatistics};
use campaigns_records::{Condition, typed};

use crate::context::App;
use crate::failure::ApiFailure;

/// The registrations of an exam that hold a seat (paid or free).
pub async fn registered(app: &App, exam_id: &str) -> Result<Vec<MockRegistration>, ApiFailure> {
    let registrations: Vec<MockRegistration> =
        app.records.query("mockExamId-index", exam_id, None).await?;
    Ok(registrations
        .into_iter()
        .filter(|registration| registration.status == RegistrationStatus::Registered)
        .collect())
}

/// A registration's marked result, if it has one.
pub fn result_of(registration: &MockRegistration) -> Option<ExamResult> {
    Some(ExamResult {
        registration_id: registration.registration_id.clone(),
        score: registration.score?,
        section_scores: registration.section_scores.clone(),
        answers: registration.answers.clone(),
    })
}

/// The statistics of `results` at the exam's pass mark; a result that breaks
/// a rule (a score out of range, answer lists of different lengths) is a 422.
pub fn compute(exam: &MockExam, results: &[ExamResult]) -> Result<ExamStatistics, ApiFailure> {
    stats::compute(results, exam.pass_mark)
        .map_err(|err| ApiFailure::rule(err.code(), err.to_string()))
}

/// Computes the statistics over every registered candidate's result, stores
/// each candidate's percentile rank on their registration, then the
/// statistics. The stored statistics leave the per-candidate ranks out:
/// they are public, and each rank is on its own registration.
pub async fn calculate(app: &App, exam: &MockExam) -> Result<MockStatistics, ApiFailure> {
    let registrations = registered(app, &exam.mock_exam_id).await?;
    let results: Vec<ExamResult> = registrations.iter().filter_map(result_of).collect();
    let mut statistics = compute(exam, &results)?;
    // A rank already stored is not written again, so a run cut short by a
    // timeout goes on from where it stopped when it is retried.
    let ranked: BTreeMap<&str, Option<f64>> = registrations
        .iter()
        .map(|registration| {
            (
                registration.registration_id.as_str(),
                registration.percentile_rank,
            )
        })
        .collect();
    for rank in std::mem::take(&mut statistics.percentile_ranks) {
        if ranked.get(rank.registration_id.as_str()) == Some(&Some(rank.percentile_rank)) {
            continue;
        }
        app.records
            .update::<MockRegistration, ApiFailure>(&rank.registration_id, |registration| {
                registration.percentile_rank = Some(rank.percentile_rank);
                Ok(())
            })
            .await?;
    }
    let stored = MockStatistics {
        mock_exam_id: exam.mock_exam_id.clone(),
        calculated_at: app.now(),
        statistics,
    };
    app.records
        .store()
        .transact(&[typed::put(&stored, Condition::Always)?])
        .await?;
    Ok(stored)
}
