//! Mock exams: registration, the reminder 24 hours before, results, and an
//! exam moved or cancelled.

use campaigns_contracts::records::{MockExam, MockRegistration, MockStatistics, RegistrationTier};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::invoice::TaxInvoice;
use super::payment::Payment;
use super::required;
use crate::display::percent;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// The exam and the registrant, as registration and reminder show them.
/// Times are read in the exam's zone, and in the candidate's beside them
/// when they gave another.
#[derive(Debug, Clone, Serialize)]
struct Seat {
    #[serde(skip)]
    to: String,
    /// The start in the exam's zone alone, short enough for a subject.
    #[serde(skip)]
    starts_at_exam_zone: String,
    first_name: String,
    title: String,
    starts_at: String,
    ends_at: String,
    duration_minutes: i64,
    sections: Vec<String>,
    tier: &'static str,
    registration_id: String,
    access_url: String,
}

impl Seat {
    fn new(exam: &MockExam, registration: &MockRegistration, token: &str, links: &Links) -> Seat {
        let zone = exam.time_zone;
        Seat {
            to: registration.email.clone(),
            starts_at_exam_zone: zone.local(exam.starts_at).text,
            first_name: registration.first_name.clone(),
            title: exam.title.clone(),
            starts_at: zone.display_for(exam.starts_at, registration.time_zone),
            ends_at: zone.display_for(exam.ends_at, registration.time_zone),
            duration_minutes: (exam.ends_at - exam.starts_at).num_minutes(),
            sections: exam.sections.clone(),
            tier: match registration.tier {
                RegistrationTier::Free => "Free",
                RegistrationTier::Premium => "Premium",
            },
            registration_id: registration.registration_id.clone(),
            access_url: links.mock_exam(&registration.registration_id, token),
        }
    }
}

/// Registered: when the exam runs and the link that opens it; for a
/// premium seat, its tax invoice.
#[derive(Debug, Clone, Serialize)]
pub struct MockExamRegistration {
    #[serde(flatten)]
    seat: Seat,
    /// `None` for a free seat.
    invoice: Option<TaxInvoice>,
}

impl MockExamRegistration {
    /// A premium `registration` needs its `paidAt`, the invoice's date.
    pub fn new(
        exam: &MockExam,
        registration: &MockRegistration,
        token: &str,
        links: &Links,
    ) -> Result<MockExamRegistration, MailError> {
        let invoice = match registration.tier {
            RegistrationTier::Free => None,
            RegistrationTier::Premium => TaxInvoice::new(
                Payment::MockExam { exam, registration },
                TemplateName::MockExamRegistration,
            )?,
        };
        Ok(MockExamRegistration {
            seat: Seat::new(exam, registration, token, links),
            invoice,
        })
    }
}

impl EmailTemplate for MockExamRegistration {
    const NAME: TemplateName = TemplateName::MockExamRegistration;
    fn to(&self) -> &str {
        &self.seat.to
    }
    fn subject(&self) -> String {
        format!("You are registered: {}", self.seat.title)
    }
}

/// Sent by the reminder run 24 hours before the exam starts.
#[derive(Debug, Clone, Serialize)]
pub struct MockExamReminder {
    #[serde(flatten)]
    seat: Seat,
}

impl MockExamReminder {
    pub fn new(
        exam: &MockExam,
        registration: &MockRegistration,
        token: &str,
        links: &Links,
    ) -> MockExamReminder {
        MockExamReminder {
            seat: Seat::new(exam, registration, token, links),
        }
    }
}

impl EmailTemplate for MockExamReminder {
    const NAME: TemplateName = TemplateName::MockExamReminder;
    fn to(&self) -> &str {
        &self.seat.to
    }
    fn subject(&self) -> String {
        format!(
            "Tomorrow: {} starts {}",
            self.seat.title, self.seat.starts_at_exam_zone
        )
    }
}

/// The registrant's own result next to the whole exam's statistics.
#[derive(Debug, Clone, Serialize)]
pub struct MockExamResults {
    #[serde(skip)]
    to: String,
    first_name: String,
    title: String,
    /// When the exam was sat, read as the registration email read it.
    sat_at: String,
    score: String,
    percentile_rank: String,
    passed: bool,
    pass_mark: String,
    /// The registrant's score per section beside the exam's mean.
    sections: Vec<SectionLine>,
    stats: StatsSummary,
    results_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct SectionLine {
    section: String,
    score: String,
    mean: String,
}

#[derive(Debug, Clone, Serialize)]
struct StatsSummary {
    count: usize,
    mean: String,
    median: String,
    standard_deviation: String,
    min: String,
    max: String,
    p25: String,
    p75: String,
    pass_rate: String,
}

impl MockExamResults {
    /// `registration` carries the score and percentile the statistics run stored.
    pub fn new(
        exam: &MockExam,
        registration: &MockRegistration,
        statistics: &MockStatistics,
        token: &str,
        links: &Links,
    ) -> Result<MockExamResults, MailError> {
        let template = TemplateName::MockExamResults;
        let score = required(registration.score, template, "the registration's score")?;
        let percentile_rank = required(
            registration.percentile_rank,
            template,
            "the registration's percentileRank",
        )?;
        let stats = &statistics.statistics;
        let shown = |value: Option<f64>| value.map_or_else(|| "n/a".to_string(), percent);
        let section_mean = |section: &str| {
            shown(
                stats
                    .section_means
                    .iter()
                    .find(|mean| mean.section == section)
                    .map(|mean| mean.mean),
            )
        };
        Ok(MockExamResults {
            to: registration.email.clone(),
            first_name: registration.first_name.clone(),
            title: exam.title.clone(),
            sat_at: exam
                .time_zone
                .display_for(exam.starts_at, registration.time_zone),
            score: percent(score),
            percentile_rank: percent(percentile_rank),
            passed: score >= exam.pass_mark,
            pass_mark: percent(exam.pass_mark),
            sections: registration
                .section_scores
                .iter()
                .map(|(section, score)| SectionLine {
                    section: section.clone(),
                    score: percent(*score),
                    mean: section_mean(section),
                })
                .collect(),
            stats: StatsSummary {
                count: stats.count,
                mean: shown(stats.mean),
                median: shown(stats.median),
                standard_deviation: stats
                    .standard_deviation
                    .map_or_else(|| "n/a".to_string(), |sd| format!("{sd:.1} points")),
                min: shown(stats.min),
                max: shown(stats.max),
                p25: shown(stats.percentiles.map(|p| p.p25)),
                p75: shown(stats.percentiles.map(|p| p.p75)),
                pass_rate: shown(stats.pass_rate_percent),
            },
            results_url: links.mock_exam_results(
                &exam.mock_exam_id,
                &registration.registration_id,
                token,
            ),
        })
    }
}

impl EmailTemplate for MockExamResults {
    const NAME: TemplateName = TemplateName::MockExamResults;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!("Your results: {} ({})", self.title, self.score)
    }
}

/// The exam is cancelled: to each candidate, and for a paid premium seat,
/// that the payment is refunded in full.
#[derive(Debug, Clone, Serialize)]
pub struct MockExamCancelled {
    #[serde(flatten)]
    seat: Seat,
    /// The premium price refunded; `None` for a free seat or one never paid.
    refunded: Option<String>,
}

impl MockExamCancelled {
    /// `registration` as it was when the exam was cancelled: a premium seat
    /// with a `paidAt` was paid, and cancelling refunds every paid seat.
    pub fn new(
        exam: &MockExam,
        registration: &MockRegistration,
        token: &str,
        links: &Links,
    ) -> MockExamCancelled {
        let paid = registration.tier == RegistrationTier::Premium && registration.paid_at.is_some();
        MockExamCancelled {
            seat: Seat::new(exam, registration, token, links),
            refunded: paid.then(|| exam.premium_price.to_aud_string()),
        }
    }
}

impl EmailTemplate for MockExamCancelled {
    const NAME: TemplateName = TemplateName::MockExamCancelled;
    fn to(&self) -> &str {
        &self.seat.to
    }
    fn subject(&self) -> String {
        format!(
            "Cancelled: {} on {}",
            self.seat.title, self.seat.starts_at_exam_zone
        )
    }
}

/// The exam moved: its new times, the start it had, and the same link.
#[derive(Debug, Clone, Serialize)]
pub struct MockExamMoved {
    #[serde(flatten)]
    seat: Seat,
    /// The start it had, read as the candidate read it.
    was_starts_at: String,
}

impl MockExamMoved {
    /// `exam` at its new time; `was_starts_at` the start it had.
    pub fn new(
        exam: &MockExam,
        was_starts_at: DateTime<Utc>,
        registration: &MockRegistration,
        token: &str,
        links: &Links,
    ) -> MockExamMoved {
        MockExamMoved {
            seat: Seat::new(exam, registration, token, links),
            was_starts_at: exam
                .time_zone
                .display_for(was_starts_at, registration.time_zone),
        }
    }
}

impl EmailTemplate for MockExamMoved {
    const NAME: TemplateName = TemplateName::MockExamMoved;
    fn to(&self) -> &str {
        &self.seat.to
    }
    fn subject(&self) -> String {
        format!(
            "New time: {} on {}",
            self.seat.title, self.seat.starts_at_exam_zone
        )
    }
}

/// To ops: an exam ended and its results run is still waiting for the
/// marked results, which only an admin can upload. Sent when the run first
/// misses them and then daily until they come or the run gives up.
#[derive(Debug, Clone, Serialize)]
pub struct MockResultsMissing {
    #[serde(skip)]
    to: String,
    title: String,
    mock_exam_id: String,
    ended_at: String,
    registered: u32,
    gives_up_at: String,
}

impl MockResultsMissing {
    /// `gives_up_at`: when the run stops waiting and fails;
    /// `ops_email` is [`crate::MailSettings::ops_email`].
    pub fn new(exam: &MockExam, gives_up_at: DateTime<Utc>, ops_email: &str) -> MockResultsMissing {
        let zone = exam.time_zone;
        MockResultsMissing {
            to: ops_email.into(),
            title: exam.title.clone(),
            mock_exam_id: exam.mock_exam_id.clone(),
            ended_at: zone.local(exam.ends_at).text,
            registered: exam.registered_count,
            gives_up_at: zone.local(gives_up_at).text,
        }
    }
}

impl EmailTemplate for MockResultsMissing {
    const NAME: TemplateName = TemplateName::MockResultsMissing;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!("Results missing: {} ({})", self.title, self.mock_exam_id)
    }
}
