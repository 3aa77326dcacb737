//! The mock-exam journeys: premium registration, the reminder run and the results run.

use campaigns_mail::TemplateName;

use super::email::SendEmail;
use super::{Step, StepError};
use crate::context::App;

pub(super) const STATE_MACHINES: &[&str] = &[];

pub(super) fn steps() -> Vec<Step> {
    Vec::new()
}

pub(super) async fn send_email(
    _app: &App,
    template: TemplateName,
    _input: &SendEmail,
) -> Result<(), StepError> {
    Err(super::email::not_ours(template))
}
