//! The application on the AWS adapters, built once per cold start from the
//! environment (seed §7, plus the names Terraform sets).

use std::sync::Arc;
use std::time::Duration;

use campaigns_app::App;
use campaigns_app::clock::SystemClock;
use campaigns_app::settings::{AdminAuth, Settings};
use campaigns_app::tokens::AccessTokens;
use campaigns_aws::{
    AwsSettings, DynamoRecords, EventBridgeScheduler, S3Files, SesMailer, StepFunctions,
};
use campaigns_mail::MailSettings;
use campaigns_payments::{SignatureVerifier, StripeConfig, StripePayments};
use campaigns_records::Records;

type Error = Box<dyn std::error::Error + Send + Sync>;

pub async fn app() -> Result<App, Error> {
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let aws = AwsSettings::from_env()?;
    let frontend_url = required("FRONTEND_URL")?;
    let payments = StripePayments::new(StripeConfig::new(
        secret("STRIPE_SECRET_KEY").await?,
        std::env::var("STRIPE_API_BASE").ok(),
        frontend_url.clone(),
    ))?;
    let mut verifier = SignatureVerifier::new(secret("STRIPE_WEBHOOK_SECRET").await?);
    if let Some(previous) = optional_secret("STRIPE_WEBHOOK_SECRET_PREVIOUS").await? {
        verifier = verifier.with_previous_secret(previous);
    }
    let mut tokens = AccessTokens::new(secret("ACCESS_TOKEN_SECRET").await?.into_bytes());
    if let Some(previous) = optional_secret("ACCESS_TOKEN_SECRET_PREVIOUS").await? {
        tokens = tokens.with_previous(previous.into_bytes());
    }
    Ok(App {
        records: Records::new(Arc::new(DynamoRecords::new(&sdk, &aws))),
        payments: Arc::new(payments),
        mail: Arc::new(SesMailer::new(&sdk)),
        mail_settings: MailSettings::from_env()?,
        webhook_verifier: Arc::new(verifier),
        files: Arc::new(S3Files::new(&sdk, &aws)),
        scheduler: Arc::new(EventBridgeScheduler::new(&sdk, &aws)),
        workflows: Arc::new(StepFunctions::new(&sdk, &aws)),
        clock: Arc::new(SystemClock),
        tokens,
        settings: Arc::new(Settings {
            frontend_url,
            api_base_url: required("API_BASE_URL")?,
            admin: AdminAuth::Gateway,
            checkout_lifetime: Duration::from_secs(23 * 3600),
            upload_lifetime: Duration::from_secs(15 * 60),
        }),
    })
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
    let response = reqwest::Client::new()
        .get(format!("http://localhost:{port}/secretsmanager/get"))
        .query(&[("secretId", arn.as_str())])
        .header(
            "X-Aws-Parameters-Secrets-Token",
            required("AWS_SESSION_TOKEN")?,
        )
        .send()
        .await?
        .error_for_status()?;
    let body: serde_json::Value = response.json().await?;
    let value = body["SecretString"]
        .as_str()
        .ok_or_else(|| format!("secret {arn} has no SecretString"))?;
    Ok(Some(value.to_owned()))
}
