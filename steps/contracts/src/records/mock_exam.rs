//! `prodenthub-mock-exams`, `prodenthub-mock-registrations` and
//! `prodenthub-mock-statistics`.

use std::collections::BTreeMap;

use campaigns_core::money::Cents;
use campaigns_core::stats::ExamStatistics;
use campaigns_core::time_zone::TimeZone;
use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::purchase::is_zero;
use crate::Example;

/// A scheduled mock exam. `examDate` (the seed's key) is the day it starts
/// in its `timeZone`; `startsAt` and `endsAt` are the UTC instants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockExam {
    pub mock_exam_id: String,
    pub title: String,
    pub exam_date: NaiveDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Where the exam's times are read; exams stored before zones were
    /// Sydney's.
    #[serde(default)]
    pub time_zone: TimeZone,
    pub capacity: u32,
    pub registered_count: u32,
    pub premium_price: Cents,
    /// Score (percent) at or above which a candidate passes.
    pub pass_mark: f64,
    pub sections: Vec<String>,
    pub status: MockExamStatus,
    pub created_at: DateTime<Utc>,
    /// The start it had before it was last moved, for the email that tells
    /// candidates; absent for an exam never moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_from: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MockExamStatus {
    Scheduled,
    Completed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockRegistration {
    pub registration_id: String,
    pub mock_exam_id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub tier: RegistrationTier,
    pub status: RegistrationStatus,
    pub created_at: DateTime<Utc>,
    /// The candidate's own zone, when they gave one: emails show the exam's
    /// times in it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<TimeZone>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_checkout_session_id: Option<String>,
    /// How many checkout sessions were opened before the current one.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub checkout_attempt: u32,
    /// The premium payment, once made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<DateTime<Utc>>,
    /// Refunded so far, in cents (Stripe's `amount_refunded`): part of the
    /// price for a partial refund, all of it for a full one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<Cents>,
    /// When an unpaid or refunded registration gave its seat back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Overall score in percent, once results are in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub section_scores: BTreeMap<String, f64>,
    /// Per-question correctness, where the exam records it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentile_rank: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationTier {
    Free,
    Premium,
}

/// Free registrations are `registered` at once; premium ones wait for
/// payment. `payment_review`: a payment came that is not the one asked for,
/// so the seat is still held, unconfirmed, until ops refund or accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    PendingPayment,
    Registered,
    Cancelled,
    PaymentReview,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MockStatistics {
    pub mock_exam_id: String,
    pub calculated_at: DateTime<Utc>,
    pub statistics: ExamStatistics,
}

impl Example for MockExam {
    fn example() -> Self {
        MockExam {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            title: "ADC Part 1 Mock Exam - March".into(),
            exam_date: NaiveDate::from_ymd_opt(2025, 3, 22).expect("valid date"),
            starts_at: "2025-03-22T00:00:00Z".parse().expect("valid timestamp"),
            ends_at: "2025-03-22T03:30:00Z".parse().expect("valid timestamp"),
            time_zone: TimeZone::default(),
            capacity: 200,
            registered_count: 57,
            premium_price: Cents(2_900),
            pass_mark: 60.0,
            sections: vec!["clinical".into(), "theory".into()],
            status: MockExamStatus::Scheduled,
            created_at: "2025-02-01T00:00:00Z".parse().expect("valid timestamp"),
            moved_from: None,
        }
    }
}

impl Example for MockRegistration {
    fn example() -> Self {
        MockRegistration {
            amount_refunded: None,
            registration_id: "reg_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            email: "priya.k@example.com".into(),
            first_name: "Priya".into(),
            last_name: "Kumar".into(),
            tier: RegistrationTier::Premium,
            status: RegistrationStatus::Registered,
            created_at: "2025-03-01T12:00:00Z".parse().expect("valid timestamp"),
            time_zone: TimeZone::parse("Asia/Kolkata"),
            stripe_checkout_session_id: Some("cs_test_d4E5f6G7".into()),
            checkout_attempt: 0,
            payment_intent_id: Some("pi_3QfR8sLkdIwHu7ix1a2B3c4D".into()),
            paid_at: Some("2025-03-01T12:04:10Z".parse().expect("valid timestamp")),
            cancelled_at: None,
            score: Some(68.5),
            section_scores: BTreeMap::from([("clinical".into(), 64.0), ("theory".into(), 73.0)]),
            answers: None,
            percentile_rank: Some(71.5),
        }
    }
}

impl Example for MockStatistics {
    fn example() -> Self {
        MockStatistics {
            mock_exam_id: "mex_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            calculated_at: "2025-03-22T04:00:00Z".parse().expect("valid timestamp"),
            statistics: ExamStatistics::example(),
        }
    }
}
