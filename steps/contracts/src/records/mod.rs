//! The records of the seed's nine tables (§1), with its field names, and of
//! the tables the journeys add.
//!
//! Each record parses the seed's sample (where it has one) and serializes back
//! to the same JSON. Fields the seed does not show but the journeys need are
//! optional, so older records and the seed's samples stay valid.

mod coupon;
mod journey_start;
mod journey_tables;
mod mock_exam;
mod owed_access_event;
mod personalized_plan;
mod purchase;
mod scholarship;
mod team;

pub use coupon::{CouponRecord, CouponUsage, CouponUsageStatus};
pub use journey_start::{JOURNEY_START_QUEUE, JourneyStart};
pub use journey_tables::{
    AccessGrant, AccessGrantStatus, DisputeStatus, GrantDispute, IdempotencyRecord, PaymentOutcome,
    PaymentResult, PaymentWait, WebhookEvent,
};
pub use mock_exam::{
    MockExam, MockExamStatus, MockRegistration, MockStatistics, RegistrationStatus,
    RegistrationTier,
};
pub use owed_access_event::{ACCESS_EVENT_QUEUE, OwedAccessEvent};
pub use personalized_plan::{PersonalizedPlan, PlanStatus};
pub use purchase::{DiscountPurchase, PurchaseStatus};
pub use scholarship::{Scholarship, ScholarshipStatus};
pub use team::{MemberStatus, Team, TeamMember, TeamStatus};
