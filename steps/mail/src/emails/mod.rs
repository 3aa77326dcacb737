//! One context per template, built from our records.
//!
//! A context holds what its templates show, already formatted: amounts as
//! `$99.67 AUD`, times in UTC (a mock exam's in its zone), links absolute. Templates then only lay it
//! out, and the same figures appear in the HTML and the plain-text body.

mod dispute;
mod invoice;
mod mock_exam;
mod payment;
mod plan;
mod purchase;
mod refund;
mod scholarship;
mod team;

pub use dispute::DisputeOpened;
pub use mock_exam::{
    MockExamCancelled, MockExamMoved, MockExamRegistration, MockExamReminder, MockExamResults,
    MockResultsMissing,
};
pub use payment::{Payment, PaymentFailed};
pub use plan::PlanActivated;
pub use purchase::PurchaseConfirmation;
pub use refund::{RefundDetails, RefundIssued};
pub use scholarship::{
    ScholarshipApproved, ScholarshipDeclined, ScholarshipPaid, ScholarshipReceived,
};
pub use team::{TeamActivated, TeamCreated, TeamExpired, TeamInvitation, TeamPaymentReminder};

use crate::{MailError, TemplateName};

/// The value of an optional record field `template` cannot do without.
fn required<T>(
    value: Option<T>,
    template: TemplateName,
    field: &'static str,
) -> Result<T, MailError> {
    value.ok_or(MailError::Incomplete { template, field })
}
