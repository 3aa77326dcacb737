//! JSONata states beyond the conformance corpus, from the rules AWS
//! documents: `Arguments` and `Output` around a Task, `$states.result` and
//! `$states.errorOutput`, Catch's `Output` and `Assign`, Retry, Parallel's
//! `Arguments`, Map's `ItemSelector` and expression-valued numbers, Choice
//! and Fail fields, Wait `Seconds`, and `States.QueryEvaluationError`.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use workflows::{Engine, EngineBuilder, ExecutionStatus, HandlerError};

/// Runs a definition on an engine (with `builder`'s handlers); returns
/// status and output (or `{error, cause}`).
async fn run_with(builder: EngineBuilder, def: Value, input: Value) -> (ExecutionStatus, Value) {
    run_to_end_on_virtual_clock(builder, &def, &input).await
}

async fn run(def: Value, input: Value) -> (ExecutionStatus, Value) {
    run_with(Engine::builder(), def, input).await
}

fn jsonata(states: Value) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": states})
}

fn doubler() -> EngineBuilder {
    Engine::builder().handler("double", |v: Value| async move {
        Ok(json!({"doubled": v["n"].as_i64().unwrap_or(0) * 2}))
    })
}

const DOUBLE: &str = "arn:aws:lambda:us-east-1:123456789012:function:double";

#[tokio::test]
async fn task_arguments_and_output_read_input_result_and_variables() {
    let def = jsonata(json!({
        "S": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "T"},
        "T": {"Type": "Task", "Resource": DOUBLE,
              "Arguments": {"n": "{% $states.input.value + 1 %}"},
              "Assign": {"last": "{% $states.result.doubled %}"},
              "Output": {"total": "{% $states.result.doubled * $factor %}",
                         "was": "{% $states.input.value %}",
                         "task": "{% $states.context.State.Name %}"},
              "Next": "U"},
        "U": {"Type": "Pass", "Output": "{% $last %}", "End": true}}));
    let (status, out) = run_with(doubler(), def.clone(), json!({"value": 4})).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out, json!(10));
    // Without Output, a Task's output is its result (no ResultPath merge).
    let mut plain = def;
    plain["States"]["T"]
        .as_object_mut()
        .unwrap()
        .remove("Output");
    plain["States"]["U"] = json!({"Type": "Pass", "End": true});
    let (_, out) = run_with(doubler(), plain, json!({"value": 4})).await;
    assert_eq!(out, json!({"doubled": 10}));
}

#[tokio::test]
async fn lambda_invoke_takes_its_function_and_payload_from_arguments() {
    let def = jsonata(json!({
        "S": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Arguments": {"FunctionName": DOUBLE, "Payload": {"n": "{% $states.input.n %}"}},
              "Output": "{% $states.result.Payload %}", "End": true}}));
    let (_, out) = run_with(doubler(), def, json!({"n": 21})).await;
    assert_eq!(out, json!({"doubled": 42}));
}

#[tokio::test]
async fn catch_output_and_assign_see_the_error_output_and_the_state_input() {
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    let builder = Engine::builder().handler("flaky", move |_v: Value| {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Err(HandlerError::new("Flaky", "always")) }
    });
    let def = jsonata(json!({
        "S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
              "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 2, "IntervalSeconds": 1}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled",
                         "Assign": {"failedWith": "{% $states.errorOutput.Error %}"},
                         "Output": {"order": "{% $states.input.order %}",
                                    "error": "{% $states.errorOutput.Error %}"}}],
              "End": true},
        "Handled": {"Type": "Pass", "Output": "{% $merge([$states.input, {'var': $failedWith}]) %}", "End": true}}));
    let (status, out) = run_with(builder, def, json!({"order": 7})).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
    assert_eq!(out, json!({"order": 7, "error": "Flaky", "var": "Flaky"}));
    assert_eq!(calls.load(Ordering::SeqCst), 3, "one call and two retries");
}

#[tokio::test]
async fn a_catch_without_output_passes_the_error_output_on() {
    let def = jsonata(json!({
        "S": {"Type": "Parallel", "Branches": [
                {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "{% 'because ' & $states.input.why %}"}}}],
              "Arguments": {"why": "{% $states.input.reason %}"},
              "Catch": [{"ErrorEquals": ["Boom"], "Next": "Done"}], "End": true},
        "Done": {"Type": "Succeed"}}));
    let (_, out) = run(def, json!({"reason": "tests"})).await;
    assert_eq!(out, json!({"Error": "Boom", "Cause": "because tests"}));
}

#[tokio::test]
async fn query_evaluation_errors_can_be_caught() {
    let def = jsonata(json!({
        "S": {"Type": "Pass", "Output": "{% $number('x') %}",
              "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}));
    let (status, out) = run(def, json!({})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(out["Error"], json!("States.QueryEvaluationError"));
    assert_eq!(
        out["Cause"],
        json!(
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$number('x')' specified for the field 'Output' threw an error during evaluation. D3030: Unable to cast value to a number: \"x\""
        )
    );
}

#[tokio::test]
async fn parallel_arguments_feed_every_branch_and_output_reads_the_result() {
    let branch = |k: &str| json!({"StartAt": "B", "States": {"B": {"Type": "Pass", "Output": format!("{{% $states.input.{k} %}}"), "End": true}}});
    let def = jsonata(json!({
        "S": {"Type": "Parallel", "Branches": [branch("a"), branch("b")],
              "Arguments": {"a": "{% $states.input.x %}", "b": "{% $states.input.x * 2 %}"},
              "Output": "{% $sum($states.result) %}", "End": true}}));
    let (_, out) = run(def, json!({"x": 5})).await;
    assert_eq!(out, json!(15));
}

#[tokio::test]
async fn map_fields_are_expressions() {
    let def = jsonata(json!({
        "S": {"Type": "Map", "Items": "{% $states.input.rows %}",
              "MaxConcurrency": "{% $states.input.limit %}",
              "ToleratedFailureCount": "{% 0 %}",
              "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}",
                               "index": "{% $states.context.Map.Item.Index %}"},
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass",
                  "Output": "{% $states.input.value * 10 + $states.input.index %}", "End": true}}},
              "End": true}}));
    let (_, out) = run(def.clone(), json!({"rows": [1, 2, 3], "limit": 2})).await;
    assert_eq!(out, json!([10, 21, 32]));
    let (status, out) = run(def, json!({"rows": [1], "limit": "two"})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(out["error"], json!("States.QueryEvaluationError"));
    assert!(
        out["cause"]
            .as_str()
            .unwrap()
            .ends_with("The JSONata expression '$states.input.limit' specified for the field 'MaxConcurrency' returned an unexpected result type. Expected 'integer', but was 'string' for value: \"two\""),
        "{out}"
    );
}

#[tokio::test]
async fn choice_takes_its_rules_output_or_the_states_for_the_default() {
    let def = jsonata(json!({
        "S": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.n > 10 %}", "Output": {"size": "big"}, "Next": "Done"}],
              "Default": "Done", "Output": {"size": "{% 'small:' & $states.input.n %}"}},
        "Done": {"Type": "Succeed"}}));
    assert_eq!(
        run(def.clone(), json!({"n": 11})).await.1,
        json!({"size": "big"})
    );
    assert_eq!(
        run(def, json!({"n": 3})).await.1,
        json!({"size": "small:3"})
    );
    let not_boolean = jsonata(json!({
        "S": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "Done"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}));
    let (_, out) = run(not_boolean, json!({"n": 3})).await;
    assert_eq!(out["error"], json!("States.QueryEvaluationError"));
}

#[tokio::test]
async fn wait_seconds_and_fail_fields_are_expressions() {
    let def = jsonata(json!({
        "S": {"Type": "Wait", "Seconds": "{% $states.input.delay %}", "Next": "F"},
        "F": {"Type": "Fail", "Error": "{% $states.input.kind %}", "Cause": "{% 'waited ' & $states.input.delay %}"}}));
    let (status, out) = run(def.clone(), json!({"delay": 5, "kind": "Late"})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(out, json!({"error": "Late", "cause": "waited 5"}));
    let (_, out) = run(def, json!({"delay": -1, "kind": "Late"})).await;
    assert_eq!(out["error"], json!("States.QueryEvaluationError"));
}

#[tokio::test]
async fn the_result_is_only_there_for_states_that_have_one() {
    let def =
        jsonata(json!({"S": {"Type": "Pass", "Output": "{% $states.result %}", "End": true}}));
    let (_, out) = run(def, json!({"a": 1})).await;
    assert_eq!(
        out["cause"],
        json!(
            "An error occurred while executing the state 'S' (entered at the event id #2). The JSONata expression '$states.result' specified for the field 'Output' returned nothing (undefined)."
        )
    );
}

#[tokio::test]
async fn step_functions_functions() {
    let def = jsonata(json!({"S": {"Type": "Pass", "Output": {
        "parts": "{% $partition([1, 2, 3, 4, 5], 2) %}",
        "range": "{% $range(0, 10, 5) %}",
        "hash": "{% $hash('input data', 'SHA-256') %}",
        "seeded": "{% $random(7) = $random(7) and $random(7) < 1 %}",
        "uuid": "{% $length($uuid()) %}",
        "parsed": "{% $parse('{\"a\": [1]}') %}",
        "now": "{% $now() = $states.context.State.EnteredTime %}"}, "End": true}}));
    let (_, out) = run(def, json!({})).await;
    assert_eq!(
        out,
        json!({"parts": [[1, 2], [3, 4], [5]], "range": [0, 5, 10],
               "hash": "b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3",
               "seeded": true, "uuid": 36, "parsed": {"a": [1]}, "now": true})
    );
}
