//! The production adapters of the ports, on AWS.
//!
//! Each is built once (at a Lambda's init) from an `aws_config::SdkConfig`
//! (whose HTTP client is [`https_client`]) and [`AwsSettings`]:
//!
//! - [`dynamodb`]: the records port ([`DynamoRecords`]);
//! - [`events`]: access events on an EventBridge bus ([`EventBridgeAccessEvents`]);
//! - [`s3`]: presigned uploads of score reports ([`S3Files`]);
//! - [`scheduler`]: one-time schedules on EventBridge Scheduler ([`EventBridgeScheduler`]);
//! - [`ses`]: sending email with SESv2 ([`SesMailer`]);
//! - [`sfn`]: starting and resuming journeys on Step Functions ([`StepFunctions`]);
//! - [`settings`]: resource names from the environment.

pub mod dynamodb;
pub mod events;
pub mod s3;
pub mod scheduler;
pub mod ses;
pub mod settings;
pub mod sfn;

pub use dynamodb::DynamoRecords;
pub use events::EventBridgeAccessEvents;
pub use s3::S3Files;
pub use scheduler::EventBridgeScheduler;
pub use ses::SesMailer;
pub use settings::{AwsSettings, SettingsError};
pub use sfn::StepFunctions;

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};

/// The HTTP client every `SdkConfig` is given: hyper 1 and rustls with ring's
/// crypto, the provider the Stripe transport uses too, so a binary links one
/// TLS provider (the SDK crates' `default-https-client` would be aws-lc-rs).
/// The SDK crates are built without a default client, so a config without
/// this one has none.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
