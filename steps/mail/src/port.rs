//! The mail port: what a journey asks of a mail service, in our own types.
//!
//! SESv2 implements it in production and [`crate::OutboxMailer`] on one
//! machine; the journeys only see this trait.

use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use crate::{MailError, TemplateName};

/// The future [`Mailer::send`] returns; boxed so the port can be used as `dyn Mailer`.
pub type MailFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, MailError>> + Send + 'a>>;

/// A rendered email, ready to send: both bodies, one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    /// The sender address (SES_FROM_EMAIL).
    pub from: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Which template produced it; carried into the message's headers so an
    /// email can be traced back to the step that sent it.
    pub template: TemplateName,
}

/// What the mail service reports for an accepted email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEmail {
    /// The service's id for the message (SES MessageId, outbox file id).
    pub id: String,
    pub sent_at: DateTime<Utc>,
}

/// An email the service still holds after sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptEmail {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub sent_at: DateTime<Utc>,
}

/// Sends one email. Implementations are shared between concurrent steps.
pub trait Mailer: Send + Sync {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a, SentEmail>;
}

/// The emails kept after sending, for a person's export and erasure: the
/// outbox's files on one machine; none on AWS, where SES keeps nothing it
/// sent ([`NothingKept`]) — so erasure needs no right to send.
pub trait KeptMail: Send + Sync {
    /// Every email still held.
    fn kept(&self) -> MailFuture<'_, Vec<KeptEmail>>;

    /// Deletes a held email; one no longer held is not an error.
    fn forget<'a>(&'a self, id: &'a str) -> MailFuture<'a, ()>;
}

/// What a mail service that keeps no copy (SES) holds: nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NothingKept;

impl KeptMail for NothingKept {
    fn kept(&self) -> MailFuture<'_, Vec<KeptEmail>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    fn forget<'a>(&'a self, _: &'a str) -> MailFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }
}
