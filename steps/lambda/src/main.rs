//! `bootstrap`: every Lambda function of the product, one binary.
//!
//! At init it reads which handler it is (CAMPAIGNS_HANDLER, or the function's
//! name), builds the application on the AWS adapters once — clients, secrets,
//! settings — and serves invocations: API Gateway proxy events for the API
//! functions of seed §2, step inputs for the journeys' `campaigns-<step>`
//! functions.

mod api;
mod production;
mod step;

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

/// What this function serves.
enum Handler {
    /// One of seed §2's API functions, serving its routes of the route table.
    Api(String),
    /// One journey step.
    Step(campaigns_app::steps::Step),
}

impl Handler {
    fn named(name: &str) -> Option<Handler> {
        let api = campaigns_contracts::routes::routes()
            .iter()
            .any(|route| route.lambda == name);
        if api {
            return Some(Handler::Api(name.to_owned()));
        }
        campaigns_app::steps::all()
            .into_iter()
            .find(|step| step.function_name() == name)
            .map(Handler::Step)
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .without_time()
        .init();
    let name = std::env::var("CAMPAIGNS_HANDLER")
        .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
        .map_err(|_| "set CAMPAIGNS_HANDLER (or run as a Lambda function)")?;
    let handler = Handler::named(&name).ok_or_else(|| format!("no handler named {name}"))?;
    let app = production::app().await?;
    match handler {
        Handler::Api(lambda) => {
            let (app, lambda) = (&app, lambda.as_str());
            lambda_runtime::run(service_fn(move |event| api::handle(app, lambda, event))).await
        }
        Handler::Step(step) => {
            let app = &app;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                step::handle(app, step, event)
            }))
            .await
        }
    }
}
