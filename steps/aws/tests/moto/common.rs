//! What every moto test shares: the server's URL, an SDK configuration
//! pointed at it, and names unique to this run (so runs can share a server).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use campaigns_aws::AwsSettings;
use campaigns_aws::settings::{
    ACCESS_EVENT_BUS_VAR, SCHEDULE_GROUP_VAR, SCHEDULER_ROLE_ARN_VAR, SCORE_REPORTS_BUCKET_VAR,
    STATE_MACHINE_ARN_PREFIX_VAR,
};

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";

/// moto's base URL, from MOTO_URL; the tests never skip without it.
pub fn moto_url() -> String {
    std::env::var("MOTO_URL").unwrap_or_else(|_| {
        panic!(
            "MOTO_URL is not set. Start moto's server and export its URL, e.g.\n  \
             python3 -m venv /tmp/moto && /tmp/moto/bin/pip install -r tests/services/requirements.txt\n  \
             /tmp/moto/bin/python tests/services/moto.py --port 0 --url-file /tmp/moto.url &\n  \
             export MOTO_URL=$(cat /tmp/moto.url)\n\
             (tests/run.sh does this)"
        )
    })
}

/// What a Lambda builds from its environment with AWS_ENDPOINT_URL set, with
/// moto's fixed account credentials.
pub async fn sdk_config() -> SdkConfig {
    sdk_config_at(&moto_url(), REGION).await
}

/// The same, for another moto server or region.
pub async fn sdk_config_at(endpoint: &str, region: &'static str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .http_client(campaigns_aws::https_client())
        .region(Region::new(region))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "moto"))
        .load()
        .await
}

/// A tag no earlier run against the same server used, and no other call of
/// this run: tests run in parallel threads, and two may read the same
/// nanosecond.
pub fn unique(prefix: &str) -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_nanos();
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}{}x{nanos}x{call}", std::process::id())
}

/// Settings as the environment would give them, with this run's bucket,
/// schedule group, event bus and role.
pub fn settings() -> AwsSettings {
    let bucket = unique("reports-");
    let group = unique("campaigns-");
    let bus = unique("access-");
    AwsSettings::from_vars(|name| match name {
        STATE_MACHINE_ARN_PREFIX_VAR => {
            Some(format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:"))
        }
        SCHEDULER_ROLE_ARN_VAR => Some(format!("arn:aws:iam::{ACCOUNT}:role/scheduler")),
        SCORE_REPORTS_BUCKET_VAR => Some(bucket.clone()),
        SCHEDULE_GROUP_VAR => Some(group.clone()),
        ACCESS_EVENT_BUS_VAR => Some(bus.clone()),
        _ => None,
    })
    .expect("settings")
}
