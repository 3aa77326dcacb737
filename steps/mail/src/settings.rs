//! Where emails come from and where their links point, from the environment.

use crate::render::render;
use crate::{EmailTemplate, Links, MailError, OutgoingEmail};

/// The sender address and the frontend links every email is composed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSettings {
    /// SES_FROM_EMAIL.
    pub from: String,
    /// Built from FRONTEND_URL.
    pub links: Links,
}

impl MailSettings {
    /// Reads SES_FROM_EMAIL and FRONTEND_URL (seed §7).
    pub fn from_env() -> Result<MailSettings, MailError> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| MailError::Config(format!("{name} is not set")))
        };
        let from = var("SES_FROM_EMAIL")?;
        if !from.contains('@') {
            return Err(MailError::Config(format!(
                "SES_FROM_EMAIL must be an email address, got {from:?}"
            )));
        }
        Ok(MailSettings {
            from,
            links: Links::new(&var("FRONTEND_URL")?)?,
        })
    }

    /// Renders `email` into a message ready for a [`crate::Mailer`].
    pub fn compose<T: EmailTemplate>(&self, email: &T) -> Result<OutgoingEmail, MailError> {
        let (html, text) = render(email)?;
        Ok(OutgoingEmail {
            to: email.to().to_string(),
            from: self.from.clone(),
            subject: email.subject(),
            html,
            text,
            template: T::NAME,
        })
    }
}
