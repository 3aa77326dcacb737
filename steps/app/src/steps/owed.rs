//! `start-owed-journeys` and `publish-owed-access-events`: not a journey's
//! steps but the sweeps that a schedule runs every two minutes on AWS (a loop
//! does on one machine), starting the journeys their creators did not (see
//! `journey_starts`) and publishing the access events their handlers did not
//! (see `access`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StepError;
use crate::access::{self, Published};
use crate::context::App;
use crate::journey_starts::{self, Swept};

/// The schedule's input: nothing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct Sweep {}

pub async fn start_owed_journeys(app: &App, _input: Sweep) -> Result<Swept, StepError> {
    Ok(journey_starts::start_owed(app, app.now()).await?)
}

pub async fn publish_owed_access_events(app: &App, _input: Sweep) -> Result<Published, StepError> {
    Ok(access::publish_owed(app, app.now()).await?)
}
