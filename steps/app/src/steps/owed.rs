//! `start-owed-journeys` and `publish-owed-access-events`: not a journey's
//! steps but the sweeps that a schedule runs every two minutes on AWS (a loop
//! does on one machine), starting the journeys their creators did not (see
//! `journey_starts`) and publishing the access events their handlers did not
//! (see `access`). `redact-scholarships` is the daily sweep that removes a
//! scholarship's sensitive fields 90 days after its decision (`privacy`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StepError;
use crate::access::{self, Published};
use crate::context::App;
use crate::journey_starts::{self, Swept};
use crate::privacy::{self, Redacted};

/// The schedule's input: nothing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct Sweep {}

pub async fn start_owed_journeys(app: &App, _input: Sweep) -> Result<Swept, StepError> {
    Ok(journey_starts::start_owed(app, app.now()).await?)
}

pub async fn redact_scholarships(app: &App, _input: Sweep) -> Result<Redacted, StepError> {
    Ok(privacy::redact_scholarships(app, app.now()).await?)
}

pub async fn publish_owed_access_events(app: &App, _input: Sweep) -> Result<Published, StepError> {
    Ok(access::publish_owed(app, app.now()).await?)
}
