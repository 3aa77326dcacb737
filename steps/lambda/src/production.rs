//! The application on the AWS adapters, built once per cold start from the
//! environment (seed §7, plus the names Terraform sets): the records and
//! settings always, each other port only when its package wires it, so a
//! binary links no adapter it does not use.

use std::sync::Arc;
use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use campaigns_app::App;
use campaigns_app::clock::SystemClock;
use campaigns_app::metrics;
use campaigns_app::settings::{AdminAuth, Settings};
use campaigns_app::tokens::AccessTokens;
use campaigns_app::wiring::{Port, Unwired};
use campaigns_aws::{
    AwsSettings, DynamoRecords, EventBridgeAccessEvents, EventBridgeScheduler, S3Files, SesMailer,
    StepFunctions,
};
use campaigns_mail::{MailSettings, NothingKept};
use campaigns_payments::{SignatureVerifier, StripeConfig, StripePayments};
use campaigns_records::Records;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use tracing_subscriber::filter::{LevelFilter, ParseError, Targets, filter_fn};
use tracing_subscriber::prelude::*;

use crate::{Error, PACKAGES, Package, Serves};

/// A function's application while its package wires its ports:
/// `Init::new("step-workflows").await?.with_workflows().serve_steps().await`.
pub struct Init {
    package: &'static Package,
    sdk: SdkConfig,
    aws: AwsSettings,
    app: App,
    wired: Vec<Port>,
}

impl Init {
    /// JSON logs, and the application on the records with no other port
    /// wired, for a binary of `package`.
    pub async fn new(package: &str) -> Result<Init, Error> {
        let package = PACKAGES
            .iter()
            .find(|known| known.name == package)
            .ok_or_else(|| format!("no package named {package}"))?;
        // JSON logs (the alarms' metric filters read their fields), and the
        // business metrics' EMF lines as they are.
        let rust_log = std::env::var("RUST_LOG").ok();
        let (logs, unparsable) = log_filter(rust_log.as_deref());
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .without_time()
                    .with_filter(logs)
                    .with_filter(filter_fn(|metadata| !metrics::is_emf(metadata))),
            )
            .with(metrics::layer())
            .init();
        if let Some(error) = unparsable {
            tracing::warn!(
                rust_log = rust_log.as_deref().unwrap_or_default(),
                %error,
                "RUST_LOG is not a list of target=level directives; logging at info"
            );
        }
        let sdk = sdk_config()?;
        let aws = AwsSettings::from_env()?;
        let mut verifier = SignatureVerifier::new(secret("STRIPE_WEBHOOK_SECRET").await?);
        if let Some(previous) = optional_secret("STRIPE_WEBHOOK_SECRET_PREVIOUS").await? {
            verifier = verifier.with_previous_secret(previous);
        }
        let mut tokens = AccessTokens::new(secret("ACCESS_TOKEN_SECRET").await?.into_bytes());
        if let Some(previous) = optional_secret("ACCESS_TOKEN_SECRET_PREVIOUS").await? {
            tokens = tokens.with_previous(previous.into_bytes());
        }
        let app = App {
            records: Records::new(Arc::new(DynamoRecords::new(
                &sdk,
                &aws,
                Arc::new(SystemClock),
            ))),
            payments: Arc::new(Unwired(Port::Payments)),
            mail: Arc::new(Unwired(Port::Mail)),
            kept_mail: Arc::new(NothingKept),
            mail_settings: MailSettings::from_env()?,
            webhook_verifier: Arc::new(verifier),
            files: Arc::new(Unwired(Port::Files)),
            scheduler: Arc::new(Unwired(Port::Schedules)),
            workflows: Arc::new(Unwired(Port::Workflows)),
            access_events: Arc::new(Unwired(Port::Access)),
            clock: Arc::new(SystemClock),
            tokens,
            settings: Arc::new(Settings {
                frontend_url: required("FRONTEND_URL")?,
                api_base_url: required("API_BASE_URL")?,
                admin: AdminAuth::Gateway,
                checkout_lifetime: Duration::from_secs(23 * 3600),
                upload_lifetime: Duration::from_secs(15 * 60),
            }),
        };
        Ok(Init {
            package,
            sdk,
            aws,
            app,
            wired: Vec::new(),
        })
    }

    /// Stripe, with the secret key from Secrets Manager.
    pub async fn with_payments(mut self) -> Result<Init, Error> {
        self.app.payments = Arc::new(StripePayments::new(StripeConfig::new(
            secret("STRIPE_SECRET_KEY").await?,
            std::env::var("STRIPE_API_BASE").ok(),
            self.app.settings.frontend_url.clone(),
        ))?);
        self.wired.push(Port::Payments);
        Ok(self)
    }

    /// SESv2.
    pub fn with_mail(mut self) -> Init {
        self.app.mail = Arc::new(SesMailer::new(&self.sdk));
        self.wired.push(Port::Mail);
        self
    }

    /// S3 presigned uploads.
    pub fn with_files(mut self) -> Result<Init, Error> {
        self.app.files = Arc::new(S3Files::new(&self.sdk, &self.aws)?);
        self.wired.push(Port::Files);
        Ok(self)
    }

    /// EventBridge Scheduler.
    pub fn with_schedules(mut self) -> Init {
        self.app.scheduler = Arc::new(EventBridgeScheduler::new(&self.sdk, &self.aws));
        self.wired.push(Port::Schedules);
        self
    }

    /// Step Functions.
    pub fn with_workflows(mut self) -> Init {
        self.app.workflows = Arc::new(StepFunctions::new(&self.sdk, &self.aws));
        self.wired.push(Port::Workflows);
        self
    }

    /// EventBridge: the access events.
    pub fn with_access(mut self) -> Init {
        self.app.access_events = Arc::new(EventBridgeAccessEvents::new(&self.sdk, &self.aws));
        self.wired.push(Port::Access);
        self
    }

    /// Serves this function, one of the journeys' steps.
    pub async fn serve_steps(self) -> Result<(), Error> {
        self.check_package(Serves::Steps)?;
        crate::serve_step(self.app, &self.wired).await
    }

    /// Serves this function, one of the API functions.
    pub async fn serve_api(self) -> Result<(), Error> {
        self.check_package(Serves::Api)?;
        crate::serve_api(self.app, &self.wired).await
    }

    /// The binary wires and serves exactly what [`PACKAGES`] says of it, so
    /// the list the deployment is planned from is the truth.
    fn check_package(&self, serves: Serves) -> Result<(), Error> {
        let mut wired = self.wired.clone();
        wired.sort();
        let mut declared = self.package.ports.to_vec();
        declared.sort();
        if wired != declared || serves != self.package.serves {
            return Err(format!(
                "package {} is declared to serve {:?} with {declared:?}, its binary serves {serves:?} with {wired:?}",
                self.package.name, self.package.serves
            )
            .into());
        }
        Ok(())
    }
}

/// The SDK configuration from what Lambda puts in a function's environment:
/// AWS_REGION, the role's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
/// AWS_SESSION_TOKEN, and AWS_ENDPOINT_URL (an emulator, in tests). Not
/// `aws_config::load_defaults`: its credential chain (profile files, STS
/// web identity and assume-role, IMDS, ECS) would be linked into every
/// binary, and a function only ever has the environment's credentials.
/// The HTTP client is [`campaigns_aws::https_client`] (rustls on ring); each
/// client fills in the rest (sleep, clock, standard retries, connect
/// timeout, stalled-stream protection) with the defaults `load_defaults`
/// gives too.
fn sdk_config() -> Result<SdkConfig, Error> {
    let credentials = EnvironmentVariableCredentialsProvider::new();
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(required("AWS_REGION")?))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .http_client(campaigns_aws::https_client());
    builder.set_endpoint_url(std::env::var("AWS_ENDPOINT_URL").ok());
    Ok(builder.build())
}

/// The log filter from `RUST_LOG` (docs/lambda.md, Log levels): a level
/// (`info`) and `target=level` directives, comma-separated
/// (`campaigns_app=debug,info`), as `tracing_subscriber`'s [`Targets`] reads
/// them. Unset or blank means `info`; so does a value that does not parse,
/// with the parse error returned for a warning once the logs are up.
/// (Not `EnvFilter`: its span and field-value directives need the `regex`
/// crate in every binary.)
fn log_filter(rust_log: Option<&str>) -> (Targets, Option<ParseError>) {
    let info = Targets::new().with_default(LevelFilter::INFO);
    match rust_log.map(str::trim).filter(|value| !value.is_empty()) {
        None => (info, None),
        Some(value) => match value.parse() {
            Ok(targets) => (targets, None),
            Err(error) => (info, Some(error)),
        },
    }
}

fn required(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

/// A secret: from `NAME` when set (local runs, tests), else from Secrets
/// Manager through the AWS Parameters and Secrets Lambda extension, by the
/// ARN in `NAME_ARN` — so no secret sits in the function's configuration.
async fn secret(name: &str) -> Result<String, Error> {
    optional_secret(name)
        .await?
        .ok_or_else(|| format!("{name} is not set (nor {name}_ARN)").into())
}

async fn optional_secret(name: &str) -> Result<Option<String>, Error> {
    if let Ok(value) = std::env::var(name) {
        return Ok(Some(value));
    }
    let Ok(arn) = std::env::var(format!("{name}_ARN")) else {
        return Ok(None);
    };
    let port =
        std::env::var("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT").unwrap_or_else(|_| "2773".into());
    let arn_in_query = utf8_percent_encode(&arn, NON_ALPHANUMERIC);
    let request = Request::get(format!(
        "http://localhost:{port}/secretsmanager/get?secretId={arn_in_query}"
    ))
    .header(
        "X-Aws-Parameters-Secrets-Token",
        required("AWS_SESSION_TOKEN")?,
    )
    .body(Empty::<Bytes>::new())?;
    // Plain HTTP to the extension, on the hyper client the SDK already links.
    let response = Client::builder(TokioExecutor::new())
        .build_http()
        .request(request)
        .await?;
    let status = response.status();
    let body = response.into_body().collect().await?.to_bytes();
    if !status.is_success() {
        return Err(format!("the secrets extension answered {status} for {arn}").into());
    }
    let body: serde_json::Value = serde_json::from_slice(&body)?;
    let value = body["SecretString"]
        .as_str()
        .ok_or_else(|| format!("secret {arn} has no SecretString"))?;
    Ok(Some(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::log_filter;

    #[test]
    fn rust_log_unset_or_blank_logs_at_info() {
        for rust_log in [None, Some(""), Some("  ")] {
            let (targets, error) = log_filter(rust_log);
            assert!(error.is_none(), "{rust_log:?}");
            assert!(targets.would_enable("campaigns_app", &Level::INFO));
            assert!(!targets.would_enable("campaigns_app", &Level::DEBUG));
        }
    }

    #[test]
    fn rust_log_sets_a_level_and_levels_per_target() {
        let (targets, error) = log_filter(Some("warn"));
        assert!(error.is_none());
        assert!(targets.would_enable("aws_smithy_runtime", &Level::WARN));
        assert!(!targets.would_enable("aws_smithy_runtime", &Level::INFO));

        let (targets, error) = log_filter(Some("campaigns_app=debug,info"));
        assert!(error.is_none());
        assert!(targets.would_enable("campaigns_app::journeys", &Level::DEBUG));
        assert!(!targets.would_enable("campaigns_app::journeys", &Level::TRACE));
        assert!(targets.would_enable("campaigns_aws", &Level::INFO));
        assert!(!targets.would_enable("campaigns_aws", &Level::DEBUG));
    }

    #[test]
    fn unparsable_rust_log_logs_at_info_and_says_why() {
        for rust_log in ["campaigns_app=loud", "a=b=c", "info,x[{y]=debug"] {
            let (targets, error) = log_filter(Some(rust_log));
            assert!(error.is_some(), "{rust_log} parsed");
            assert!(targets.would_enable("campaigns_app", &Level::INFO));
            assert!(!targets.would_enable("campaigns_app", &Level::DEBUG));
        }
    }
}
