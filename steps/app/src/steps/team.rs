//! The team journey: every share authorized, then all captured; or all released at the deadline.

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
