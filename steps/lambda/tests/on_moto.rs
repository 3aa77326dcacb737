//! A package's binary on its production SDK configuration against moto's
//! server (MOTO_URL): the step reaches DynamoDB at AWS_ENDPOINT_URL with the
//! environment's credentials and answers from the record stored there; and
//! a step that makes a business fact true prints its EMF line on stdout,
//! once however often it runs.

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
use campaigns_contracts::records::{
    MemberStatus, Scholarship, ScholarshipStatus, Team, TeamStatus,
};
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

/// `table` with its key alone: a step reads and writes one item by key
/// (Terraform creates the real one, indexes and all).
async fn create_table(sdk: &SdkConfig, table: Table, name: &str) {
    let key = table.def().key;
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

/// `handler` deployed against moto's server: its environment (moto's
/// endpoint and credentials, `table` under a name of this run's own, so
/// runs can share a server), and the records store the test arranges
/// through the same adapter and settings the function uses, the table
/// created.
struct OnMoto {
    env: Vec<(&'static str, String)>,
    records: Records,
}

impl OnMoto {
    async fn new(handler: &str, table: Table) -> OnMoto {
        let moto = moto_url();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("after 1970")
            .as_nanos();
        let name = format!(
            "{}-{}x{nanos}",
            table.def().default_name,
            std::process::id()
        );
        let overrides = [
            ("AWS_ENDPOINT_URL", moto.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
            ("AWS_SESSION_TOKEN", "testing".to_owned()),
            (table.def().env_var, name),
        ];
        let mut env: Vec<(&'static str, String)> = function_env(handler)
            .into_iter()
            .filter(|(name, _)| overrides.iter().all(|(overridden, _)| overridden != name))
            .map(|(name, value)| (name, value.to_owned()))
            .collect();
        env.extend(overrides);
        let var = |name: &str| {
            env.iter()
                .find(|(set, _)| *set == name)
                .map(|(_, value)| value.clone())
        };
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(var("AWS_REGION").expect("a region")))
            .endpoint_url(&moto)
            .http_client(campaigns_aws::https_client())
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "moto",
            )))
            .build();
        let settings = AwsSettings::from_vars(var).expect("settings");
        create_table(&sdk, table, settings.table_name(table)).await;
        let records = Records::new(Arc::new(DynamoRecords::new(
            &sdk,
            &settings,
            Arc::new(SystemClock),
        )));
        OnMoto { env, records }
    }

    /// Starts the function from `package`'s binary.
    fn spawn(&self, api: &RuntimeApi, binary: &str) -> runtime_api::Function {
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        api.spawn(binary, &env)
    }
}

#[tokio::test]
async fn a_step_reads_dynamodb_at_the_environments_endpoint_with_its_credentials() {
    assert_eq!(
        Function::named(HANDLER).expect("a step").package().name,
        "step",
        "the package whose binary this test starts"
    );
    let moto = OnMoto::new(HANDLER, Table::Teams).await;
    let mut team = Team::example();
    team.status = TeamStatus::PendingPayment;
    for (member, status) in team.members.iter_mut().zip([
        MemberStatus::Paid,
        MemberStatus::Authorized,
        MemberStatus::Pending,
    ]) {
        member.status = status;
    }
    moto.records
        .insert(&team)
        .await
        .expect("moto stores the team");

    let mut api = RuntimeApi::start().await;
    let _function = moto.spawn(&api, env!("CARGO_BIN_EXE_step"));

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

#[tokio::test]
async fn a_step_prints_its_business_metric_as_emf_once_per_fact() {
    const APPROVE: &str = "campaigns-approve-scholarship";
    assert_eq!(
        Function::named(APPROVE).expect("a step").package().name,
        "step"
    );
    let moto = OnMoto::new(APPROVE, Table::Scholarships).await;
    let mut scholarship = Scholarship::example();
    scholarship.status = ScholarshipStatus::PendingReview;
    scholarship.calculation.auto_approved = true;
    scholarship.pay_by = None;
    scholarship.decided_at = None;
    // Applied now: an open application is kept a year from its creation.
    scholarship.created_at = chrono::Utc::now();
    moto.records
        .insert(&scholarship)
        .await
        .expect("moto stores the application");

    let mut api = RuntimeApi::start().await;
    let function = moto.spawn(&api, env!("CARGO_BIN_EXE_step"));
    let emf = || -> Vec<serde_json::Value> {
        function
            .logs()
            .iter()
            .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
            .filter(|line| line.get("_aws").is_some())
            .collect()
    };
    // Run twice, as Step Functions may run a Task: one approval, one line.
    for _ in 0..2 {
        api.invoke(json!({"scholarshipId": scholarship.scholarship_id}));
        let (_, outcome) = api.outcome(Duration::from_secs(30)).await;
        let Outcome::Response(decided) = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(decided["status"], "approved", "{decided}");
    }
    let lines = emf();
    assert_eq!(lines.len(), 1, "{:?}", function.logs());
    let line = &lines[0];
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Metrics"],
        json!([
            {"Name": "ScholarshipApproved", "Unit": "Count"},
            {"Name": "ApprovedScholarshipPercentage", "Unit": "Percent"}
        ])
    );
    assert_eq!(
        line["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "ProDentHub/Campaigns"
    );
    assert_eq!(line["Campaign"], "scholarship-application");
    assert_eq!(line["RecordId"], scholarship.scholarship_id.as_str());
    assert_eq!(line["ScholarshipApproved"], 1);
    assert_eq!(
        line["ApprovedScholarshipPercentage"],
        scholarship.calculation.percentage
    );
    // The line is not also among the function's JSON logs.
    assert!(
        function
            .logs()
            .iter()
            .filter(|log| log.contains("ScholarshipApproved"))
            .count()
            == 1,
        "{:?}",
        function.logs()
    );
}
