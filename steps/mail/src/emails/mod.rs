//! One context per template, built from our records.
//!
//! A context holds what its templates show, already formatted: amounts as
//! `$99.67 AUD`, times in UTC, links absolute. Templates then only lay it
//! out, and the same figures appear in the HTML and the plain-text body.

mod mock_exam;
mod payment;
mod plan;
mod purchase;
mod scholarship;
mod team;

pub use mock_exam::{MockExamRegistration, MockExamReminder, MockExamResults};
pub use payment::{Payment, PaymentFailed};
pub use plan::PlanActivated;
pub use purchase::PurchaseConfirmation;
pub use scholarship::{ScholarshipApproved, ScholarshipDeclined, ScholarshipReceived};
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
