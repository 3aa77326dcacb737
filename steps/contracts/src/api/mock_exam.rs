//! Mock-exam routes: the list, registration, results and statistics.

use std::collections::BTreeMap;

use campaigns_core::money::Cents;
use campaigns_core::stats::{self, ExamResult, ExamStatistics};
use campaigns_core::time_zone::{LocalTime, TimeZone};
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckoutSession, Email, PersonName};
use crate::Example;
use crate::records::{MockExam, MockExamStatus, RegistrationStatus, RegistrationTier};

/// Exams per page of `GET /mock-exams` when the query names no `limit`.
pub const DEFAULT_EXAMS_PER_PAGE: usize = 20;
/// The largest `limit` of `GET /mock-exams`.
pub const MAX_EXAMS_PER_PAGE: usize = 100;

/// The query of `GET /mock-exams`: a page of upcoming exams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListMockExamsQuery {
    /// Exams per page, 1 to 100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^(100|[1-9][0-9]?)$"))]
    pub limit: Option<String>,
    /// `nextCursor` of the previous page; absent for the first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub cursor: Option<String>,
}

impl ListMockExamsQuery {
    /// The page size asked for (the schema allows only 1 to 100).
    pub fn limit(&self) -> usize {
        self.limit
            .as_deref()
            .and_then(|limit| limit.parse().ok())
            .map_or(DEFAULT_EXAMS_PER_PAGE, |limit: usize| {
                limit.clamp(1, MAX_EXAMS_PER_PAGE)
            })
    }
}

/// `GET /mock-exams`: a page of upcoming exams, soonest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockExamList {
    pub exams: Vec<MockExamSummary>,
    /// Opaque: pass it as `cursor` for the next page. Absent on the last
    /// page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MockExamSummary {
    pub mock_exam_id: String,
    pub title: String,
    /// The day the exam starts in its `timeZone`.
    pub exam_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: TimeZone,
    /// `startsAt` as read in the exam's zone (AEST or AEDT in Sydney).
    pub starts_at_local: LocalTime,
    pub ends_at_local: LocalTime,
    pub seats_left: u32,
    pub premium_price: Cents,
    pub status: MockExamStatus,
}

/// An administrator schedules an exam; its reminder and statistics runs are
/// scheduled with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateMockExamRequest {
    #[schemars(length(min = 3, max = 120))]
    pub title: String,
    /// The instant it starts (any offset; stored in UTC).
    pub starts_at: DateTime<Utc>,
    /// Where candidates read its times and its `examDate` is counted.
    #[serde(default)]
    pub time_zone: TimeZone,
    #[schemars(range(min = 15, max = 600))]
    pub duration_minutes: u32,
    #[schemars(range(min = 1, max = 10_000))]
    pub capacity: u32,
    #[schemars(range(min = 0.0, max = 100.0))]
    pub pass_mark: f64,
    #[schemars(length(min = 1, max = 10), inner(length(min = 1, max = 60)))]
    pub sections: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterMockExamRequest {
    #[schemars(length(min = 1, max = 64))]
    pub mock_exam_id: String,
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub tier: RegistrationTier,
    /// The candidate's own zone: emails show the exam's times in it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<TimeZone>,
}

/// Free seats are `registered` at once; premium ones come with a checkout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterMockExamResponse {
    pub registration_id: String,
    /// Needed to read the registration and its result (`X-Access-Token`).
    pub access_token: String,
    pub status: RegistrationStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout: Option<CheckoutSession>,
}

/// An administrator uploads the marked results after the exam.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitResultsRequest {
    #[schemars(length(min = 1, max = 10_000))]
    pub results: Vec<ExamResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubmitResultsResponse {
    pub mock_exam_id: String,
    pub accepted: u32,
}

/// An exam cancelled: every candidate told, every paid seat refunded in
/// full. Sent again, it finishes what an interrupted call left undone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CancelMockExamResponse {
    pub mock_exam_id: String,
    pub status: MockExamStatus,
    /// Candidates told of the cancellation by this call.
    pub candidates_notified: u32,
    /// Paid seats refunded by this call (each is refunded once, whatever
    /// the number of calls).
    pub seats_refunded: u32,
}

/// `POST /mock-exams`: the exam as stored, with its times as candidates
/// read them (as the list shows them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduledMockExam {
    #[serde(flatten)]
    pub exam: MockExam,
    /// `startsAt` as read in the exam's zone (AEST or AEDT in Sydney).
    pub starts_at_local: LocalTime,
    pub ends_at_local: LocalTime,
}

impl ScheduledMockExam {
    pub fn of(exam: MockExam) -> ScheduledMockExam {
        ScheduledMockExam {
            starts_at_local: exam.time_zone.local(exam.starts_at),
            ends_at_local: exam.time_zone.local(exam.ends_at),
            exam,
        }
    }
}

impl Example for ScheduledMockExam {
    fn example() -> Self {
        ScheduledMockExam::of(MockExam::example())
    }
}

/// An exam moved to another time: its runs follow it and every candidate
/// is told. The zone stays the exam's unless one is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveMockExamRequest {
    /// The new start (any offset; stored in UTC), more than 24 hours away.
    pub starts_at: DateTime<Utc>,
    /// The new length; the exam keeps its own when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 15, max = 600))]
    pub duration_minutes: Option<u32>,
    /// Where its times are read from now on; the exam keeps its own when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<TimeZone>,
}

/// The exam at its new time. Sent again with the same time, it reschedules
/// and tells every candidate again, so an interrupted call is finished by
/// repeating it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MoveMockExamResponse {
    pub mock_exam_id: String,
    pub exam_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: TimeZone,
    pub starts_at_local: LocalTime,
    pub ends_at_local: LocalTime,
    /// Candidates told of the new time by this call.
    pub candidates_notified: u32,
}

fn example_results() -> Vec<ExamResult> {
    let scores = [
        (48.0, 44.0, 52.0, [true, false, false, true, false]),
        (61.5, 58.0, 65.0, [true, true, false, true, false]),
        (68.5, 64.0, 73.0, [true, true, true, false, true]),
        (74.0, 71.0, 77.0, [true, true, true, true, false]),
        (83.0, 80.0, 86.0, [true, true, true, true, true]),
    ];
    scores
        .iter()
        .enumerate()
        .map(|(i, (score, clinical, theory, answers))| ExamResult {
            registration_id: format!("reg_01JH3Z8Q4W6T2V9K5M7N1P{i}R"),
            score: *score,
            section_scores: BTreeMap::from([
                ("clinical".into(), *clinical),
                ("theory".into(), *theory),
            ]),
            answers: Some(answers.to_vec()),
        })
        .collect()
}

impl Example for ExamStatistics {
    fn example() -> Self {
        stats::compute(&example_results(), 60.0).expect("the example results are valid")
    }
}

impl Example for MockExamList {
    fn example() -> Self {
        let starts_at = "2025-03-22T00:00:00Z".parse().expect("valid timestamp");
        let ends_at = "2025-03-22T03:30:00Z".parse().expect("valid timestamp");
        let time_zone = TimeZone::default();
        MockExamList {
            exams: vec![MockExamSummary {
                mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
                title: "ADC Part 1 Mock Exam - March".into(),
                exam_date: NaiveDate::from_ymd_opt(2025, 3, 22).expect("valid date"),
                starts_at,
                ends_at,
                time_zone,
                starts_at_local: time_zone.local(starts_at),
                ends_at_local: time_zone.local(ends_at),
                seats_left: 143,
                premium_price: Cents(2_900),
                status: MockExamStatus::Scheduled,
            }],
            next_cursor: Some(
                "5b22323032352d30332d32325430303a30303a30305a222c226d65785f30314a48335a3851345736543256394b354d374e31503352225d".into(),
            ),
        }
    }
}

impl Example for ListMockExamsQuery {
    fn example() -> Self {
        ListMockExamsQuery {
            limit: Some("20".into()),
            cursor: None,
        }
    }
}

impl Example for CreateMockExamRequest {
    fn example() -> Self {
        CreateMockExamRequest {
            title: "ADC Part 1 Mock Exam - March".into(),
            starts_at: "2025-03-22T00:00:00Z".parse().expect("valid timestamp"),
            time_zone: TimeZone::default(),
            duration_minutes: 210,
            capacity: 200,
            pass_mark: 60.0,
            sections: vec!["clinical".into(), "theory".into()],
        }
    }
}

impl Example for RegisterMockExamRequest {
    fn example() -> Self {
        RegisterMockExamRequest {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            email: "priya.k@example.com".into(),
            first_name: "Priya".into(),
            last_name: "Kumar".into(),
            tier: RegistrationTier::Premium,
            time_zone: TimeZone::parse("Asia/Kolkata"),
        }
    }
}

impl Example for RegisterMockExamResponse {
    fn example() -> Self {
        RegisterMockExamResponse {
            registration_id: "reg_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            access_token: "tok_3d4e5f60718293a4b5c6d7e8f90a1b2c".into(),
            status: RegistrationStatus::PendingPayment,
            checkout: Some(CheckoutSession::example()),
        }
    }
}

impl Example for SubmitResultsRequest {
    fn example() -> Self {
        SubmitResultsRequest {
            results: example_results(),
        }
    }
}

impl Example for CancelMockExamResponse {
    fn example() -> Self {
        CancelMockExamResponse {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            status: MockExamStatus::Cancelled,
            candidates_notified: 12,
            seats_refunded: 4,
        }
    }
}

impl Example for MoveMockExamRequest {
    fn example() -> Self {
        MoveMockExamRequest {
            starts_at: "2026-03-21T23:00:00Z".parse().expect("a timestamp"),
            duration_minutes: None,
            time_zone: None,
        }
    }
}

impl Example for MoveMockExamResponse {
    fn example() -> Self {
        let zone = TimeZone::default();
        let starts_at = "2026-03-21T23:00:00Z".parse().expect("a timestamp");
        let ends_at = "2026-03-22T02:00:00Z".parse().expect("a timestamp");
        MoveMockExamResponse {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            exam_date: zone.local_date(starts_at),
            starts_at,
            ends_at,
            time_zone: zone,
            starts_at_local: zone.local(starts_at),
            ends_at_local: zone.local(ends_at),
            candidates_notified: 12,
        }
    }
}

impl Example for SubmitResultsResponse {
    fn example() -> Self {
        SubmitResultsResponse {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            accepted: 5,
        }
    }
}
