//! Sending one of our emails through the mail port.

use campaigns_mail::{EmailTemplate, MailError};

use crate::context::App;

pub async fn send<T: EmailTemplate>(app: &App, email: &T) -> Result<(), MailError> {
    let outgoing = app.mail_settings.compose(email)?;
    app.mail.send(&outgoing).await.map(drop)
}
