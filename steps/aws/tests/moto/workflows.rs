//! Executions started by name and task tokens refused, on moto's Step
//! Functions in its execution mode (the mode that checks task tokens).

use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::types::ExecutionStatus;
use campaigns_aws::StepFunctions;
use campaigns_ports::workflows::{WorkflowError, Workflows};
use serde_json::json;

use crate::common::{ACCOUNT, moto_url, sdk_config, settings, unique};

/// Makes moto run executions (and so know their task tokens).
async fn execute_state_machines() {
    reqwest::Client::new()
        .post(format!("{}/moto-api/config", moto_url()))
        .json(&json!({"stepfunctions": {"execute_state_machine": true}}))
        .send()
        .await
        .expect("moto config")
        .error_for_status()
        .expect("moto config");
}

/// Step Functions itself accepts a repeated start only while the first
/// runs; the port promises it after the end too.
async fn wait_until_ended(client: &Client, arn: &str) {
    for _ in 0..50 {
        let execution = client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .expect("describe");
        if execution.status != ExecutionStatus::Running {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{arn} still running after 5 s");
}

#[tokio::test]
async fn executions_start_once_per_name_and_bogus_tokens_are_refused() {
    execute_state_machines().await;
    let sdk = sdk_config().await;
    let settings = settings();
    let name = unique("journey-");
    let definition = json!({
        "StartAt": "Done",
        "States": {"Done": {"Type": "Pass", "End": true}},
    });
    let client = Client::new(&sdk);
    client
        .create_state_machine()
        .name(&name)
        .definition(definition.to_string())
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/journeys"))
        .send()
        .await
        .expect("state machine");
    let workflows = StepFunctions::new(&sdk, &settings);
    let input = json!({"teamId": "team_1", "members": 3});

    let arn = workflows
        .start(&name, "team_1", &input)
        .await
        .expect("start");
    assert_eq!(
        arn,
        format!("arn:aws:states:us-east-1:{ACCOUNT}:execution:{name}:team_1")
    );
    wait_until_ended(&client, &arn).await;
    assert_eq!(
        workflows.start(&name, "team_1", &input).await,
        Ok(arn),
        "the same start again is the same execution"
    );
    assert_eq!(
        workflows
            .start(&name, "team_1", &json!({"teamId": "team_2"}))
            .await,
        Err(WorkflowError::ExecutionAlreadyExists("team_1".into()))
    );
    assert_eq!(
        workflows.start("no-such-journey", "team_1", &input).await,
        Err(WorkflowError::StateMachineDoesNotExist(
            "no-such-journey".into()
        ))
    );

    let bogus = "not-a-task-token";
    assert_eq!(
        workflows
            .send_task_failure(bogus, "Payment.Failed", "card declined")
            .await,
        Err(WorkflowError::InvalidToken)
    );
    assert_eq!(
        workflows.send_task_success(bogus, &json!({})).await,
        Err(WorkflowError::InvalidToken)
    );
    assert_eq!(
        workflows.send_task_heartbeat(bogus).await,
        Err(WorkflowError::InvalidToken)
    );
}
