//! An [`OutgoingEmail`] as an RFC 5322 message: multipart/alternative with
//! the plain-text part first and the HTML part last, as clients prefer.

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::text::Text;

use crate::{MailError, OutgoingEmail};

/// Names the template an email was rendered from, for tracing and the outbox view.
pub(crate) const TEMPLATE_HEADER: &str = "X-ProDentHub-Template";

/// The message's bytes; `message_id` is written without angle brackets.
pub(crate) fn to_eml(
    email: &OutgoingEmail,
    message_id: &str,
    sent_at: DateTime<Utc>,
) -> Result<Vec<u8>, MailError> {
    MessageBuilder::new()
        .message_id(message_id)
        .date(sent_at.timestamp())
        .from(email.from.as_str())
        .to(email.to.as_str())
        .subject(email.subject.as_str())
        .header(TEMPLATE_HEADER, Text::new(email.template.as_str()))
        .text_body(email.text.as_str())
        .html_body(email.html.as_str())
        .write_to_vec()
        .map_err(MailError::from)
}
