//! A package's binary on its production SDK configuration against moto's
//! server (MOTO_URL): the step reaches DynamoDB at AWS_ENDPOINT_URL with the
//! environment's credentials and answers from the record stored there.

#[allow(dead_code)] // each test binary uses a different part
mod runtime_api;

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use campaigns_aws::{AwsSettings, DynamoRecords};
use campaigns_contracts::Example;
use campaigns_contracts::records::{MemberStatus, Team, TeamStatus};
use campaigns_lambda::Function;
use campaigns_records::{Records, SystemClock, Table};
use runtime_api::{Outcome, RuntimeApi, function_env};
use serde_json::json;

const HANDLER: &str = "campaigns-check-team-shares";

/// moto's base URL, from MOTO_URL; the test never skips without it.
fn moto_url() -> String {
    std::env::var("MOTO_URL").unwrap_or_else(|_| {
        panic!(
            "MOTO_URL is not set. Run tests/run.sh, or start moto's server and export its URL:\n  \
             target/test-venv/bin/python tests/services/moto.py --port 0 --url-file /tmp/moto.url &\n  \
             export MOTO_URL=$(cat /tmp/moto.url)"
        )
    })
}

/// The teams table with its key alone: the step reads one item by key
/// (Terraform creates the real one, indexes and all).
async fn create_teams_table(sdk: &SdkConfig, name: &str) {
    let key = Table::Teams.def().key;
    aws_sdk_dynamodb::Client::new(sdk)
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .expect("key schema"),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .expect("key attribute"),
        )
        .send()
        .await
        .expect("moto creates the table");
}

#[tokio::test]
async fn a_step_reads_dynamodb_at_the_environments_endpoint_with_its_credentials() {
    assert_eq!(
        Function::named(HANDLER).expect("a step").package().name,
        "step",
        "the package whose binary this test starts"
    );
    let moto = moto_url();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    // A table of this run's own, so runs can share a server.
    let table = format!("teams-{}x{nanos}", std::process::id());
    let overrides = [
        ("AWS_ENDPOINT_URL", moto.as_str()),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        (Table::Teams.def().env_var, table.as_str()),
    ];
    let mut env = function_env(HANDLER);
    env.retain(|(name, _)| overrides.iter().all(|(overridden, _)| overridden != name));
    env.extend(overrides);
    let var = |name: &str| {
        env.iter()
            .find(|(set, _)| *set == name)
            .map(|(_, value)| value.to_string())
    };

    // The record, written through the same adapter and settings the function uses.
    let sdk = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(var("AWS_REGION").expect("a region")))
        .endpoint_url(&moto)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing", "testing", None, None, "moto",
        )))
        .build();
    let settings = AwsSettings::from_vars(var).expect("settings");
    create_teams_table(&sdk, settings.table_name(Table::Teams)).await;
    let mut team = Team::example();
    team.status = TeamStatus::PendingPayment;
    for (member, status) in team.members.iter_mut().zip([
        MemberStatus::Paid,
        MemberStatus::Authorized,
        MemberStatus::Pending,
    ]) {
        member.status = status;
    }
    Records::new(Arc::new(DynamoRecords::new(
        &sdk,
        &settings,
        Arc::new(SystemClock),
    )))
    .insert(&team)
    .await
    .expect("moto stores the team");

    let mut api = RuntimeApi::start().await;
    let _function = api.spawn(env!("CARGO_BIN_EXE_step"), &env);

    api.invoke(json!({"teamId": team.team_id}));
    let (_, outcome) = api.outcome(Duration::from_secs(30)).await;
    assert_eq!(
        outcome,
        Outcome::Response(
            json!({"allAuthorized": false, "authorized": 2, "inReview": false, "members": 3})
        )
    );

    api.invoke(json!({"teamId": "team_not_stored"}));
    let (_, outcome) = api.outcome(Duration::from_secs(30)).await;
    match outcome {
        Outcome::Error(error_type, message) => {
            assert_eq!(error_type, "Step.RecordNotFound", "{message}");
            assert!(message.contains("team_not_stored"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
