//! The mail port on SESv2: each email sent as Simple content, HTML and text
//! bodies, from the address the mail settings composed it with
//! (SES_FROM_EMAIL, a verified identity).

use aws_config::SdkConfig;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use campaigns_mail::{MailError, MailFuture, Mailer, OutgoingEmail, SentEmail};
use chrono::Utc;

pub struct SesMailer {
    client: Client,
}

impl SesMailer {
    pub fn new(sdk: &SdkConfig) -> SesMailer {
        SesMailer {
            client: Client::new(sdk),
        }
    }

    async fn send_email(&self, email: &OutgoingEmail) -> Result<SentEmail, MailError> {
        let utf8 = |data: &str| {
            Content::builder()
                .data(data)
                .charset("UTF-8")
                .build()
                .map_err(|err| MailError::Rejected(err.to_string()))
        };
        let message = Message::builder()
            .subject(utf8(&email.subject)?)
            .body(
                Body::builder()
                    .html(utf8(&email.html)?)
                    .text(utf8(&email.text)?)
                    .build(),
            )
            .build();
        // Event publishing (bounces, complaints) reports the tag, so a
        // delivery problem can be traced to the step that sent the email.
        let template = MessageTag::builder()
            .name("template")
            .value(email.template.as_str())
            .build()
            .map_err(|err| MailError::Rejected(err.to_string()))?;
        let sent = self
            .client
            .send_email()
            .from_email_address(&email.from)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(EmailContent::builder().simple(message).build())
            .email_tags(template)
            .send()
            .await
            .map_err(mail_error)?;
        Ok(SentEmail {
            id: sent.message_id.unwrap_or_default(),
            sent_at: Utc::now(),
        })
    }
}

/// Throttling, quotas and outages pass; a refused message or sender does not.
fn mail_error<E>(err: E) -> MailError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    let rejected = matches!(
        err.code(),
        Some(
            "MessageRejected"
                | "MailFromDomainNotVerifiedException"
                | "BadRequestException"
                | "NotFoundException"
                | "AccountSuspendedException"
        )
    );
    let message = DisplayErrorContext(err).to_string();
    if rejected {
        MailError::Rejected(message)
    } else {
        MailError::Unavailable(message)
    }
}

impl Mailer for SesMailer {
    fn send<'a>(&'a self, email: &'a OutgoingEmail) -> MailFuture<'a, SentEmail> {
        Box::pin(self.send_email(email))
    }
}
