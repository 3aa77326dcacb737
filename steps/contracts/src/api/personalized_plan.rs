//! Personalized-plan routes: the assessment, the report upload URL and the
//! plan itself.

use std::collections::BTreeMap;

use campaigns_core::cluster::{self, Cluster, ClusterAssessment, ScoreReport};
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{CheckoutSession, Email, PersonName};
use crate::Example;
use crate::records::PlanStatus;

/// The largest score report, in bytes (10 MiB): the most an upload URL is
/// issued for, and the most the local upload route takes.
pub const MAX_SCORE_REPORT_BYTES: u64 = 10 * 1024 * 1024;

/// Asks for a presigned URL to upload a score report straight to storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadUrlRequest {
    #[schemars(length(min = 1, max = 200))]
    pub file_name: String,
    pub content_type: ReportContentType,
    /// Bytes; reports are at most 10 MB.
    #[schemars(range(min = 1, max = MAX_SCORE_REPORT_BYTES))]
    pub content_length: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum ReportContentType {
    #[serde(rename = "application/pdf")]
    Pdf,
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

/// The upload must be a `PUT` with exactly these headers, before `expiresAt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadUrlResponse {
    pub upload_url: String,
    /// Pass it as `scoreReportKey` when creating the plan.
    pub key: String,
    pub method: String,
    pub headers: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePlanRequest {
    pub email: Email,
    pub first_name: PersonName,
    pub last_name: PersonName,
    pub score_report: ScoreReport,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 300))]
    pub score_report_key: Option<String>,
    /// Another cluster than the recommended one, if the user prefers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_cluster: Option<Cluster>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePlanResponse {
    pub plan_id: String,
    /// Needed to read the plan (`X-Access-Token`); shown once.
    pub access_token: String,
    pub status: PlanStatus,
    pub recommended_cluster: Cluster,
    pub selected_cluster: Cluster,
    pub price: Cents,
    pub checkout: CheckoutSession,
}

impl Example for ScoreReport {
    fn example() -> Self {
        serde_json::from_value(serde_json::json!({
            "clinicalPercent": 52.0,
            "theoryPercent": 66.0,
            "overallPercent": 59.0,
            "questionsAnswered": 148,
            "questionsTotal": 150,
            "timeUsedMinutes": 190,
            "timeAllowedMinutes": 210
        }))
        .expect("the example score report is valid")
    }
}

impl Example for ClusterAssessment {
    fn example() -> Self {
        cluster::assess(&ScoreReport::example()).expect("the example score report is valid")
    }
}

impl Example for UploadUrlRequest {
    fn example() -> Self {
        UploadUrlRequest {
            file_name: "adc-part1-score-report.pdf".into(),
            content_type: ReportContentType::Pdf,
            content_length: 482_113,
        }
    }
}

impl Example for UploadUrlResponse {
    fn example() -> Self {
        UploadUrlResponse {
            upload_url: "https://prodenthub-score-reports.s3.ap-southeast-2.amazonaws.com/score-reports/2025/03/rep_01JH3Z8Q4W6T2V9K5M7N1P3R.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=900&X-Amz-Signature=4b1c".into(),
            key: "score-reports/2025/03/rep_01JH3Z8Q4W6T2V9K5M7N1P3R.pdf".into(),
            method: "PUT".into(),
            headers: BTreeMap::from([
                ("Content-Type".into(), "application/pdf".into()),
                ("Content-Length".into(), "482113".into()),
            ]),
            expires_at: "2025-03-12T10:15:00Z".parse().expect("valid timestamp"),
        }
    }
}

impl Example for CreatePlanRequest {
    fn example() -> Self {
        CreatePlanRequest {
            email: "sam.lee@example.com".into(),
            first_name: "Sam".into(),
            last_name: "Lee".into(),
            score_report: ScoreReport::example(),
            score_report_key: Some("score-reports/2025/03/rep_01JH3Z8Q4W6T2V9K5M7N1P3R.pdf".into()),
            selected_cluster: None,
        }
    }
}

impl Example for CreatePlanResponse {
    fn example() -> Self {
        CreatePlanResponse {
            plan_id: "plan_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
            access_token: "tok_2c3d4e5f60718293a4b5c6d7e8f90a1b".into(),
            status: PlanStatus::PendingPayment,
            recommended_cluster: Cluster::ClinicalKnowledgeGap,
            selected_cluster: Cluster::ClinicalKnowledgeGap,
            price: Cents(17_900),
            checkout: CheckoutSession::example(),
        }
    }
}
