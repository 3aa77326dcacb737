//! The Lambda functions of the product: the seven API functions of seed §2
//! and privacy-handler, which take API Gateway proxy events, and one `campaigns-<step>` function per
//! journey step.
//!
//! A function runs one of a few binaries, its *package* ([`PACKAGES`]). Each
//! package links the adapters of only the ports it wires, which keeps its zip
//! small, and serves either API functions or steps. At init the binary reads
//! which function it is (CAMPAIGNS_HANDLER, or the function's name), refuses
//! one that needs a port it does not wire, builds the application once —
//! clients, secrets, settings — and serves invocations.

mod api;
mod production;
mod step;

use campaigns_app::App;
use campaigns_app::wiring::Port::{
    self, Access, Files, KeptMail, Mail, Payments, Schedules, Workflows,
};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

pub use api::SERVER_ERROR_ALARM;
pub use production::Init;

pub type Error = lambda_runtime::Error;

/// What a package's binary serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Serves {
    Api,
    Steps,
}

/// A deployment package: the binary `name` (`src/bin/<name>.rs`), zipped as
/// `target/lambda/<name>/bootstrap.zip`.
#[derive(Debug)]
pub struct Package {
    pub name: &'static str,
    pub serves: Serves,
    /// The ports it wires beyond the records.
    pub ports: &'static [Port],
}

/// Every package, smallest first within each kind.
pub const PACKAGES: [Package; 7] = [
    Package {
        name: "step",
        serves: Serves::Steps,
        ports: &[],
    },
    Package {
        name: "step-workflows",
        serves: Serves::Steps,
        ports: &[Workflows],
    },
    Package {
        name: "step-mail",
        serves: Serves::Steps,
        ports: &[Mail],
    },
    Package {
        name: "step-access",
        serves: Serves::Steps,
        ports: &[Access],
    },
    // Capturing a team's shares grants each member access, so the Stripe
    // steps publish access events too.
    Package {
        name: "step-payments",
        serves: Serves::Steps,
        ports: &[Payments, Access],
    },
    Package {
        name: "api-mail-workflows",
        serves: Serves::Api,
        ports: &[Mail, Workflows],
    },
    Package {
        name: "api",
        serves: Serves::Api,
        ports: &[Mail, Payments, Files, Schedules, Workflows, Access],
    },
];

/// A function of the product: what it serves and the ports it calls.
#[derive(Debug, Clone)]
pub struct Function {
    pub name: String,
    pub serves: Serves,
    pub ports: &'static [Port],
}

impl Function {
    /// Every function: the API functions, then the steps'.
    pub fn all() -> Vec<Function> {
        let api = campaigns_app::api::FUNCTIONS
            .iter()
            .map(|&(name, ports)| Function {
                name: name.to_owned(),
                serves: Serves::Api,
                ports,
            });
        let steps = campaigns_app::steps::all()
            .into_iter()
            .map(|step| Function {
                name: step.function_name(),
                serves: Serves::Steps,
                ports: step.ports,
            });
        api.chain(steps).collect()
    }

    pub fn named(name: &str) -> Option<Function> {
        Function::all()
            .into_iter()
            .find(|function| function.name == name)
    }

    /// The package it is deployed with: the first of its kind that wires
    /// every port it calls.
    pub fn package(&self) -> &'static Package {
        PACKAGES
            .iter()
            .find(|package| package.serves == self.serves && wires(package.ports, self.ports))
            .expect("the `api` package wires every port")
    }
}

/// Wired by every binary without a client: SES keeps no email, so on AWS
/// the kept mail is [`campaigns_mail::NothingKept`] and needs no grant.
const ALWAYS_WIRED: &[Port] = &[KeptMail];

fn wires(wired: &[Port], needed: &[Port]) -> bool {
    needed
        .iter()
        .all(|port| ALWAYS_WIRED.contains(port) || wired.contains(port))
}

/// The function this process is: CAMPAIGNS_HANDLER, else Lambda's name for it.
fn function_name() -> Result<String, Error> {
    std::env::var("CAMPAIGNS_HANDLER")
        .or_else(|_| std::env::var("AWS_LAMBDA_FUNCTION_NAME"))
        .map_err(|_| "set CAMPAIGNS_HANDLER (or run as a Lambda function)".into())
}

/// Refuses a function whose ports this binary does not wire: deployed with
/// the wrong package, it would fail on its first call to the missing port.
fn check_wiring(function: &str, needs: &[Port], wired: &[Port]) -> Result<(), Error> {
    if wires(wired, needs) {
        return Ok(());
    }
    Err(format!(
        "{function} calls {needs:?} but this package wires only {wired:?}: deploy it with the package docs/lambda.md names"
    )
    .into())
}

/// Serves the journey step this function is.
pub(crate) async fn serve_step(app: App, wired: &[Port]) -> Result<(), Error> {
    let name = function_name()?;
    let step = campaigns_app::steps::all()
        .into_iter()
        .find(|step| step.function_name() == name)
        .ok_or_else(|| format!("no step function named {name} (is it an API function?)"))?;
    check_wiring(&name, step.ports, wired)?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        step::handle(app, step, event)
    }))
    .await
}

/// Serves the API function this function is.
pub(crate) async fn serve_api(app: App, wired: &[Port]) -> Result<(), Error> {
    let name = function_name()?;
    let (lambda, ports) = campaigns_app::api::FUNCTIONS
        .iter()
        .find(|(lambda, _)| *lambda == name)
        .ok_or_else(|| format!("no API function named {name} (is it a step?)"))?;
    check_wiring(&name, ports, wired)?;
    let (app, lambda) = (&app, *lambda);
    lambda_runtime::run(service_fn(move |event| api::handle(app, lambda, event))).await
}
