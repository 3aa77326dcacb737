//! `start-owed-journeys`: not a journey's step but the sweep that a schedule
//! runs every two minutes on AWS (a loop does on one machine), starting the
//! journeys their creators did not (see `journey_starts`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StepError;
use crate::context::App;
use crate::journey_starts::{self, Swept};

/// The schedule's input: nothing.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
pub struct Sweep {}

pub async fn start_owed_journeys(app: &App, _input: Sweep) -> Result<Swept, StepError> {
    Ok(journey_starts::start_owed(app, app.now()).await?)
}
