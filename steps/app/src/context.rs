//! [`App`]: the ports and settings every handler and step is given.

use std::sync::Arc;

use campaigns_mail::{KeptMail, MailSettings, Mailer};
use campaigns_payments::Payments;
use campaigns_payments::SignatureVerifier;
use campaigns_ports::access::AccessEvents;
use campaigns_ports::files::FileStore;
use campaigns_ports::schedules::Scheduler;
use campaigns_ports::workflows::Workflows;
use campaigns_records::Records;
use chrono::{DateTime, Utc};

use crate::clock::Clock;
use crate::settings::Settings;
use crate::tokens::AccessTokens;

/// Cheap to clone: every field is shared.
#[derive(Clone)]
pub struct App {
    pub records: Records,
    pub payments: Arc<dyn Payments>,
    pub mail: Arc<dyn Mailer>,
    pub kept_mail: Arc<dyn KeptMail>,
    pub mail_settings: MailSettings,
    /// Checks Stripe's signature on webhook deliveries.
    pub webhook_verifier: Arc<SignatureVerifier>,
    pub files: Arc<dyn FileStore>,
    pub scheduler: Arc<dyn Scheduler>,
    pub workflows: Arc<dyn Workflows>,
    /// Tells the main platform of every change of a customer's access.
    pub access_events: Arc<dyn AccessEvents>,
    pub clock: Arc<dyn Clock>,
    pub tokens: AccessTokens,
    pub settings: Arc<Settings>,
}

impl App {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
