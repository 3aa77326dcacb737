//! No stranded work on the AWS adapters: a free mock-exam registration (a
//! seat held) and a scholarship application, on DynamoDB and Step Functions,
//! interrupted after each of their writes as a timed-out Lambda would leave
//! them. The sweep `start-owed-journeys` runs then starts the record's
//! journey exactly once, under the record's id, with the input its creator
//! would have given, and nothing stays owed.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sfn::Client;
use campaigns_app::App;
use campaigns_app::clock::SystemClock;
use campaigns_app::faults;
use campaigns_app::journey_starts::{self, GRACE};
use campaigns_app::settings::{AdminAuth, Settings};
use campaigns_app::steps::{MOCK_EXAM_REGISTRATION, SCHOLARSHIP_APPLICATION};
use campaigns_app::tokens::AccessTokens;
use campaigns_app::wiring::{Port, Unwired};
use campaigns_aws::{DynamoRecords, StepFunctions};
use campaigns_contracts::Example;
use campaigns_contracts::api::ScholarshipApplyRequest;
use campaigns_contracts::records::{
    JOURNEY_START_QUEUE, JourneyStart, MockExam, MockExamStatus, MockRegistration, Scholarship,
};
use campaigns_mail::{Links, MailSettings};
use campaigns_payments::SignatureVerifier;
use campaigns_records::Records;
use serde_json::{Value, json};

use crate::common::{ACCOUNT, sdk_config, settings};
use crate::records::create_tables;

/// The product on the AWS adapters, wired for the records and workflows
/// these creates use; every other port is unwired.
pub(crate) async fn aws_app() -> App {
    let sdk = sdk_config().await;
    let settings = settings();
    create_tables(&sdk, &settings).await;
    let clock = Arc::new(SystemClock);
    App {
        records: Records::new(Arc::new(DynamoRecords::new(&sdk, &settings, clock.clone()))),
        payments: Arc::new(Unwired(Port::Payments)),
        mail: Arc::new(Unwired(Port::Mail)),
        kept_mail: Arc::new(Unwired(Port::KeptMail)),
        mail_settings: MailSettings::new(
            "noreply@prodenthub.com.au",
            Links::new("https://prodenthub.com.au").expect("links"),
        ),
        webhook_verifier: Arc::new(SignatureVerifier::new("whsec_moto")),
        files: Arc::new(Unwired(Port::Files)),
        scheduler: Arc::new(Unwired(Port::Schedules)),
        workflows: Arc::new(StepFunctions::new(&sdk, &settings)),
        access_events: Arc::new(Unwired(Port::Access)),
        clock,
        tokens: AccessTokens::new(b"a secret for the moto tests only".to_vec()),
        settings: Arc::new(Settings {
            frontend_url: "https://prodenthub.com.au".into(),
            api_base_url: "https://api.prodenthub.com.au/v1".into(),
            admin: AdminAuth::Gateway,
            checkout_lifetime: Duration::from_secs(23 * 3600),
            upload_lifetime: Duration::from_secs(15 * 60),
        }),
    }
}

/// The journeys' state machines, each a single Pass state: what is checked
/// here is which executions start, not how they run (journeys.rs walks the
/// real definitions).
async fn create_state_machines(sfn: &Client) {
    for name in [MOCK_EXAM_REGISTRATION, SCHOLARSHIP_APPLICATION] {
        let created = sfn
            .create_state_machine()
            .name(name)
            .definition(
                json!({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}})
                    .to_string(),
            )
            .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/journeys"))
            .send()
            .await;
        if let Err(err) = created {
            let text = format!("{err:?}");
            assert!(text.contains("StateMachineAlreadyExists"), "{text}");
        }
    }
}

/// The starts owed for `name`.
async fn owed_for(app: &App, name: &str) -> Vec<JourneyStart> {
    let owed: Vec<JourneyStart> = app
        .records
        .query("queue-dueAt-index", JOURNEY_START_QUEUE, None)
        .await
        .expect("reads");
    owed.into_iter()
        .filter(|owed| owed.execution_name == name)
        .collect()
}

/// After the sweep, `name`'s journey runs with `input` and nothing is owed.
async fn sweep_carries(app: &App, sfn: &Client, state_machine: &str, name: &str, input: &Value) {
    journey_starts::start_owed(app, app.now() + GRACE + chrono::TimeDelta::seconds(1))
        .await
        .expect("the sweep reads");
    assert!(owed_for(app, name).await.is_empty(), "{name} still owed");
    let execution = sfn
        .describe_execution()
        .execution_arn(format!(
            "arn:aws:states:us-east-1:{ACCOUNT}:execution:{state_machine}:{name}"
        ))
        .send()
        .await
        .unwrap_or_else(|err| panic!("{name} has no journey: {err:?}"));
    let started: Value =
        serde_json::from_str(execution.input().expect("an input")).expect("JSON input");
    assert_eq!(&started, input);
}

#[tokio::test]
async fn a_free_registration_interrupted_after_any_write_is_carried_by_its_journey() {
    let app = aws_app().await;
    let sfn = Client::new(&sdk_config().await);
    create_state_machines(&sfn).await;
    for writes in 0.. {
        let exam = MockExam {
            mock_exam_id: crate::common::unique("mex_"),
            title: "ADC Part 1 Mock Exam".into(),
            exam_date: (app.now() + chrono::TimeDelta::days(10)).date_naive(),
            starts_at: app.now() + chrono::TimeDelta::days(10),
            ends_at: app.now() + chrono::TimeDelta::days(10) + chrono::TimeDelta::hours(2),
            time_zone: Default::default(),
            capacity: 1,
            registered_count: 0,
            premium_price: campaigns_core::money::Cents(2900),
            pass_mark: 60.0,
            sections: vec!["clinical".into(), "theory".into()],
            status: MockExamStatus::Scheduled,
            created_at: app.now(),
            moved_from: None,
        };
        app.records.insert(&exam).await.expect("the exam is stored");
        let email = format!("{}@example.com", crate::common::unique("priya."));
        let body = json!({
            "mockExamId": exam.mock_exam_id,
            "email": email,
            "firstName": "Priya",
            "lastName": "Kumar",
            "tier": "free"
        });
        let key = crate::common::unique("register-");
        if let Some(answered) =
            faults::create_interrupted(&app, "registerMockExam", &body, &key, writes).await
        {
            assert_eq!(answered.status, 201, "{}", answered.body);
            assert!(writes >= 3, "claim, batch, start: only {writes} writes");
            break;
        }

        let registrations: Vec<MockRegistration> = app
            .records
            .query("email-index", email.as_str(), None)
            .await
            .expect("reads");
        let seats = app
            .records
            .get::<MockExam>(&exam.mock_exam_id)
            .await
            .expect("reads")
            .expect("the exam")
            .record
            .registered_count;
        match registrations.as_slice() {
            [] => assert_eq!(seats, 0, "no registration, no seat"),
            [registration] => {
                assert_eq!(seats, 1);
                let id = &registration.registration_id;
                let input = json!({
                    "registrationId": id,
                    "mockExamId": exam.mock_exam_id,
                    "premium": false,
                });
                sweep_carries(&app, &sfn, MOCK_EXAM_REGISTRATION, id, &input).await;
            }
            more => panic!("one create made {} registrations", more.len()),
        }
    }
}

#[tokio::test]
async fn a_scholarship_application_interrupted_after_any_write_is_carried_by_its_journey() {
    let app = aws_app().await;
    let sfn = Client::new(&sdk_config().await);
    create_state_machines(&sfn).await;
    for writes in 0.. {
        let email = format!("{}@example.com", crate::common::unique("amal."));
        let mut body = serde_json::to_value(ScholarshipApplyRequest::example()).expect("JSON");
        body["email"] = json!(email);
        let key = crate::common::unique("apply-");
        if let Some(answered) =
            faults::create_interrupted(&app, "applyScholarship", &body, &key, writes).await
        {
            assert_eq!(answered.status, 201, "{}", answered.body);
            assert!(writes >= 3, "claim, batch, start: only {writes} writes");
            break;
        }

        let applications: Vec<Scholarship> = app
            .records
            .query("email-index", email.as_str(), None)
            .await
            .expect("reads");
        match applications.as_slice() {
            [] => {}
            [application] => {
                let id = &application.scholarship_id;
                let input = json!({
                    "scholarshipId": id,
                    "autoApproved": application.calculation.auto_approved,
                });
                sweep_carries(&app, &sfn, SCHOLARSHIP_APPLICATION, id, &input).await;
            }
            more => panic!("one create made {} applications", more.len()),
        }
    }
}
