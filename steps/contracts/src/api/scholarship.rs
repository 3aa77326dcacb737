//! Scholarship routes: the instant calculation, the application and the
//! reviewer's decision.

use campaigns_core::scholarship::{
    self, EmploymentStatus, ScholarshipCalculation, ScholarshipError,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ApiError, Email, PersonName};
use crate::Example;
use crate::records::ScholarshipStatus;

/// What an applicant declares; `POST /scholarships/calculate` takes it alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScholarshipInput {
    /// Yearly household income in whole AUD.
    #[schemars(range(max = 100_000_000))]
    pub household_income: u64,
    #[schemars(range(min = 1, max = 30))]
    pub household_size: u32,
    /// Country of residence: a name or an ISO 3166 alpha-2 code.
    #[schemars(length(min = 2, max = 60))]
    pub country: String,
    pub employment_status: EmploymentStatus,
    #[serde(default)]
    pub refugee_or_asylum_seeker: bool,
    /// Latest ADC exam score in percent; absent when none was taken yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.0, max = 100.0))]
    pub latest_exam_score: Option<f64>,
}

impl ScholarshipInput {
    /// Runs the campaign rule; its errors name the field at fault.
    pub fn calculate(&self) -> Result<ScholarshipCalculation, ApiError> {
        let input = scholarship::Applicant {
            household_income: self.household_income,
            household_size: self.household_size,
            country: self.country.clone(),
            employment_status: self.employment_status,
            refugee_or_asylum_seeker: self.refugee_or_asylum_seeker,
            latest_exam_score: self.latest_exam_score,
        };
        scholarship::calculate(&input).map_err(|err: ScholarshipError| {
            ApiError::new(err.code(), err.to_string())
                .with_field(format!("/{}", err.field()), err.code())
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScholarshipApplyRequest {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub application: ScholarshipInput,
    /// Why the applicant asks, for the reviewer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2000))]
    pub statement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScholarshipApplyResponse {
    pub scholarship_id: String,
    /// Needed to read the application (`X-Access-Token`); shown once.
    pub access_token: String,
    pub status: ScholarshipStatus,
    pub calculation: ScholarshipCalculation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Approve,
    Decline,
}

/// An administrator's decision on an application over the automatic limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDecisionRequest {
    pub decision: ReviewDecision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1000))]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewDecisionResponse {
    pub scholarship_id: String,
    pub status: ScholarshipStatus,
}

impl Example for ScholarshipInput {
    fn example() -> Self {
        ScholarshipInput {
            household_income: 42_000,
            household_size: 3,
            country: "Egypt".into(),
            employment_status: EmploymentStatus::PartTime,
            refugee_or_asylum_seeker: false,
            latest_exam_score: Some(58.0),
        }
    }
}

impl Example for ScholarshipCalculation {
    fn example() -> Self {
        ScholarshipInput::example()
            .calculate()
            .expect("the example input is valid")
    }
}

impl Example for ScholarshipApplyRequest {
    fn example() -> Self {
        ScholarshipApplyRequest {
            email: "amira.haddad@example.com".into(),
            first_name: "Amira".into(),
            last_name: "Haddad".into(),
            application: ScholarshipInput::example(),
            statement: Some("I work part-time while preparing for the ADC written exam.".into()),
        }
    }
}

impl Example for ScholarshipApplyResponse {
    fn example() -> Self {
        ScholarshipApplyResponse {
            scholarship_id: "sch_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            access_token: "tok_0a1b2c3d4e5f60718293a4b5c6d7e8f9".into(),
            status: ScholarshipStatus::PendingReview,
            calculation: ScholarshipCalculation::example(),
        }
    }
}

impl Example for ReviewDecisionRequest {
    fn example() -> Self {
        ReviewDecisionRequest {
            decision: ReviewDecision::Approve,
            note: Some("Income and situation verified against the supporting documents.".into()),
        }
    }
}

impl Example for ReviewDecisionResponse {
    fn example() -> Self {
        ReviewDecisionResponse {
            scholarship_id: "sch_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            status: ScholarshipStatus::Approved,
        }
    }
}
