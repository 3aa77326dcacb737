//! HTTP request and response bodies of every route (seed §3 and DESIGN.md).

mod admin;
mod checkout;
mod common;
mod coupon;
mod error;
mod mock_exam;
mod personalized_plan;
mod privacy;
mod refund;
mod scholarship;
mod team;
mod webhook;

pub use admin::{CouponList, PendingScholarships, UpdateCouponRequest};
pub use checkout::{
    CancelCheckoutQuery, CheckoutCancelled, CheckoutSession, CreateCheckoutRequest,
    VerifyCheckoutRequest, VerifyCheckoutResponse,
};
pub use common::{Email, PersonName};
pub use coupon::{
    CreatePurchaseRequest, CreatePurchaseResponse, ValidateCouponRequest, ValidateCouponResponse,
};
pub use error::{ApiError, ErrorResponse};
pub use mock_exam::{
    CancelMockExamResponse, CreateMockExamRequest, DEFAULT_EXAMS_PER_PAGE, ListMockExamsQuery,
    MAX_EXAMS_PER_PAGE, MockExamList, MockExamSummary, MoveMockExamRequest, MoveMockExamResponse,
    RegisterMockExamRequest, RegisterMockExamResponse, ScheduledMockExam, SubmitResultsRequest,
    SubmitResultsResponse,
};
pub use personalized_plan::{
    CreatePlanRequest, CreatePlanResponse, MAX_SCORE_REPORT_BYTES, ReportContentType,
    UploadUrlRequest, UploadUrlResponse,
};
pub use privacy::{
    CustomerRecordSummary, CustomerRecords, ErasureReport, OutboxMessage, PersonRequest,
    PersonalDataExport, RecordKind, TableErasure,
};
pub use refund::{CreateRefundRequest, RefundReason, RefundResponse};
pub use scholarship::{
    ReviewDecision, ReviewDecisionRequest, ReviewDecisionResponse, ScholarshipApplyRequest,
    ScholarshipApplyResponse, ScholarshipInput,
};
pub use team::{CreateTeamRequest, CreateTeamResponse, NewTeamMember};
pub use webhook::WebhookAck;
