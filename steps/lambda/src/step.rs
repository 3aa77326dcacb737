//! A journey step invoked by Step Functions: JSON in, JSON out, and on
//! failure an error type the state machine's Retry and Catch match.

use campaigns_app::App;
use campaigns_app::steps::Step;
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde_json::Value;
use tracing::Instrument;

pub async fn handle(app: &App, step: Step, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let field = |name: &str| {
        event
            .payload
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let span = tracing::info_span!(
        "step",
        step = step.name,
        campaign = field("campaignId"),
        record = field("recordId")
    );
    step.invoke(app, event.payload)
        .instrument(span)
        .await
        .map_err(|err| {
            tracing::warn!(error = err.error, cause = err.cause, "step failed");
            Diagnostic {
                error_type: err.error,
                error_message: err.cause,
            }
        })
}
