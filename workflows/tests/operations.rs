//! Operations with AWS's names and errors: start (idempotent by name),
//! describe, list, history, stop, redrive; definitions and placeholders;
//! the machine's TimeoutSeconds and Wait on the virtual clock.

mod common;

use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use workflows::{ApiError, Engine, ExecutionStatus, HandlerError};

fn wait_machine(seconds: u64) -> Value {
    json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "Next": "Done"}, "Done": {"Type": "Succeed"}}})
}

#[tokio::test]
async fn start_is_idempotent_by_name_and_input_while_running() {
    let clock = virtual_clock();
    let engine = engine_with(Engine::builder().clock(clock.clone())).await;
    let sm = create(&engine, "w", &wait_machine(60));
    let a = engine
        .start_execution(&sm, Some("run-1"), Some(r#"{"x":1}"#))
        .await
        .unwrap();
    let b = engine
        .start_execution(&sm, Some("run-1"), Some(r#"{"x":1}"#))
        .await
        .unwrap();
    assert_eq!(a.execution_arn, b.execution_arn);
    assert!(a.execution_arn.ends_with(":execution:w:run-1"));
    let err = engine
        .start_execution(&sm, Some("run-1"), Some(r#"{"x":2}"#))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ExecutionAlreadyExists");
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(60));
    engine.wait_for_completion(&a.execution_arn).await.unwrap();
    let err = engine
        .start_execution(&sm, Some("run-1"), Some(r#"{"x":1}"#))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::ExecutionAlreadyExists(_)));
}

#[tokio::test]
async fn describe_list_and_missing_resources() {
    let engine = engine_with(Engine::builder()).await;
    let sm = create(
        &engine,
        "p",
        &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    let arn = engine
        .start_execution(&sm, Some("one"), Some(r#"{"a":1}"#))
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.name.as_str(), d.status),
        ("one", ExecutionStatus::Succeeded)
    );
    assert_eq!(d.output.as_deref(), Some(r#"{"a":1}"#));
    assert!(d.stop_date.is_some());
    let listed = engine
        .list_executions(&sm, Some(ExecutionStatus::Succeeded))
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        engine
            .list_executions(&sm, Some(ExecutionStatus::Running))
            .unwrap()
            .is_empty()
    );
    let missing = workflows::state_machine_arn("nope");
    assert_eq!(
        engine
            .start_execution(&missing, None, None)
            .await
            .unwrap_err()
            .code(),
        "StateMachineDoesNotExist"
    );
    assert_eq!(
        engine.describe_execution("arn:nope").unwrap_err().code(),
        "ExecutionDoesNotExist"
    );
    assert_eq!(
        engine.get_execution_history("arn:nope").unwrap_err().code(),
        "ExecutionDoesNotExist"
    );
    let history: Vec<Value> = engine
        .get_execution_history(&arn)
        .unwrap()
        .iter()
        .map(|e| e.to_aws_json())
        .collect();
    assert_eq!(history[0]["type"], json!("ExecutionStarted"));
    assert_eq!(history[0]["id"], json!(1));
    assert_eq!(history[1]["stateEnteredEventDetails"]["name"], json!("P"));
    assert_eq!(
        history.last().unwrap()["executionSucceededEventDetails"]["output"],
        json!(r#"{"a":1}"#)
    );
}

#[tokio::test]
async fn definitions_are_checked_and_placeholders_filled() {
    let engine =
        engine_with(Engine::builder().handler("charge", |_v: Value| async { Ok(json!("ok")) }))
            .await;
    // A JSONPath field in a JSONata state is refused, as AWS refuses it.
    let jsonata = r#"{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","ResultPath":"$.x","End":true}}}"#;
    let err = engine
        .create_state_machine("j", jsonata, &BTreeMap::new())
        .unwrap_err();
    assert_eq!(err.code(), "InvalidDefinition");
    assert!(
        err.to_string()
            .contains("the field 'ResultPath' is not supported in a JSONata state"),
        "{err}"
    );
    let bad_next = r#"{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Q"}}}"#;
    let err = engine
        .create_state_machine("b", bad_next, &BTreeMap::new())
        .unwrap_err();
    assert!(err.to_string().contains("state 'P'"), "{err}");
    let templ = r#"{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
        "Parameters":{"FunctionName":"${ChargeFunctionArn}","Payload":{}},"OutputPath":"$.Payload","End":true}}}"#;
    assert_eq!(
        engine
            .create_state_machine("t", templ, &BTreeMap::new())
            .unwrap_err()
            .code(),
        "InvalidDefinition"
    );
    let mut values = BTreeMap::new();
    values.insert(
        "ChargeFunctionArn".to_string(),
        "arn:aws:lambda:ap-southeast-2:123456789012:function:charge".to_string(),
    );
    let sm = engine.create_state_machine("t", templ, &values).unwrap();
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(output(&engine, &arn), json!("ok"));
}

#[tokio::test]
async fn a_seven_day_wait_takes_no_real_time() {
    let clock = virtual_clock();
    let engine = engine_with(Engine::builder().clock(clock.clone())).await;
    let sm = create(&engine, "week", &wait_machine(7 * 24 * 3600));
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(7 * 24 * 3600 - 1));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        engine.describe_execution(&arn).unwrap().status,
        ExecutionStatus::Running
    );
    clock.advance(Duration::from_secs(1));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(
        d.stop_date.unwrap() - d.start_date,
        chrono::Duration::days(7)
    );
}

#[tokio::test]
async fn machine_timeout_ends_the_execution_timed_out() {
    let clock = virtual_clock();
    let engine = engine_with(Engine::builder().clock(clock.clone())).await;
    let mut def = wait_machine(3600);
    def["TimeoutSeconds"] = json!(60);
    let sm = create(&engine, "slow", &def);
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(60));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::TimedOut);
    assert_eq!(
        event_types(&engine, &arn).last().unwrap(),
        "ExecutionTimedOut"
    );
}

#[tokio::test]
async fn stop_aborts_a_running_execution() {
    let clock = virtual_clock();
    let engine = engine_with(Engine::builder().clock(clock.clone())).await;
    let sm = create(&engine, "stop", &wait_machine(3600));
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    engine
        .stop_execution(&arn, Some("Cancelled"), Some("by operator"))
        .await
        .unwrap();
    let d = engine.describe_execution(&arn).unwrap();
    assert_eq!(
        (d.status, d.error.as_deref()),
        (ExecutionStatus::Aborted, Some("Cancelled"))
    );
    clock.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        engine.describe_execution(&arn).unwrap().status,
        ExecutionStatus::Aborted
    );
    assert_eq!(
        event_types(&engine, &arn).last().unwrap(),
        "ExecutionAborted"
    );
}

#[tokio::test]
async fn redrive_reruns_the_failed_step_only() {
    let first = Arc::new(AtomicU32::new(0));
    let second = Arc::new(AtomicU32::new(0));
    let (f, s) = (first.clone(), second.clone());
    let engine = engine_with(
        Engine::builder()
            .handler("first", move |_v: Value| {
                f.fetch_add(1, Ordering::SeqCst);
                async { Ok(json!(1)) }
            })
            .handler("second", move |_v: Value| {
                let n = s.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        Err(HandlerError::new("Outage", "down"))
                    } else {
                        Ok(json!(2))
                    }
                }
            }),
    )
    .await;
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:first", "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:second", "ResultPath": "$.b", "End": true}}});
    let sm = create(&engine, "redrive", &def);
    let arn = engine
        .start_execution(&sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.status, d.error.as_deref()),
        (ExecutionStatus::Failed, Some("Outage"))
    );
    assert_eq!(
        engine
            .redrive_execution("arn:nope")
            .await
            .unwrap_err()
            .code(),
        "ExecutionDoesNotExist"
    );
    engine.redrive_execution(&arn).await.unwrap();
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!((d.status, d.redrive_count), (ExecutionStatus::Succeeded, 1));
    assert_eq!(output(&engine, &arn), json!({"a": 1, "b": 2}));
    assert_eq!(
        first.load(Ordering::SeqCst),
        1,
        "steps that succeeded are not run again"
    );
    assert_eq!(second.load(Ordering::SeqCst), 2);
    assert!(event_types(&engine, &arn).contains(&"ExecutionRedriven".to_string()));
    assert_eq!(
        engine.redrive_execution(&arn).await.unwrap_err().code(),
        "ExecutionNotRedrivable"
    );
}

#[tokio::test]
async fn variables_are_scoped_into_map_iterations() {
    let engine = engine_with(Engine::builder()).await;
    let def = json!({"StartAt": "Set", "States": {
        "Set": {"Type": "Pass", "Assign": {"greeting": "hi"}, "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$.names", "ItemProcessor": {"StartAt": "G", "States": {
            "G": {"Type": "Pass", "Parameters": {"msg.$": "States.Format('{} {}', $greeting, $)"}, "Assign": {"inner": 1}, "End": true}}},
            "Next": "After"},
        "After": {"Type": "Pass", "Parameters": {"greeting.$": "$greeting", "results.$": "$"}, "End": true}}});
    let sm = create(&engine, "vars", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"{"names": ["ann", "bo"]}"#))
        .await
        .unwrap()
        .execution_arn;
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        output(&engine, &arn),
        json!({"greeting": "hi", "results": [{"msg": "hi ann"}, {"msg": "hi bo"}]})
    );
}

#[tokio::test]
async fn redrive_of_a_map_reruns_only_the_failed_iteration() {
    let calls = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let c = calls.clone();
    let engine = engine_with(Engine::builder().handler("charge", move |v: Value| {
        let member = v.as_str().unwrap().to_string();
        let mut seen = c.lock().unwrap();
        let first = !seen.contains(&member);
        seen.push(member.clone());
        async move {
            if member == "b" && first {
                Err(HandlerError::new("Declined", "card declined"))
            } else {
                Ok(json!(member))
            }
        }
    }))
    .await;
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 1, "End": true,
        "ItemProcessor": {"StartAt": "C", "States": {"C": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge", "End": true}}}}}});
    let sm = create(&engine, "mapredrive", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"["a", "b", "c"]"#))
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.status, d.error.as_deref()),
        (ExecutionStatus::Failed, Some("Declined"))
    );
    engine.redrive_execution(&arn).await.unwrap();
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(output(&engine, &arn), json!(["a", "b", "c"]));
    assert_eq!(
        *calls.lock().unwrap(),
        ["a", "b", "b", "c"],
        "a ran once, b again, c after the redrive"
    );
}
