//! Emails: the mail port, the templates, and the outbox adapter.
//!
//! A journey step builds a context from its records (`emails`), composes
//! it with the configured sender, seller and frontend links ([`MailSettings`]) into
//! an [`OutgoingEmail`] with an HTML and a plain-text body, and hands it to a
//! [`Mailer`]: SESv2 in production, the [`OutboxMailer`] folder of `.eml`
//! files on one machine. [`render_previews`] renders every template with
//! sample data for review.

mod display;
pub mod emails;
mod eml;
mod error;
mod links;
mod outbox;
mod port;
mod preview;
mod render;
mod samples;
mod settings;

pub use error::MailError;
pub use links::{Links, PayTarget};
pub use outbox::{OutboxEntry, OutboxMailer, StoredEmail};
pub use port::{KeptEmail, KeptMail, MailFuture, Mailer, NothingKept, OutgoingEmail, SentEmail};
pub use preview::render_previews;
pub use render::{EmailTemplate, TemplateName};
pub use samples::sample_emails;
pub use settings::{MailSettings, Seller};
