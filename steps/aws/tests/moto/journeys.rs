//! Every definition of `workflows/definitions/`, created on moto's Step
//! Functions in its execution mode and run along its main path: a second
//! interpreter of our ASL, independent of the embedded engine. They run on
//! a moto server of their own (MOTO_EXECUTION_URL).
//!
//! moto runs the Task states against its Lambda without Docker, which runs
//! no code: each invoke returns the next answer queued for its region
//! (`/moto-api/static/lambda-simple/response`), or echoes its payload when
//! none is queued. Echoes cannot walk a journey (the states read fields such
//! as `$.Payload.status` that no payload carries), so each test queues the
//! answers the steps give in production, checked against the steps' output
//! schemas, in the order the journey invokes them. The queue is one per
//! region and knows no function, so each test has a region of its own and
//! queues answers only where the order of invokes is fixed: before the
//! start, and while the execution is parked on task tokens. Waits are
//! resumed with SendTaskSuccess (through the `StepFunctions` adapter) with
//! what the webhook and the review endpoint send, serialized from the same
//! types. Each test asserts the states entered, in order, and what moto's
//! interpreter passed to the steps and kept in the output, not only the
//! final status: moto's States.ALL also catches States.Runtime (AWS's does
//! not), so a definition error could still end in a Succeed state.
//! What moto cannot walk is in docs/aws-adapters.md.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};
use campaigns_app::steps::{
    self, DISCOUNT_PURCHASE, MOCK_EXAM_REGISTRATION, MOCK_EXAM_REMINDERS, MOCK_EXAM_RESULTS,
    PERSONALIZED_PLAN, SCHOLARSHIP_APPLICATION, Step, TEAM_CREATION,
};
use campaigns_aws::settings::{SCHEDULER_ROLE_ARN_VAR, STATE_MACHINE_ARN_PREFIX_VAR};
use campaigns_aws::{AwsSettings, StepFunctions};
use campaigns_contracts::records::{PaymentOutcome, PaymentResult, ScholarshipStatus};
use campaigns_core::money::Cents;
use campaigns_ports::workflows::Workflows;
use serde_json::{Value, json};

use crate::common::{ACCOUNT, sdk_config_at, unique};

/// The moto server these tests own, from MOTO_EXECUTION_URL: they switch
/// its Lambda to answers without Docker and create functions, which
/// `/moto-api/data.json` (read by the mail test) cannot list, so they run
/// on a server of their own. They never skip without it.
fn execution_url() -> String {
    std::env::var("MOTO_EXECUTION_URL").unwrap_or_else(|_| {
        panic!(
            "MOTO_EXECUTION_URL is not set. The journeys run on a moto server of their own:\n  \
             target/test-venv/bin/python tests/services/moto.py --port 0 --url-file /tmp/moto-execution.url &\n  \
             export MOTO_EXECUTION_URL=$(cat /tmp/moto-execution.url)\n\
             (tests/run.sh does this)"
        )
    })
}

/// The definitions, from the folder Terraform deploys.
const DEFINITIONS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../workflows/definitions");

/// The definitions the tests below walk; a new one needs a test.
const WALKED: [&str; 7] = [
    DISCOUNT_PURCHASE,
    PERSONALIZED_PLAN,
    SCHOLARSHIP_APPLICATION,
    MOCK_EXAM_REGISTRATION,
    MOCK_EXAM_REMINDERS,
    MOCK_EXAM_RESULTS,
    TEAM_CREATION,
];

/// How long moto may take to reach a wait or an end.
const PATIENCE: Duration = Duration::from_secs(20);

/// An empty zip archive: moto stores a function's code without running it.
const EMPTY_ZIP: &str = "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==";

#[test]
fn every_definition_is_walked_on_moto() {
    let mut files: Vec<String> = std::fs::read_dir(DEFINITIONS_DIR)
        .expect("workflows/definitions")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8")
        })
        .filter_map(|file| file.strip_suffix(".asl.json").map(str::to_owned))
        .collect();
    files.sort();
    let mut walked = WALKED.map(str::to_owned).to_vec();
    walked.sort();
    assert_eq!(
        files, walked,
        "each definition needs a journey test on moto"
    );
}

/// One definition deployed on moto in a region of its own.
struct Journey {
    region: &'static str,
    http: reqwest::Client,
    sfn: Client,
    workflows: StepFunctions,
    state_machine: String,
    top_level: BTreeSet<String>,
    steps: Vec<Step>,
    /// A function of the journey, invoked directly to drain the queue.
    any_function: String,
}

/// One ended execution, as moto's history tells it.
struct Ended {
    status: ExecutionStatus,
    output: Value,
    events: Vec<HistoryEvent>,
}

/// A task-token wait, as the Task state scheduled it.
struct Wait {
    payload: Value,
    token: String,
    timeout_seconds: Option<i64>,
}

impl Journey {
    /// Turns moto's execution mode on, creates the journey's functions as
    /// Terraform does (`campaigns-<step>`, their ARNs filled into the
    /// `${…FunctionArn}` placeholders) and the state machine.
    async fn deploy(definition: &str, region: &'static str) -> Journey {
        let http = reqwest::Client::new();
        http.post(format!("{}/moto-api/config", execution_url()))
            .json(&json!({
                "stepfunctions": {"execute_state_machine": true},
                "lambda": {"use_docker": false},
            }))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("moto config");

        let text = std::fs::read_to_string(format!("{DEFINITIONS_DIR}/{definition}.asl.json"))
            .expect("definition");
        let parsed: Value = serde_json::from_str(&text).expect("a definition is JSON");
        let top_level = parsed["States"]
            .as_object()
            .expect("States")
            .keys()
            .cloned()
            .collect();

        let role = unique("campaigns-steps-");
        let created = http
            .post(execution_url())
            .header("authorization", unsigned("us-east-1", "iam"))
            .form(&[
                ("Action", "CreateRole"),
                ("Version", "2010-05-08"),
                ("RoleName", role.as_str()),
                ("AssumeRolePolicyDocument", r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#),
            ])
            .send()
            .await
            .expect("iam");
        assert!(
            created.status().is_success(),
            "CreateRole: {}",
            created.text().await.unwrap_or_default()
        );
        let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");

        let mut placeholders = BTreeMap::new();
        let mut any_function = None;
        for step in steps::all() {
            let placeholder = step.placeholder();
            if !text.contains(&format!("${{{placeholder}}}")) {
                continue;
            }
            let arn = create_function(&http, region, &step.function_name(), &role_arn).await;
            any_function.get_or_insert_with(|| step.function_name());
            placeholders.insert(placeholder, arn);
        }
        let rendered = ::workflows::definition::substitute(&text, &placeholders)
            .unwrap_or_else(|err| panic!("{definition}: {err}"));

        let sdk = sdk_config_at(&execution_url(), region).await;
        let sfn = Client::new(&sdk);
        let state_machine = unique(&format!("{definition}-"));
        sfn.create_state_machine()
            .name(&state_machine)
            .definition(rendered)
            .role_arn(format!(
                "arn:aws:iam::{ACCOUNT}:role/{definition}-state-machine"
            ))
            .send()
            .await
            .unwrap_or_else(|err| panic!("moto refused {definition}: {err:?}"));
        let settings = AwsSettings::from_vars(|name| match name {
            STATE_MACHINE_ARN_PREFIX_VAR => {
                Some(format!("arn:aws:states:{region}:{ACCOUNT}:stateMachine:"))
            }
            SCHEDULER_ROLE_ARN_VAR => Some(format!("arn:aws:iam::{ACCOUNT}:role/scheduler")),
            _ => None,
        })
        .expect("settings");
        let journey = Journey {
            region,
            http,
            sfn,
            workflows: StepFunctions::new(&sdk, &settings),
            state_machine,
            top_level,
            steps: steps::all(),
            any_function: any_function.expect("a definition invokes steps"),
        };
        journey.drain().await;
        journey
    }

    /// Empties the region's answer queue of what an earlier, failed run
    /// against the same server may have left: invokes until moto echoes.
    async fn drain(&self) {
        let marker = json!({"drain": unique("")});
        for _ in 0..1000 {
            let answer: Value = self
                .http
                .post(format!(
                    "{}/2015-03-31/functions/{}/invocations",
                    execution_url(),
                    self.any_function
                ))
                .header("authorization", unsigned(self.region, "lambda"))
                .json(&marker)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .expect("invoke")
                .json()
                .await
                .expect("an answer is JSON");
            if answer == marker {
                return;
            }
        }
        panic!("the answer queue of {} does not drain", self.region);
    }

    /// Queues the answers of the next invokes, in order, each what `step`
    /// answers in production (checked against its output schema).
    async fn answer(&self, answers: &[(&str, Value)]) {
        let mut results = Vec::new();
        for (name, answer) in answers {
            let step = self
                .steps
                .iter()
                .find(|step| step.name == *name)
                .unwrap_or_else(|| panic!("no step {name}"));
            let schema = (step.output_schema)();
            let validator = jsonschema::options()
                .should_validate_formats(true)
                .build(&schema)
                .expect("step schemas compile");
            if let Some(error) = validator.iter_errors(answer).next() {
                panic!("{answer} is not an output of {name}: {error}");
            }
            results.push(answer.to_string());
        }
        self.http
            .post(format!(
                "{}/moto-api/static/lambda-simple/response",
                execution_url()
            ))
            .json(&json!({"account_id": ACCOUNT, "region": self.region, "results": results}))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("queue answers");
    }

    /// Starts an execution through the adapter, named after its record.
    async fn start(&self, record: &str, input: &Value) -> String {
        self.workflows
            .start(&self.state_machine, record, input)
            .await
            .expect("start")
    }

    /// Every task-token wait scheduled so far, once `count` have handed
    /// their token to the step.
    async fn waits(&self, execution: &str, count: usize) -> Vec<Wait> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let events = self.history(execution).await;
            let submitted = events
                .iter()
                .filter_map(HistoryEvent::task_submitted_event_details)
                .filter(|details| details.resource() == "invoke.waitForTaskToken")
                .count();
            if submitted >= count {
                return events
                    .iter()
                    .filter_map(HistoryEvent::task_scheduled_event_details)
                    .filter(|details| details.resource() == "invoke.waitForTaskToken")
                    .map(|details| {
                        let parameters: Value =
                            serde_json::from_str(details.parameters()).expect("parameters");
                        let payload = parameters["Payload"].clone();
                        Wait {
                            token: payload["taskToken"].as_str().expect("taskToken").to_owned(),
                            payload,
                            timeout_seconds: details.timeout_in_seconds(),
                        }
                    })
                    .collect();
            }
            let status = self.status(execution).await;
            assert!(
                status == ExecutionStatus::Running && Instant::now() < deadline,
                "{execution} did not reach {count} waits ({status:?}):\n{}",
                describe(&events)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts an execution whose first wait is for its payment (the answer
    /// of `await-payment` queued first); the execution and that wait.
    async fn start_to_payment(&self, record: &str, input: &Value) -> (String, Wait) {
        self.answer(&[("await-payment", json!({"waiting": true}))])
            .await;
        let execution = self.start(record, input).await;
        let wait = self.waits(&execution, 1).await.remove(0);
        (execution, wait)
    }

    /// Resumes a payment wait as the webhook does after a successful
    /// payment of `cents` in the session named after `session`, once `then`
    /// (the answers of the steps that follow) is queued; the payment.
    async fn resume_paid(
        &self,
        wait: &Wait,
        session: &str,
        cents: i64,
        then: &[(&str, Value)],
    ) -> Value {
        self.answer(then).await;
        let payment = paid(session, cents);
        self.resume(wait, &payment).await;
        payment
    }

    /// Resumes a wait as the webhook or the review endpoint does.
    async fn resume(&self, wait: &Wait, output: &Value) {
        self.workflows
            .send_task_success(&wait.token, output)
            .await
            .expect("send task success");
    }

    /// Waits until `state` has been left `count` times.
    async fn exited(&self, execution: &str, state: &str, count: usize) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let events = self.history(execution).await;
            let exits = events
                .iter()
                .filter_map(HistoryEvent::state_exited_event_details)
                .filter(|details| details.name() == state)
                .count();
            if exits >= count {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{state} not left {count} times:\n{}",
                describe(&events)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the execution to end, and asserts that it succeeded along
    /// `path` (the top-level states entered, in order).
    async fn succeeded(&self, execution: &str, path: &[&str]) -> Ended {
        let ended = self.ended(execution).await;
        assert_eq!(
            ended.status,
            ExecutionStatus::Succeeded,
            "{}",
            describe(&ended.events)
        );
        assert_eq!(self.path(&ended), strings(path));
        ended
    }

    async fn ended(&self, execution: &str) -> Ended {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let described = self
                .sfn
                .describe_execution()
                .execution_arn(execution)
                .send()
                .await
                .expect("describe");
            if described.status != ExecutionStatus::Running {
                let events = self.history(execution).await;
                return Ended {
                    status: described.status,
                    output: described
                        .output
                        .as_deref()
                        .map(|output| serde_json::from_str(output).expect("output"))
                        .unwrap_or(Value::Null),
                    events,
                };
            }
            assert!(
                Instant::now() < deadline,
                "{execution} still running:\n{}",
                describe(&self.history(execution).await)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn status(&self, execution: &str) -> ExecutionStatus {
        self.sfn
            .describe_execution()
            .execution_arn(execution)
            .send()
            .await
            .expect("describe")
            .status
    }

    async fn history(&self, execution: &str) -> Vec<HistoryEvent> {
        let mut events = Vec::new();
        let mut next = None;
        loop {
            let page = self
                .sfn
                .get_execution_history()
                .execution_arn(execution)
                .max_results(1000)
                .set_next_token(next)
                .send()
                .await
                .expect("history");
            events.extend(page.events);
            next = page.next_token;
            if next.is_none() {
                return events;
            }
        }
    }

    /// The top-level states entered, in order.
    fn path(&self, ended: &Ended) -> Vec<String> {
        entered(&ended.events)
            .into_iter()
            .filter(|(name, _)| self.top_level.contains(name))
            .map(|(name, _)| name)
            .collect()
    }

    /// The states entered inside Map iterations whose input has
    /// `key: value`, in order.
    fn iteration(&self, ended: &Ended, key: &str, value: &str) -> Vec<String> {
        entered(&ended.events)
            .into_iter()
            .filter(|(name, input)| !self.top_level.contains(name) && input[key] == value)
            .map(|(name, _)| name)
            .collect()
    }
}

impl Wait {
    /// Asserts that `await-payment` was given the token and what the
    /// webhook names the payment by: the campaign and the record.
    fn assert_payment_of(&self, campaign: &str, record: &str) {
        assert_eq!(
            self.payload,
            json!({"taskToken": self.token, "campaignId": campaign, "recordId": record})
        );
    }
}

impl Ended {
    /// The payloads the execution passed to `campaigns-<step>`, in order.
    fn payloads(&self, step: &str) -> Vec<Value> {
        let function = format!(":function:campaigns-{step}");
        self.events
            .iter()
            .filter_map(HistoryEvent::task_scheduled_event_details)
            .map(|details| serde_json::from_str::<Value>(details.parameters()).expect("parameters"))
            .filter(|parameters| {
                parameters["FunctionName"]
                    .as_str()
                    .is_some_and(|arn| arn.ends_with(&function))
            })
            .map(|parameters| parameters["Payload"].clone())
            .collect()
    }
}

/// The states entered, with their input, in order.
fn entered(events: &[HistoryEvent]) -> Vec<(String, Value)> {
    events
        .iter()
        .filter_map(HistoryEvent::state_entered_event_details)
        .map(|details| {
            let input = details
                .input()
                .map(|input| serde_json::from_str(input).expect("state input"))
                .unwrap_or(Value::Null);
            (details.name().to_owned(), input)
        })
        .collect()
}

/// A history, one event a line, for failure messages.
fn describe(events: &[HistoryEvent]) -> String {
    events
        .iter()
        .map(|event| {
            let detail = event
                .state_entered_event_details()
                .map(|details| details.name().to_owned())
                .or_else(|| {
                    event
                        .task_failed_event_details()
                        .map(|details| format!("{:?}: {:?}", details.error(), details.cause()))
                })
                .or_else(|| {
                    event
                        .execution_failed_event_details()
                        .map(|details| format!("{:?}: {:?}", details.error(), details.cause()))
                })
                .unwrap_or_default();
            format!("  {} {} {detail}", event.id, event.r#type)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// moto checks no signature but reads the region and the service from the
/// credential scope: an Authorization header that names them, unsigned.
fn unsigned(region: &str, service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, \
         SignedHeaders=host, Signature=0"
    )
}

/// Creates (or finds, from an earlier run) `campaigns-<step>` and returns its ARN.
async fn create_function(http: &reqwest::Client, region: &str, name: &str, role: &str) -> String {
    let created = http
        .post(format!("{}/2015-03-31/functions", execution_url()))
        .header("authorization", unsigned(region, "lambda"))
        .json(&json!({
            "FunctionName": name,
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "Role": role,
            "Code": {"ZipFile": EMPTY_ZIP},
        }))
        .send()
        .await
        .expect("create function");
    let function: Value = if created.status() == reqwest::StatusCode::CONFLICT {
        let found: Value = http
            .get(format!("{}/2015-03-31/functions/{name}", execution_url()))
            .header("authorization", unsigned(region, "lambda"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .expect("get function")
            .json()
            .await
            .expect("function");
        found["Configuration"].clone()
    } else {
        let status = created.status();
        let body: Value = created.json().await.expect("function");
        assert!(status.is_success(), "CreateFunction {name}: {body}");
        body
    };
    let arn = function["FunctionArn"].as_str().expect("FunctionArn");
    assert_eq!(
        arn,
        format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}")
    );
    arn.to_owned()
}

/// What the webhook resumes a payment wait with.
fn outcome(result: PaymentResult, session: &str, cents: Option<i64>) -> Value {
    serde_json::to_value(PaymentOutcome {
        result,
        payment_intent_id: cents.map(|_| format!("pi_{session}")),
        amount: cents.map(Cents),
        currency: cents.map(|_| "aud".to_owned()),
        checkout_session_id: format!("cs_{session}"),
        event_id: format!("evt_{session}"),
    })
    .expect("outcome")
}

fn paid(session: &str, cents: i64) -> Value {
    outcome(PaymentResult::Succeeded, session, Some(cents))
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

#[tokio::test]
async fn discount_purchase_paid_declined_and_free() {
    let journey = Journey::deploy(DISCOUNT_PURCHASE, "us-east-2").await;

    // A coupon that leaves something to pay: the buyer pays by checkout.
    let (execution, wait) = journey
        .start_to_payment(
            "purchase_paid",
            &json!({"purchaseId": "purchase_paid", "free": false}),
        )
        .await;
    wait.assert_payment_of("discount-purchase", "purchase_paid");
    assert_eq!(wait.timeout_seconds, Some(2400));
    let payment = journey
        .resume_paid(
            &wait,
            "purchase_paid",
            8910,
            &[
                ("confirm-purchase", json!({"status": "paid"})),
                ("send-email", json!({"template": "purchase_confirmation"})),
            ],
        )
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "IsFree",
                "WaitForPayment",
                "WasPaid",
                "ConfirmPurchase",
                "SendReceipt",
                "Paid",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("confirm-purchase"),
        [json!({"purchaseId": "purchase_paid", "free": false, "payment": payment})]
    );
    assert_eq!(
        ended.payloads("send-email"),
        [json!({"template": "purchase_confirmation", "recordId": "purchase_paid"})]
    );
    assert_eq!(
        ended.output,
        json!({"purchaseId": "purchase_paid", "free": false, "payment": payment, "settled": {"status": "paid"}})
    );

    // A declined card: the coupon use is released.
    let (execution, wait) = journey
        .start_to_payment(
            "purchase_declined",
            &json!({"purchaseId": "purchase_declined", "free": false}),
        )
        .await;
    journey
        .answer(&[("release-purchase", json!({"status": "failed"}))])
        .await;
    let declined = outcome(PaymentResult::Failed, "purchase_declined", Some(8910));
    journey.resume(&wait, &declined).await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "IsFree",
                "WaitForPayment",
                "WasPaid",
                "ReleasePurchase",
                "NotPaid",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("release-purchase"),
        [json!({"purchaseId": "purchase_declined", "free": false, "payment": declined})]
    );
    assert_eq!(ended.output["settled"], json!({"status": "failed"}));

    // A coupon that takes the price to zero: no payment wait.
    journey
        .answer(&[
            ("confirm-purchase", json!({"status": "paid"})),
            ("send-email", json!({"template": "purchase_confirmation"})),
        ])
        .await;
    let execution = journey
        .start(
            "purchase_free",
            &json!({"purchaseId": "purchase_free", "free": true}),
        )
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &["IsFree", "ConfirmPurchase", "SendReceipt", "Paid"],
        )
        .await;
    assert_eq!(ended.output["settled"], json!({"status": "paid"}));
}

#[tokio::test]
async fn personalized_plan_paid() {
    let journey = Journey::deploy(PERSONALIZED_PLAN, "us-west-1").await;
    let (execution, wait) = journey
        .start_to_payment("plan_1", &json!({"planId": "plan_1"}))
        .await;
    wait.assert_payment_of("personalized-plan", "plan_1");
    let payment = journey
        .resume_paid(
            &wait,
            "plan_1",
            19900,
            &[
                ("activate-plan", json!({"status": "active"})),
                ("send-email", json!({"template": "plan_activated"})),
            ],
        )
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "WaitForPayment",
                "WasPaid",
                "ActivatePlan",
                "SendRoadmap",
                "Active",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("activate-plan"),
        [json!({"planId": "plan_1", "payment": payment})]
    );
    assert_eq!(
        ended.payloads("send-email"),
        [json!({"template": "plan_activated", "recordId": "plan_1"})]
    );
    assert_eq!(ended.output["settled"], json!({"status": "active"}));
}

/// Starts an application above 30 %: the applicant is told it arrived and
/// the journey waits for a reviewer. The execution and that wait.
async fn start_to_review(journey: &Journey, scholarship: &str) -> (String, Wait) {
    journey
        .answer(&[
            ("send-email", json!({"template": "scholarship_received"})),
            ("await-review", json!({"waiting": true})),
        ])
        .await;
    let input = json!({"scholarshipId": scholarship, "autoApproved": false});
    let execution = journey.start(scholarship, &input).await;
    let review = journey.waits(&execution, 1).await.remove(0);
    (execution, review)
}

#[tokio::test]
async fn scholarship_reviewed_approved_paid_or_declined() {
    let journey = Journey::deploy(SCHOLARSHIP_APPLICATION, "us-west-2").await;

    // Above 30 %: a reviewer decides.
    let (execution, review) = start_to_review(&journey, "scholarship_1").await;
    assert_eq!(
        review.payload,
        json!({"taskToken": review.token, "scholarshipId": "scholarship_1"})
    );
    assert_eq!(review.timeout_seconds, Some(604_800));
    let pay_by = "2026-12-10T09:30:00Z";
    journey
        .answer(&[
            (
                "approve-scholarship",
                json!({"status": "approved", "payBy": pay_by}),
            ),
            ("send-email", json!({"template": "scholarship_approved"})),
            ("await-payment", json!({"waiting": true})),
        ])
        .await;
    journey
        .resume(&review, &json!({"status": ScholarshipStatus::Approved}))
        .await;

    let payment_wait = journey.waits(&execution, 2).await.remove(1);
    payment_wait.assert_payment_of("scholarship-application", "scholarship_1");
    assert_eq!(payment_wait.timeout_seconds, Some(1_209_600));
    let payment = journey
        .resume_paid(
            &payment_wait,
            "scholarship_1",
            7700,
            &[("confirm-scholarship", json!({"status": "paid"}))],
        )
        .await;

    let ended = journey
        .succeeded(
            &execution,
            &[
                "SendReceived",
                "IsAutoApproved",
                "WaitForReview",
                "WasApproved",
                "ApproveScholarship",
                "SendApproved",
                "WaitForPayment",
                "WasPaid",
                "ConfirmScholarship",
                "SendPaid",
                "Paid",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("send-email"),
        [
            json!({"template": "scholarship_received", "recordId": "scholarship_1"}),
            json!({"template": "scholarship_approved", "recordId": "scholarship_1"}),
            json!({"template": "scholarship_paid", "recordId": "scholarship_1"}),
        ]
    );
    assert_eq!(
        ended.payloads("confirm-scholarship"),
        [json!({"scholarshipId": "scholarship_1", "payment": payment})]
    );
    assert_eq!(
        ended.output,
        json!({
            "scholarshipId": "scholarship_1",
            "autoApproved": false,
            "review": {"status": "approved"},
            "approval": {"status": "approved", "payBy": pay_by},
            "payment": payment,
            "settled": {"status": "paid"},
        })
    );

    // A reviewer declines: the applicant is told, nothing to pay.
    let (execution, review) = start_to_review(&journey, "scholarship_2").await;
    journey
        .answer(&[("send-email", json!({"template": "scholarship_declined"}))])
        .await;
    journey
        .resume(&review, &json!({"status": ScholarshipStatus::Declined}))
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "SendReceived",
                "IsAutoApproved",
                "WaitForReview",
                "WasApproved",
                "SendDeclined",
                "Declined",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("send-email")[1],
        json!({"template": "scholarship_declined", "recordId": "scholarship_2"})
    );
}

#[tokio::test]
async fn mock_exam_registration_premium_and_free() {
    let journey = Journey::deploy(MOCK_EXAM_REGISTRATION, "eu-west-1").await;

    // Premium: the seat is paid for first.
    let input =
        json!({"registrationId": "registration_premium", "mockExamId": "exam_1", "premium": true});
    let (execution, wait) = journey
        .start_to_payment("registration_premium", &input)
        .await;
    wait.assert_payment_of("mock-exam", "registration_premium");
    let payment = journey
        .resume_paid(
            &wait,
            "registration_premium",
            2900,
            &[
                ("confirm-mock-registration", json!({"status": "registered"})),
                ("send-email", json!({"template": "mock_exam_registration"})),
            ],
        )
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "IsPremium",
                "WaitForPayment",
                "WasPaid",
                "ConfirmRegistration",
                "SendRegistrationEmail",
                "Registered",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("confirm-mock-registration"),
        [json!({"registrationId": "registration_premium", "payment": payment})]
    );
    assert_eq!(ended.output["settled"], json!({"status": "registered"}));

    // Free: registered at once, only the email.
    journey
        .answer(&[("send-email", json!({"template": "mock_exam_registration"}))])
        .await;
    let input =
        json!({"registrationId": "registration_free", "mockExamId": "exam_1", "premium": false});
    let execution = journey.start("registration_free", &input).await;
    let ended = journey
        .succeeded(
            &execution,
            &["IsPremium", "SendRegistrationEmail", "Registered"],
        )
        .await;
    assert_eq!(
        ended.payloads("send-email"),
        [
            json!({"template": "mock_exam_registration", "recordId": "exam_1", "memberId": "registration_free"})
        ]
    );
    assert_eq!(ended.output, input);
}

#[tokio::test]
async fn mock_exam_reminders_over_two_pages() {
    let journey = Journey::deploy(MOCK_EXAM_REMINDERS, "eu-west-2").await;
    // A Map's iterations run concurrently, but they all get the same
    // answer and the next page is listed only after the Map.
    let reminder = || ("send-email", json!({"template": "mock_exam_reminder"}));
    journey
        .answer(&[
            (
                "list-mock-registrants",
                json!({"registrationIds": ["reg_1", "reg_2"], "next": "reg_2"}),
            ),
            reminder(),
            reminder(),
            (
                "list-mock-registrants",
                json!({"registrationIds": ["reg_3"], "next": null}),
            ),
            reminder(),
        ])
        .await;
    let execution = journey
        .start("reminders_exam_1", &json!({"mockExamId": "exam_1"}))
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "Start",
                "ListRegistered",
                "SendReminders",
                "MorePages",
                "NextPage",
                "ListRegistered",
                "SendReminders",
                "MorePages",
                "Reminded",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("list-mock-registrants"),
        [
            json!({"mockExamId": "exam_1", "after": null, "withResults": false}),
            json!({"mockExamId": "exam_1", "after": "reg_2", "withResults": false}),
        ]
    );
    for registration in ["reg_1", "reg_2", "reg_3"] {
        assert_eq!(
            journey.iteration(&ended, "registrationId", registration),
            strings(&["SendReminder"]),
            "{registration}"
        );
    }
    let mut reminders = ended.payloads("send-email");
    reminders.sort_by_key(|payload| payload["memberId"].to_string());
    assert_eq!(
        reminders,
        ["reg_1", "reg_2", "reg_3"].map(|registration| json!({
            "template": "mock_exam_reminder", "recordId": "exam_1", "memberId": registration,
        }))
    );
}

#[tokio::test]
async fn mock_exam_results_published_and_sent() {
    let journey = Journey::deploy(MOCK_EXAM_RESULTS, "eu-central-1").await;
    let result = || ("send-email", json!({"template": "mock_exam_results"}));
    journey
        .answer(&[
            (
                "check-mock-results",
                json!({"next": "publish", "checks": 1}),
            ),
            (
                "publish-mock-results",
                json!({"count": 3, "mean": 68.5, "median": 71.0}),
            ),
            (
                "list-mock-registrants",
                json!({"registrationIds": ["reg_1", "reg_2", "reg_3"], "next": null}),
            ),
            result(),
            result(),
            result(),
        ])
        .await;
    let execution = journey
        .start("results_exam_1", &json!({"mockExamId": "exam_1"}))
        .await;
    let ended = journey
        .succeeded(
            &execution,
            &[
                "Start",
                "CheckResults",
                "ResultsIn",
                "PublishResults",
                "ListRanked",
                "SendResults",
                "MorePages",
                "Published",
            ],
        )
        .await;
    assert_eq!(
        ended.payloads("check-mock-results"),
        [json!({"mockExamId": "exam_1", "checks": 0})]
    );
    assert_eq!(
        ended.payloads("list-mock-registrants"),
        [json!({"mockExamId": "exam_1", "after": null, "withResults": true})]
    );
    for registration in ["reg_1", "reg_2", "reg_3"] {
        assert_eq!(
            journey.iteration(&ended, "registrationId", registration),
            strings(&["SendResult"]),
            "{registration}"
        );
    }
    assert_eq!(
        ended.output["statistics"],
        json!({"count": 3, "mean": 68.5, "median": 71.0})
    );
}

/// Starts a team of two, answering every invoke before the share waits
/// with `timer`: the members' iterations run concurrently, so the order of
/// their welcome emails, timers and waits is not fixed, and only the
/// timer's answer is read (the emails' results are dropped, a wait's invoke
/// answer is not its output).
async fn start_team(journey: &Journey, team: &str, timer: Value) -> (String, Vec<Wait>) {
    journey
        .answer(&[
            ("team-share-timer", timer.clone()),
            ("team-share-timer", timer.clone()),
            ("team-share-timer", timer.clone()),
            ("team-share-timer", timer.clone()),
            ("team-share-timer", timer.clone()),
            ("team-share-timer", timer),
        ])
        .await;
    let input =
        json!({"teamId": team, "members": [{"memberId": "leader"}, {"memberId": "member"}]});
    let execution = journey.start(team, &input).await;
    let mut waits = journey.waits(&execution, 2).await;
    waits.sort_by_key(|wait| wait.payload["memberId"].to_string());
    (execution, waits)
}

/// Asserts each member's share: the states its iteration entered (the
/// leader is welcomed with the team-created email, the other member with
/// the invitation, then the timer picks the wait and `after_wait_chosen`
/// follows) and whether it ended authorized.
fn assert_shares(journey: &Journey, ended: &Ended, after_wait_chosen: &[&str], authorized: bool) {
    for (member, welcome) in [("leader", "SendTeamCreated"), ("member", "SendInvitation")] {
        let mut path = vec!["IsLeader", welcome, "ShareTimer", "WhichWait"];
        path.extend_from_slice(after_wait_chosen);
        assert_eq!(
            journey.iteration(ended, "memberId", member),
            strings(&path),
            "{member}"
        );
    }
    assert_eq!(
        ended.output["shares"],
        json!([{"memberId": "leader", "authorized": authorized}, {"memberId": "member", "authorized": authorized}])
    );
}

#[tokio::test]
async fn team_every_share_authorized_then_captured() {
    let journey = Journey::deploy(TEAM_CREATION, "ap-southeast-2").await;
    let (execution, waits) = start_team(
        &journey,
        "team_paid",
        json!({"phase": "before_reminder", "seconds": 3600}),
    )
    .await;
    for wait in &waits {
        let member = wait.payload["memberId"].as_str().expect("memberId");
        assert_eq!(
            wait.payload,
            json!({"taskToken": wait.token, "campaignId": "team-creation", "recordId": "team_paid", "memberId": member})
        );
        assert_eq!(wait.timeout_seconds, Some(3600), "TimeoutSecondsPath");
    }

    // One share at a time, so each authorize-team-share answer is its own.
    let (leader, member) = (&waits[0], &waits[1]);
    assert_eq!(leader.payload["memberId"], "leader");
    journey
        .resume_paid(
            leader,
            "team_paid_leader",
            14950,
            &[(
                "authorize-team-share",
                json!({"memberId": "leader", "authorized": true}),
            )],
        )
        .await;
    journey.exited(&execution, "AuthorizeShare", 1).await;
    let activated = || ("send-email", json!({"template": "team_activated"}));
    journey
        .resume_paid(
            member,
            "team_paid_member",
            14950,
            &[
                (
                    "authorize-team-share",
                    json!({"memberId": "member", "authorized": true}),
                ),
                (
                    "check-team-shares",
                    json!({"allAuthorized": true, "inReview": false, "authorized": 2, "members": 2}),
                ),
                ("capture-team-shares", json!({"status": "fully_paid"})),
                activated(),
                activated(),
            ],
        )
        .await;

    let ended = journey
        .succeeded(
            &execution,
            &[
                "CollectShares",
                "CheckShares",
                "AllAuthorized",
                "CaptureShares",
                "AnnounceActivation",
                "Activated",
            ],
        )
        .await;
    assert_shares(
        &journey,
        &ended,
        &[
            "WaitBeforeReminder",
            "WasAuthorized",
            "AuthorizeShare",
            "SendActivated",
        ],
        true,
    );
    assert_eq!(
        ended.output["check"],
        json!({"allAuthorized": true, "inReview": false, "authorized": 2})
    );
    assert_eq!(ended.output["settled"], json!({"status": "fully_paid"}));
}

#[tokio::test]
async fn team_deadline_passes_unpaid_then_expires() {
    let journey = Journey::deploy(TEAM_CREATION, "ap-southeast-1").await;
    // The deadline is two seconds away: both waits time out on moto's clock.
    let (execution, waits) = start_team(
        &journey,
        "team_expired",
        json!({"phase": "before_deadline", "seconds": 2}),
    )
    .await;
    assert!(waits.iter().all(|wait| wait.timeout_seconds == Some(2)));
    // Both members reconcile at about the same time: the same answer.
    let expired = outcome(PaymentResult::Expired, "team_expired", None);
    let told = || ("send-email", json!({"template": "team_expired"}));
    journey
        .answer(&[
            ("reconcile-payment", expired.clone()),
            ("reconcile-payment", expired),
            (
                "check-team-shares",
                json!({"allAuthorized": false, "inReview": false, "authorized": 0, "members": 2}),
            ),
            ("release-team-shares", json!({"status": "expired"})),
            told(),
            told(),
        ])
        .await;

    let ended = journey
        .succeeded(
            &execution,
            &[
                "CollectShares",
                "CheckShares",
                "AllAuthorized",
                "ReleaseShares",
                "AnnounceExpiry",
                "CollectionFailedOrExpired",
                "Expired",
            ],
        )
        .await;
    assert_shares(
        &journey,
        &ended,
        &[
            "WaitUntilDeadline",
            "ReconcileShare",
            "UseReconciledOutcome",
            "AuthorizedAtDeadline",
            "ShareUnpaid",
            "SendExpired",
        ],
        false,
    );
    assert_eq!(ended.output["settled"], json!({"status": "expired"}));
}
