//! `POST /webhook/stripe`: the acknowledgement Stripe receives.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// A 2xx tells Stripe to stop retrying; `duplicate` marks an event id that
/// was already processed (acknowledged and ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookAck {
    pub received: bool,
    pub duplicate: bool,
}

impl Example for WebhookAck {
    fn example() -> Self {
        WebhookAck {
            received: true,
            duplicate: false,
        }
    }
}
