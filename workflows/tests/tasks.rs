//! Task states: handlers by function name, lambda:invoke result shape,
//! errors, Retry/Catch, task tokens, timeouts and heartbeats.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use workflows::{ApiError, Engine, ExecutionStatus, HandlerError, HistoryEvent};

fn invoke(function: &str, next: Option<&str>) -> Value {
    let mut s = json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
    });
    match next {
        Some(n) => s["Next"] = n.into(),
        None => s["End"] = true.into(),
    }
    s
}

#[tokio::test]
async fn lambda_invoke_calls_the_handler_and_shapes_the_result() {
    let engine = Engine::builder()
        .handler("double", |v: Value| async move {
            Ok(json!({"n": v["n"].as_i64().unwrap() * 2}))
        })
        .start()
        .await
        .unwrap();
    let def = json!({"StartAt": "T", "States": {"T": invoke("arn:aws:lambda:us-east-1:123456789012:function:double", None)}});
    let sm = create(&engine, "double", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"{"n": 21}"#))
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    let out = output(&engine, &arn);
    assert_eq!(out["Payload"], json!({"n": 42}));
    assert_eq!(out["StatusCode"], json!(200));
    assert_eq!(out["ExecutedVersion"], json!("$LATEST"));
    assert_eq!(
        event_types(&engine, &arn),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let h = engine.get_execution_history(&arn).unwrap();
    let scheduled = h[2].to_aws_json();
    assert_eq!(
        scheduled["taskScheduledEventDetails"]["resourceType"],
        json!("lambda")
    );
    assert_eq!(
        scheduled["taskScheduledEventDetails"]["resource"],
        json!("invoke")
    );
    assert_eq!(h[2].previous_event_id, h[1].id);
}

#[tokio::test]
async fn plain_function_arn_records_lambda_function_events() {
    let engine = Engine::builder()
        .handler("echo", |v: Value| async move { Ok(v) })
        .start()
        .await
        .unwrap();
    let def = json!({"StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "End": true}}});
    let sm = create(&engine, "echo", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"{"a": 1}"#))
        .await
        .unwrap()
        .execution_arn;
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(output(&engine, &arn), json!({"a": 1}));
    let types = event_types(&engine, &arn);
    assert!(
        types.contains(&"LambdaFunctionScheduled".to_string()),
        "{types:?}"
    );
    assert!(
        types.contains(&"LambdaFunctionSucceeded".to_string()),
        "{types:?}"
    );
}

#[tokio::test]
async fn handler_errors_are_retried_then_caught_by_name() {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .handler("flaky", move |_v: Value| {
            c.fetch_add(1, Ordering::SeqCst);
            async { Err(HandlerError::new("PaymentDeclined", "card declined")) }
        })
        .start()
        .await
        .unwrap();
    let mut t = invoke("flaky", Some("Done"));
    t["Retry"] = json!([{"ErrorEquals": ["PaymentDeclined"], "IntervalSeconds": 60, "MaxAttempts": 2, "BackoffRate": 2}]);
    t["Catch"] = json!([{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failure", "Next": "Handled"}]);
    let def = json!({"StartAt": "T", "States": {
        "T": t, "Done": {"Type": "Succeed"}, "Handled": {"Type": "Pass", "End": true}}});
    let sm = create(&engine, "flaky", &def);
    let arn = engine
        .start_execution(&sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(60));
    tokio::time::sleep(Duration::from_millis(20)).await;
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(120));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    let out = output(&engine, &arn);
    assert_eq!(out["failure"]["Error"], json!("PaymentDeclined"));
    let cause: Value = serde_json::from_str(out["failure"]["Cause"].as_str().unwrap()).unwrap();
    assert_eq!(cause["errorMessage"], json!("card declined"));
    assert_eq!(cause["errorType"], json!("PaymentDeclined"));
}

#[tokio::test]
async fn unknown_function_fails_with_resource_not_found() {
    let engine = Engine::builder().start().await.unwrap();
    let sm = create(
        &engine,
        "nofn",
        &json!({"StartAt": "T", "States": {"T": invoke("missing", None)}}),
    );
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("Lambda.ResourceNotFoundException"));
}

/// A machine whose only step waits for a callback; the handler hands the
/// token to the test.
async fn token_machine(
    extra: Value,
) -> (
    Engine,
    Arc<workflows::VirtualClock>,
    String,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .handler("notify", move |v: Value| {
            tx.send(v["token"].as_str().unwrap().to_string()).unwrap();
            async { Ok(json!({"sent": true})) }
        })
        .start()
        .await
        .unwrap();
    let mut t = json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}}, "End": true});
    for (k, v) in extra.as_object().unwrap() {
        t[k] = v.clone();
    }
    let sm = create(
        &engine,
        "wait",
        &json!({"StartAt": "Wait", "States": {"Wait": t}}),
    );
    (engine, clock, sm, rx)
}

#[tokio::test]
async fn task_token_resumes_on_success_and_answers_as_aws() {
    let (engine, _clock, sm, mut rx) = token_machine(json!({})).await;
    let arn = engine
        .start_execution(&sm, Some("pay-1"), Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    let token = rx.recv().await.unwrap();
    assert!(token.len() >= 64, "tokens carry at least 256 random bits");
    assert!(matches!(
        engine.send_task_success("nope", "{}").await,
        Err(ApiError::InvalidToken(_))
    ));
    assert!(matches!(
        engine.send_task_success(&token, "not json").await,
        Err(ApiError::InvalidOutput(_))
    ));
    engine
        .send_task_success(&token, r#"{"paid": true}"#)
        .await
        .unwrap();
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Succeeded);
    assert_eq!(output(&engine, &arn), json!({"paid": true}));
    assert!(matches!(
        engine.send_task_success(&token, "{}").await,
        Err(ApiError::TaskTimedOut(_))
    ));
    let types = event_types(&engine, &arn);
    assert_eq!(
        types,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test]
async fn task_token_failure_fails_the_task() {
    let (engine, _clock, sm, mut rx) = token_machine(json!({})).await;
    let arn = engine
        .start_execution(&sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    let token = rx.recv().await.unwrap();
    engine
        .send_task_failure(&token, Some("Declined"), Some("insufficient funds"))
        .await
        .unwrap();
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("Declined"));
    assert_eq!(d.cause.as_deref(), Some("insufficient funds"));
}

#[tokio::test]
async fn task_timeout_fires_on_the_virtual_clock() {
    let (engine, clock, sm, mut rx) = token_machine(json!({"TimeoutSeconds": 604800})).await;
    let arn = engine
        .start_execution(&sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    let token = rx.recv().await.unwrap();
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(604_799));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        engine.describe_execution(&arn).unwrap().status,
        ExecutionStatus::Running
    );
    clock.advance(Duration::from_secs(1));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.status, ExecutionStatus::Failed);
    assert_eq!(d.error.as_deref(), Some("States.Timeout"));
    assert!(matches!(
        engine.send_task_success(&token, "{}").await,
        Err(ApiError::TaskTimedOut(_))
    ));
}

#[tokio::test]
async fn heartbeats_push_back_the_heartbeat_timeout() {
    let (engine, clock, sm, mut rx) = token_machine(json!({"HeartbeatSeconds": 60})).await;
    let arn = engine
        .start_execution(&sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn;
    let token = rx.recv().await.unwrap();
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(50));
    engine.send_task_heartbeat(&token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    clock.advance(Duration::from_secs(50));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(
        engine.describe_execution(&arn).unwrap().status,
        ExecutionStatus::Running
    );
    clock.advance(Duration::from_secs(11));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(d.error.as_deref(), Some("States.HeartbeatTimeout"));
    assert!(matches!(
        engine.send_task_heartbeat(&token).await,
        Err(ApiError::TaskTimedOut(_))
    ));
}

#[tokio::test]
async fn task_token_in_map_iterations_each_wait() {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = Engine::builder()
        .handler("invite", move |v: Value| {
            tx.send((
                v["member"].as_str().unwrap().to_string(),
                v["token"].as_str().unwrap().to_string(),
            ))
            .unwrap();
            async { Ok(Value::Null) }
        })
        .start()
        .await
        .unwrap();
    let def = json!({"StartAt": "Members", "States": {"Members": {
        "Type": "Map", "ItemsPath": "$.members", "End": true,
        "ItemProcessor": {"StartAt": "Pay", "States": {"Pay": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {"FunctionName": "invite", "Payload": {"member.$": "$", "token.$": "$$.Task.Token"}},
            "End": true}}}}}});
    let sm = create(&engine, "team", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"{"members": ["a", "b", "c"]}"#))
        .await
        .unwrap()
        .execution_arn;
    for _ in 0..3 {
        let (member, token) = rx.recv().await.unwrap();
        engine
            .send_task_success(&token, &json!({"paid": member}).to_string())
            .await
            .unwrap();
    }
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        output(&engine, &arn),
        json!([{"paid": "a"}, {"paid": "b"}, {"paid": "c"}])
    );
    // Each callback's event is linked into its own iteration: back along
    // previousEventId it reaches the task that handed out its token and the
    // iteration of the member who paid.
    let h = engine.get_execution_history(&arn).unwrap();
    let succeeded: Vec<&HistoryEvent> = h
        .iter()
        .filter(|e| e.event_type == "TaskSucceeded")
        .collect();
    assert_eq!(succeeded.len(), 3);
    for e in succeeded {
        let member: Value = serde_json::from_str(e.details["output"].as_str().unwrap()).unwrap();
        let member = member["paid"].as_str().unwrap();
        let back = chain(&h, e);
        let types: Vec<&str> = back.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types[..6],
            [
                "TaskSucceeded",
                "TaskSubmitted",
                "TaskStarted",
                "TaskScheduled",
                "TaskStateEntered",
                "MapIterationStarted"
            ]
        );
        let params: Value =
            serde_json::from_str(back[3].details["parameters"].as_str().unwrap()).unwrap();
        assert_eq!(params["Payload"]["member"], json!(member));
        let index = ["a", "b", "c"].iter().position(|m| *m == member).unwrap();
        assert_eq!(back[5].details["index"], json!(index));
    }
}

/// The events from `e` back along previousEventId links.
fn chain<'h>(h: &'h [HistoryEvent], e: &'h HistoryEvent) -> Vec<&'h HistoryEvent> {
    let mut out = vec![e];
    let mut prev = e.previous_event_id;
    while prev != 0 {
        let p = h.iter().find(|x| x.id == prev).unwrap();
        out.push(p);
        prev = p.previous_event_id;
    }
    out
}

/// The types of the events from the last of type `last` back along
/// previousEventId links, up to the state's entry.
fn task_chain(engine: &Engine, arn: &str, last: &str) -> Vec<String> {
    let h = engine.get_execution_history(arn).unwrap();
    let e = h.iter().rev().find(|e| e.event_type == last).unwrap();
    chain(&h, e)
        .iter()
        .map(|e| e.event_type.clone())
        .take_while(|t| t != "ExecutionStarted")
        .collect()
}

#[tokio::test]
async fn callback_outcomes_link_to_the_task_that_waited() {
    let expected = |last: &'static str| {
        [
            last,
            "TaskSubmitted",
            "TaskStarted",
            "TaskScheduled",
            "TaskStateEntered",
        ]
    };
    let (engine, _clock, sm, mut rx) = token_machine(json!({})).await;
    let arn = start(&engine, &sm).await;
    let token = rx.recv().await.unwrap();
    engine.send_task_success(&token, "{}").await.unwrap();
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        task_chain(&engine, &arn, "TaskSucceeded"),
        expected("TaskSucceeded")
    );

    let arn = start(&engine, &sm).await;
    let token = rx.recv().await.unwrap();
    engine
        .send_task_failure(&token, Some("Declined"), None)
        .await
        .unwrap();
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        task_chain(&engine, &arn, "TaskFailed"),
        expected("TaskFailed")
    );

    let (engine, clock, sm, mut rx) = token_machine(json!({"HeartbeatSeconds": 60})).await;
    let arn = start(&engine, &sm).await;
    rx.recv().await.unwrap();
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(61));
    engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        task_chain(&engine, &arn, "TaskTimedOut"),
        expected("TaskTimedOut")
    );
}

async fn start(engine: &Engine, sm: &str) -> String {
    engine
        .start_execution(sm, None, Some("{}"))
        .await
        .unwrap()
        .execution_arn
}

#[tokio::test]
async fn a_panicking_handler_fails_the_task() {
    let engine = Engine::builder()
        .handler("boom", |_v: Value| async {
            if true {
                panic!("bug in a step");
            }
            Ok(Value::Null)
        })
        .start()
        .await
        .unwrap();
    let sm = create(
        &engine,
        "boom",
        &json!({"StartAt": "T", "States": {"T": invoke("boom", None)}}),
    );
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.status, d.error.as_deref()),
        (ExecutionStatus::Failed, Some("Lambda.Unknown"))
    );
}

#[tokio::test]
async fn unknown_tokens_are_told_apart_from_malformed_ones() {
    let engine = Engine::builder().start().await.unwrap();
    let unknown = "0".repeat(64);
    assert_eq!(
        engine
            .send_task_success(&unknown, "{}")
            .await
            .unwrap_err()
            .code(),
        "TaskDoesNotExist"
    );
    assert_eq!(
        engine
            .send_task_heartbeat("not-a-token")
            .await
            .unwrap_err()
            .code(),
        "InvalidToken"
    );
}
