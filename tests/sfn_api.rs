//! The Step Functions-compatible endpoint of the local server (`/sfn`),
//! driven by aws-sdk-sfn: the production workflows adapter
//! (`campaigns_aws::StepFunctions`) starts executions and resumes a waiting
//! journey through it, and raw SDK calls list, describe, read histories,
//! stop and redrive.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::Credentials;
use aws_sdk_sfn::error::ProvideErrorMetadata;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use campaigns_aws::settings::{SCHEDULER_ROLE_ARN_VAR, STATE_MACHINE_ARN_PREFIX_VAR};
use campaigns_aws::{AwsSettings, StepFunctions};
use campaigns_ports::workflows::{WorkflowError, Workflows};
use campaigns_tests::Product;
use serde_json::{Value, json};

const PURCHASE: &str = "discount-purchase";

/// The SDK as a Lambda would have it, pointed at the local server.
async fn sdk(product: &Product) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(format!("{}/sfn", product.embedded.base_url))
        .http_client(campaigns_aws::https_client())
        .region(Region::new(workflows::REGION))
        .credentials_provider(Credentials::new("local", "local", None, None, "test"))
        .load()
        .await
}

fn settings() -> AwsSettings {
    AwsSettings::from_vars(|name| match name {
        STATE_MACHINE_ARN_PREFIX_VAR => Some(format!(
            "arn:aws:states:{}:{}:stateMachine:",
            workflows::REGION,
            workflows::ACCOUNT
        )),
        SCHEDULER_ROLE_ARN_VAR => Some(format!(
            "arn:aws:iam::{}:role/scheduler",
            workflows::ACCOUNT
        )),
        _ => None,
    })
    .expect("settings")
}

/// A discount purchase without coupon: its journey waits for the payment.
async fn waiting_purchase(product: &Product, email: &str) -> String {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": email, "firstName": "Ana", "lastName": "Silva", "productId": "full-6months"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    created["purchaseId"].as_str().expect("an id").to_owned()
}

fn execution_arn(machine: &str, name: &str) -> String {
    format!(
        "arn:aws:states:{}:{}:execution:{machine}:{name}",
        workflows::REGION,
        workflows::ACCOUNT
    )
}

/// The task token the journey's payment wait was scheduled with, read
/// from its history over the SDK (as an operator would find it).
async fn waiting_token(client: &Client, arn: &str) -> String {
    for _ in 0..200 {
        let history = client
            .get_execution_history()
            .execution_arn(arn)
            .send()
            .await
            .expect("a history");
        let submitted = history
            .events()
            .iter()
            .any(|event| event.r#type() == &HistoryEventType::TaskSubmitted);
        let scheduled = history
            .events()
            .iter()
            .filter_map(|event| event.task_scheduled_event_details())
            .find(|details| details.parameters().contains("taskToken"));
        if submitted && let Some(details) = scheduled {
            let parameters: Value =
                serde_json::from_str(details.parameters()).expect("parameters are JSON");
            return parameters["Payload"]["taskToken"]
                .as_str()
                .expect("a token")
                .to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{arn} never reached its payment wait");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_production_adapter_starts_and_resumes_local_journeys() {
    let product = Product::start().await;
    let sdk = sdk(&product).await;
    let client = Client::new(&sdk);
    let adapter = StepFunctions::new(&sdk, &settings());

    // A state machine of our own, created over the API.
    let definition = json!({
        "StartAt": "Hold",
        "States": {
            "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": {"held": true}, "End": true}
        }
    });
    let created = client
        .create_state_machine()
        .name("sfn-probe")
        .definition(definition.to_string())
        .role_arn(format!("arn:aws:iam::{}:role/probe", workflows::ACCOUNT))
        .send()
        .await
        .expect("created");
    assert!(
        created
            .state_machine_arn()
            .ends_with(":stateMachine:sfn-probe")
    );

    let arn = adapter
        .start("sfn-probe", "probe-1", &json!({"n": 1}))
        .await
        .expect("started through the adapter");
    assert_eq!(arn, execution_arn("sfn-probe", "probe-1"));
    let running = client
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("described");
    assert_eq!(running.status(), &ExecutionStatus::Running);
    assert_eq!(running.input(), Some(r#"{"n":1}"#));
    let started = running.start_date().secs();
    let now = product.embedded.time.now().timestamp();
    assert!(
        (started - now).abs() <= 1,
        "epoch seconds: {started} vs {now}"
    );

    product
        .eventually("the wait is armed", || async {
            product.clock.pending_timers() > 0
        })
        .await;
    product.advance(Duration::from_secs(3600));
    let done = product.finished("sfn-probe", "probe-1").await;
    assert_eq!(done.status, workflows::ExecutionStatus::Succeeded);

    // Started again after it ended, with the same input: the adapter finds
    // the same execution (ExecutionAlreadyExists, then DescribeExecution).
    let again = adapter
        .start("sfn-probe", "probe-1", &json!({"n": 1}))
        .await
        .expect("the same execution");
    assert_eq!(again, arn);
    let other = adapter
        .start("sfn-probe", "probe-1", &json!({"n": 2}))
        .await
        .expect_err("another input under the same name");
    assert!(
        matches!(other, WorkflowError::ExecutionAlreadyExists(_)),
        "{other:?}"
    );

    let history = client
        .get_execution_history()
        .execution_arn(&arn)
        .send()
        .await
        .expect("a history");
    let types: Vec<&str> = history
        .events()
        .iter()
        .map(|e| e.r#type().as_str())
        .collect();
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let last = history.events().last().expect("an end");
    assert_eq!(
        last.execution_succeeded_event_details()
            .and_then(|d| d.output()),
        Some(r#"{"held":true}"#)
    );
    assert_eq!(
        last.timestamp().secs() - history.events()[0].timestamp().secs(),
        3600
    );

    // A journey waiting for its payment, resumed through the adapter.
    let purchase = waiting_purchase(&product, "sfn@example.com").await;
    let journey = execution_arn(PURCHASE, &purchase);
    let token = waiting_token(&client, &journey).await;
    adapter
        .send_task_heartbeat(&token)
        .await
        .expect("a heartbeat for an open token");
    // What the webhook sends for the purchase's own payment: its session,
    // its price in AUD (anything else would be sent to review).
    let stored = product
        .record::<campaigns_contracts::records::DiscountPurchase>(&purchase)
        .await;
    let session = stored
        .stripe_checkout_session_id
        .expect("the purchase's session");
    adapter
        .send_task_success(
            &token,
            &json!({
                "result": "succeeded",
                "checkoutSessionId": session,
                "amount": stored.final_price,
                "currency": "aud",
                "eventId": "evt_sfn"
            }),
        )
        .await
        .expect("the wait is resumed");
    let finished = product.finished(PURCHASE, &purchase).await;
    assert_eq!(
        finished.status,
        workflows::ExecutionStatus::Succeeded,
        "{finished:?}"
    );
    let history = client
        .get_execution_history()
        .execution_arn(&journey)
        .send()
        .await
        .expect("a history");
    let resumed = history
        .events()
        .iter()
        .filter_map(|e| e.task_succeeded_event_details())
        .find(|d| d.resource() == "invoke.waitForTaskToken")
        .expect("the wait succeeded");
    assert!(resumed.output().unwrap_or("").contains(&session));

    // A closed token and a made-up one, as the adapter maps them.
    let closed = adapter
        .send_task_success(&token, &json!({}))
        .await
        .expect_err("the wait is over");
    assert!(matches!(closed, WorkflowError::TaskClosed), "{closed:?}");
    let bogus = adapter
        .send_task_failure("not-a-token", "E", "c")
        .await
        .expect_err("no such token");
    assert!(matches!(bogus, WorkflowError::InvalidToken), "{bogus:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_calls_list_describe_read_history_stop_and_redrive() {
    let product = Product::start().await;
    let client = Client::new(&sdk(&product).await);
    let machine_arn = workflows::state_machine_arn(PURCHASE);

    let machines = client.list_state_machines().send().await.expect("listed");
    assert!(
        machines
            .state_machines()
            .iter()
            .any(|m| m.name() == PURCHASE && m.state_machine_arn() == machine_arn)
    );
    let machine = client
        .describe_state_machine()
        .state_machine_arn(&machine_arn)
        .send()
        .await
        .expect("described");
    assert!(machine.definition().contains("WaitForPayment"));

    let first = waiting_purchase(&product, "first@example.com").await;
    let second = waiting_purchase(&product, "second@example.com").await;
    let running = client
        .list_executions()
        .state_machine_arn(&machine_arn)
        .status_filter(ExecutionStatus::Running)
        .send()
        .await
        .expect("listed");
    let mut names: Vec<&str> = running.executions().iter().map(|e| e.name()).collect();
    names.sort_unstable();
    let mut expected = vec![first.as_str(), second.as_str()];
    expected.sort_unstable();
    assert_eq!(names, expected);
    let paged = client
        .list_executions()
        .state_machine_arn(&machine_arn)
        .max_results(1)
        .send()
        .await
        .expect("a page");
    assert_eq!(paged.executions().len(), 1);
    let rest = client
        .list_executions()
        .state_machine_arn(&machine_arn)
        .max_results(1)
        .next_token(paged.next_token().expect("another page"))
        .send()
        .await
        .expect("the next page");
    assert_eq!(rest.executions().len(), 1);
    assert_ne!(rest.executions()[0].name(), paged.executions()[0].name());
    assert!(rest.next_token().is_none());

    let arn = execution_arn(PURCHASE, &first);
    waiting_token(&client, &arn).await;
    let stopped = client
        .stop_execution()
        .execution_arn(&arn)
        .error("Ops.Stopped")
        .cause("stopped by a test")
        .send()
        .await
        .expect("stopped");
    assert!(stopped.stop_date().secs() > 0);
    let described = client
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("described");
    assert_eq!(described.status(), &ExecutionStatus::Aborted);
    assert_eq!(described.error(), Some("Ops.Stopped"));
    assert_eq!(described.cause(), Some("stopped by a test"));
    assert!(described.stop_date().is_some());

    client
        .redrive_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("redriven");
    let redriven = client
        .describe_execution()
        .execution_arn(&arn)
        .send()
        .await
        .expect("described");
    assert_eq!(redriven.status(), &ExecutionStatus::Running);
    assert_eq!(redriven.redrive_count(), Some(1));
    let history = client
        .get_execution_history()
        .execution_arn(&arn)
        .reverse_order(true)
        .send()
        .await
        .expect("a history");
    let types: Vec<&HistoryEventType> = history.events().iter().map(|e| e.r#type()).collect();
    assert!(
        types.contains(&&HistoryEventType::ExecutionAborted),
        "{types:?}"
    );
    assert_eq!(
        types[0],
        &HistoryEventType::ExecutionRedriven,
        "newest first"
    );
    assert_eq!(types.last(), Some(&&HistoryEventType::ExecutionStarted));

    // Errors in AWS's shape.
    let missing = client
        .describe_execution()
        .execution_arn(execution_arn(PURCHASE, "nobody"))
        .send()
        .await
        .expect_err("no such execution");
    assert_eq!(missing.code(), Some("ExecutionDoesNotExist"));
    let not_redrivable = client
        .redrive_execution()
        .execution_arn(execution_arn(PURCHASE, &second))
        .send()
        .await
        .expect_err("running");
    assert_eq!(not_redrivable.code(), Some("ExecutionNotRedrivable"));

    let raw = |target: &str, body: Value| {
        product
            .http
            .post(format!("{}/sfn", product.embedded.base_url))
            .header("Content-Type", "application/x-amz-json-1.0")
            .header("X-Amz-Target", format!("AWSStepFunctions.{target}"))
            .body(body.to_string())
            .send()
    };
    let response = raw(
        "DescribeExecution",
        json!({"executionArn": "arn:aws:states:us-east-1:123456789012:execution:x:y"}),
    )
    .await
    .expect("answers");
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-amz-json-1.0"
    );
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["__type"], "ExecutionDoesNotExist");
    assert!(
        body["message"].as_str().is_some_and(|m| m.contains("x:y")),
        "{body}"
    );
    let response = raw("DeleteStateMachine", json!({})).await.expect("answers");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["__type"], "UnknownOperationException");
    let response = raw("StartExecution", json!({})).await.expect("answers");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["__type"], "ValidationException");
}
