//! What can go wrong when composing or sending an email.
//!
//! The state machines retry on the error's [`MailError::name`], so the names
//! are stable strings, and [`MailError::is_retryable`] says which failures a
//! later attempt can fix.

use thiserror::Error;

use crate::TemplateName;

#[derive(Debug, Error)]
pub enum MailError {
    /// The mail service or the outbox folder could not take the email now.
    #[error("mail is unavailable: {0}")]
    Unavailable(String),
    /// The mail service refused this email (bad address, suppressed
    /// recipient, message too large); sending it again will not help.
    #[error("mail was rejected: {0}")]
    Rejected(String),
    /// The record lacks a field the email needs (a member id, a deadline).
    #[error("the {template} email needs {field}")]
    Incomplete {
        template: TemplateName,
        field: &'static str,
    },
    /// The facts given with the records contradict them (a refund larger
    /// than the payment); a bug in the caller, which a retry repeats.
    #[error("the {template} email cannot say {message}")]
    Invalid {
        template: TemplateName,
        message: String,
    },
    /// A template failed to render; a bug, caught by the tests.
    #[error("the {template} template failed to render: {message}")]
    Template {
        template: TemplateName,
        message: String,
    },
    /// A setting (FRONTEND_URL, SES_FROM_EMAIL) is missing or malformed.
    #[error("mail is misconfigured: {0}")]
    Config(String),
    /// No email with this id is in the outbox.
    #[error("no email {0} in the outbox")]
    NotFound(String),
}

impl MailError {
    /// The error name a Task state reports and a Retry or Catch matches.
    pub fn name(&self) -> &'static str {
        match self {
            MailError::Unavailable(_) => "Mail.Unavailable",
            MailError::Rejected(_) => "Mail.Rejected",
            MailError::Incomplete { .. } => "Mail.Incomplete",
            MailError::Invalid { .. } => "Mail.Invalid",
            MailError::Template { .. } => "Mail.Template",
            MailError::Config(_) => "Mail.Config",
            MailError::NotFound(_) => "Mail.NotFound",
        }
    }

    /// Whether the same email may succeed on a later attempt.
    pub fn is_retryable(&self) -> bool {
        matches!(self, MailError::Unavailable(_))
    }
}

impl From<std::io::Error> for MailError {
    fn from(err: std::io::Error) -> MailError {
        MailError::Unavailable(err.to_string())
    }
}
