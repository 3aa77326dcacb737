//! The rules of JSONPath-mode fields that read a value through a path
//! (`docs/conformance.md`, "Rules beyond the suite"), tested over classes of
//! values rather than single cases: for every number field, an integer, an
//! integral float, a fraction, a negative, zero, numbers given as strings, a
//! huge value, null, an object and a missing path; then ResultPath's
//! placement, Choice's paths, templates, context paths and variables.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::*;
use serde_json::{Value, json};
use workflows::{Engine, ExecutionStatus};

/// The classes of value a number field is read from (`None`: the path
/// selects nothing).
fn classes() -> Vec<(&'static str, Option<Value>)> {
    vec![
        ("integer", Some(json!(3))),
        ("integral float", Some(json!(3.0))),
        ("fraction", Some(json!(1.5))),
        ("negative", Some(json!(-1))),
        ("zero", Some(json!(0))),
        ("integer as string", Some(json!("3"))),
        ("fraction as string", Some(json!("1.5"))),
        ("huge", Some(json!(1e20))),
        ("null", Some(Value::Null)),
        ("object", Some(json!({}))),
        ("missing", None),
    ]
}

/// Runs `def` on an engine whose `echo` handler returns its input.
async fn run(def: &Value, input: &Value) -> (ExecutionStatus, Value) {
    let builder = Engine::builder().handler("echo", |v: Value| async move { Ok(v) });
    run_to_end(builder, def, input).await
}

/// A `States.Runtime` failure of the first state `S`, as AWS words it.
fn runtime(text: &str) -> Value {
    json!({"error": "States.Runtime",
        "cause": format!("An error occurred while executing the state 'S' (entered at the event id #2). {text}")})
}

const MISSING: &str = "Invalid path '$.v' : No results for path: $['v']";

/// What a field makes of a value: accepted, or the text of its refusal.
type Rule = fn(&str, &str) -> Option<String>;

/// `…Path` number fields whose refusal says the value "is not a valid
/// `kind`": the text for a value given as `shown`.
fn not_valid(field: &str, shown: &str, kind: &str) -> String {
    format!("The {field}Path field refers to value \"{shown}\" which is not a valid {kind}: $.v")
}

/// Checks one field over every class: `rule(class, shown)` is the refusal
/// text expected, `None` when the value is taken.
async fn check_field(
    field: &str,
    def: impl Fn(&str) -> Value,
    input: impl Fn(Value) -> Value,
    ok: impl Fn(&Value) -> Value,
    rule: Rule,
) {
    for (class, value) in classes() {
        let shown = match &value {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        };
        let mut doc = input(Value::Null);
        match &value {
            Some(v) => doc["v"] = v.clone(),
            None => {
                doc.as_object_mut().unwrap().remove("v");
            }
        }
        let (status, got) = run(&def("$.v"), &doc).await;
        let want = match rule(class, &shown) {
            None => (ExecutionStatus::Succeeded, ok(&doc)),
            Some(text) => (ExecutionStatus::Failed, runtime(&text)),
        };
        assert_eq!((status, got), want, "{field}Path given {class}");
    }
}

fn map(field: &str) -> impl Fn(&str) -> Value {
    let field = format!("{field}Path");
    move |path| {
        json!({"StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$.items", field.clone(): path,
            "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}})
    }
}

fn map_input(_: Value) -> Value {
    json!({"items": [1, 2], "v": null})
}

fn map_output(_: &Value) -> Value {
    json!([1, 2])
}

#[tokio::test]
async fn max_concurrency_path_takes_a_non_negative_number_and_cuts_its_fraction() {
    check_field(
        "MaxConcurrency",
        map("MaxConcurrency"),
        map_input,
        map_output,
        |class, shown| match class {
            "integer" | "integral float" | "fraction" | "zero" | "integer as string" | "huge" => {
                None
            }
            "negative" => {
                Some("Expected non-negative integer for MaxConcurrency, got '-1' instead.".into())
            }
            "missing" => Some(MISSING.into()),
            _ => Some(not_valid("MaxConcurrency", shown, "integer")),
        },
    )
    .await;
}

#[tokio::test]
async fn tolerated_failure_count_path_takes_a_non_negative_integer() {
    check_field(
        "ToleratedFailureCount",
        map("ToleratedFailureCount"),
        map_input,
        map_output,
        |class, shown| match class {
            "integer" | "zero" | "integer as string" => None,
            "negative" => Some("ToleratedFailureCount cannot be negative.".into()),
            "missing" => Some(MISSING.into()),
            _ => Some(not_valid("ToleratedFailureCount", shown, "integer")),
        },
    )
    .await;
}

#[tokio::test]
async fn tolerated_failure_percentage_path_takes_a_number_from_0_to_100() {
    check_field(
        "ToleratedFailurePercentage",
        map("ToleratedFailurePercentage"),
        map_input,
        map_output,
        |class, shown| match class {
            "integer" | "integral float" | "fraction" | "zero" | "integer as string" => None,
            "negative" | "huge" => {
                Some("ToleratedFailurePercentage must be between 0 and 100.".into())
            }
            "missing" => Some(MISSING.into()),
            _ => Some(not_valid("ToleratedFailurePercentage", shown, "float")),
        },
    )
    .await;
}

#[tokio::test]
async fn wait_seconds_path_takes_a_json_integer_of_zero_or_more() {
    let def = |path: &str| json!({"StartAt": "S", "States": {"S": {"Type": "Wait", "SecondsPath": path, "End": true}}});
    check_field(
        "Seconds",
        def,
        |_| json!({"v": null}),
        |doc| doc.clone(),
        |class, shown| match class {
            "integer" | "zero" => None,
            "negative" => {
                Some("The SecondsPath parameter references a negative value: $.v == -1".into())
            }
            "missing" => {
                Some("The SecondsPath parameter does not reference an input value: $.v".into())
            }
            _ => Some(format!(
                "The SecondsPath parameter cannot be parsed as a long value: $.v == {shown}"
            )),
        },
    )
    .await;
}

fn task(field: &'static str) -> impl Fn(&str) -> Value {
    move |path| {
        json!({"StartAt": "S", "States": {"S": {"Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", field: path, "End": true}}})
    }
}

fn positive(field: &str, class: &str, shown: &str) -> Option<String> {
    match class {
        "integer" | "integer as string" => None,
        "missing" => Some(MISSING.into()),
        _ => Some(not_valid(field, shown, "positive integer")),
    }
}

#[tokio::test]
async fn task_timeout_and_heartbeat_paths_take_a_positive_integer() {
    check_field(
        "TimeoutSeconds",
        task("TimeoutSecondsPath"),
        |_| json!({"v": null}),
        |doc| doc.clone(),
        |class, shown| positive("TimeoutSeconds", class, shown),
    )
    .await;
    check_field(
        "HeartbeatSeconds",
        task("HeartbeatSecondsPath"),
        |_| json!({"v": null}),
        |doc| doc.clone(),
        |class, shown| positive("HeartbeatSeconds", class, shown),
    )
    .await;
}

#[tokio::test]
async fn number_paths_read_the_context_object_and_variables() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"n": 2, "ts": "2026-01-01T00:00:05Z"}, "Next": "W"},
        "W": {"Type": "Wait", "SecondsPath": "$$.Execution.Input.s", "Next": "T"},
        "T": {"Type": "Wait", "TimestampPath": "$ts", "Next": "K"},
        "K": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
              "TimeoutSecondsPath": "$n", "HeartbeatSecondsPath": "$$.Execution.Input.s", "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$$.Execution.Input.items", "MaxConcurrencyPath": "$n",
              "ToleratedFailureCountPath": "$n", "ToleratedFailurePercentagePath": "$$.Execution.Input.s",
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}});
    let (status, out) = run(&def, &json!({"s": 1, "items": ["a", "b"]})).await;
    assert_eq!(
        (status, out),
        (ExecutionStatus::Succeeded, json!(["a", "b"]))
    );
}

#[tokio::test]
async fn result_path_creates_missing_objects_and_refuses_a_node_that_is_not_one() {
    let def = |path: &str| json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": 7, "ResultPath": path, "End": true}}});
    let cases = [
        ("$.a.b", json!({}), Ok(json!({"a": {"b": 7}}))),
        (
            "$.a.b",
            json!({"a": {"c": 1}}),
            Ok(json!({"a": {"c": 1, "b": 7}})),
        ),
        ("$.a", json!({"a": [1]}), Ok(json!({"a": 7}))),
        ("$", json!("text"), Ok(json!(7))),
        (
            "$.a.b",
            json!({"a": 1}),
            Err("Unable to apply ReferencePath $.a.b to input {\"a\":1}"),
        ),
        (
            "$.a.b",
            json!({"a": [1]}),
            Err("Unable to apply ReferencePath $.a.b to input {\"a\":[1]}"),
        ),
        (
            "$.a",
            json!("text"),
            Err("Unable to apply ReferencePath $.a to input \"text\""),
        ),
        (
            "$.a",
            json!([1, 2]),
            Err("Unable to apply ReferencePath $.a to input [1,2]"),
        ),
    ];
    for (path, input, want) in cases {
        let got = run(&def(path), &input).await;
        let want = match want {
            Ok(out) => (ExecutionStatus::Succeeded, out),
            Err(cause) => (
                ExecutionStatus::Failed,
                json!({"error": "States.ResultPathMatchFailure", "cause": cause}),
            ),
        };
        assert_eq!(got, want, "ResultPath {path} on {input}");
    }
}

#[tokio::test]
async fn a_catchers_result_path_follows_the_same_rule() {
    let def = json!({"StartAt": "S", "States": {
        "S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:missing",
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.a.e", "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}});
    let (status, out) = run(&def, &json!({"a": 1})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(out["error"], json!("States.ResultPathMatchFailure"));
    let (status, out) = run(&def, &json!({"a": {}})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(
        out["a"]["e"]["Error"],
        json!("Lambda.ResourceNotFoundException")
    );
}

#[tokio::test]
async fn choice_paths_must_select_a_value_and_compare_only_their_own_type() {
    let def = |rule: Value| {
        let mut rule = rule;
        rule["Next"] = json!("Yes");
        json!({"StartAt": "S", "States": {
            "S": {"Type": "Choice", "Choices": [rule], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": true},
            "No": {"Type": "Pass", "Result": "no", "End": true}}})
    };
    let input = json!({"n": 3, "s": "3", "t": "2026-01-01T00:00:00Z", "z": null});
    let cases = [
        (json!({"Variable": "$.n", "NumericEquals": 3}), Ok("yes")),
        (json!({"Variable": "$.s", "NumericEquals": 3}), Ok("no")),
        (json!({"Variable": "$.n", "StringEquals": "3"}), Ok("no")),
        (
            json!({"Variable": "$.n", "NumericEqualsPath": "$.s"}),
            Ok("no"),
        ),
        (
            json!({"Variable": "$.n", "NumericLessThanEqualsPath": "$$.Execution.Input.n"}),
            Ok("yes"),
        ),
        (
            json!({"Variable": "$.t", "TimestampEqualsPath": "$.t"}),
            Ok("yes"),
        ),
        (json!({"Variable": "$.z", "IsNull": true}), Ok("yes")),
        (json!({"Variable": "$.gone", "IsPresent": false}), Ok("yes")),
        (json!({"Variable": "$.gone", "IsNull": false}), Ok("yes")),
        (
            json!({"Variable": "$.gone", "NumericEquals": 3}),
            Err("Invalid path '$.gone' : No results for path: $['gone']"),
        ),
        (
            json!({"Variable": "$.n", "NumericEqualsPath": "$.gone"}),
            Err("Invalid path '$.gone' : No results for path: $['gone']"),
        ),
        (
            json!({"Variable": "$.gone", "StringMatches": "*"}),
            Err("Invalid path '$.gone' : No results for path: $['gone']"),
        ),
    ];
    for (rule, want) in cases {
        let got = run(&def(rule.clone()), &input).await;
        let want = match want {
            Ok(out) => (ExecutionStatus::Succeeded, json!(out)),
            Err(text) => (ExecutionStatus::Failed, runtime(text)),
        };
        assert_eq!(got, want, "{rule}");
    }
}

#[tokio::test]
async fn template_paths_fail_with_the_field_and_the_document_they_read() {
    let def = |params: Value| json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Parameters": params, "End": true}}});
    let input = json!({"a": 1, "n": [1, 2], "o": [{"k": 1}, {"k": 2}, 2]});
    let text = input.to_string();
    let missing = |path: &str| {
        format!(
            "The JSONPath '{path}' specified for the field 'x.$' could not be found in the input '{text}'"
        )
    };
    let cases = [
        (json!({"x.$": "$.a"}), Ok(json!({"x": 1}))),
        // `@` in a filter matches objects only, never a scalar.
        (json!({"x.$": "$.n[?(@ > 1)]"}), Ok(json!({"x": []}))),
        (
            json!({"x.$": "$.o[?(@.k > 1)]"}),
            Ok(json!({"x": [{"k": 2}]})),
        ),
        // Step Functions runs no JSONPath function: the path finds nothing.
        (json!({"x.$": "$.n.length()"}), Err(missing("$.n.length()"))),
        (json!({"x.$": "$.n.sum()"}), Err(missing("$.n.sum()"))),
        (json!({"x.$": "$$.Execution.Input.a"}), Ok(json!({"x": 1}))),
        (
            json!({"x": {"y.$": "$.a"}, "k": [1]}),
            Ok(json!({"x": {"y": 1}, "k": [1]})),
        ),
        (json!({"x.$": "$.b"}), Err(missing("$.b"))),
    ];
    for (params, want) in cases {
        let got = run(&def(params.clone()), &input).await;
        let want = match want {
            Ok(out) => (ExecutionStatus::Succeeded, out),
            Err(text) => (ExecutionStatus::Failed, runtime(&text)),
        };
        assert_eq!(got, want, "{params}");
    }
}

#[tokio::test]
async fn timestamp_path_takes_the_states_languages_rfc_3339_profile() {
    let def = json!({"StartAt": "S", "States": {"S": {"Type": "Wait", "TimestampPath": "$.v", "End": true}}});
    let refused = |shown: &str| {
        Some(format!(
            "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.v == {shown}"
        ))
    };
    let cases = [
        (Some(json!("2026-01-01T00:00:05Z")), None),
        (Some(json!("2026-01-01T00:00:05.250Z")), None),
        (Some(json!("2026-01-01T01:00:05+01:00")), None),
        (
            Some(json!("2026-01-01t00:00:05Z")),
            refused("2026-01-01t00:00:05Z"),
        ),
        (
            Some(json!("2026-01-01T00:00:05z")),
            refused("2026-01-01T00:00:05z"),
        ),
        (
            Some(json!("2026-01-01 00:00:05Z")),
            refused("2026-01-01 00:00:05Z"),
        ),
        (
            Some(json!("2026-01-01T00:00:05")),
            refused("2026-01-01T00:00:05"),
        ),
        (Some(json!(5)), refused("5")),
        (Some(Value::Null), refused("null")),
        (None, Some(MISSING.to_string())),
    ];
    for (value, want) in cases {
        let input = match &value {
            Some(v) => json!({"v": v}),
            None => json!({}),
        };
        let got = run(&def, &input).await;
        let want = match want {
            None => (ExecutionStatus::Succeeded, input.clone()),
            Some(text) => (ExecutionStatus::Failed, runtime(&text)),
        };
        assert_eq!(got, want, "TimestampPath given {value:?}");
    }
}

#[tokio::test]
async fn a_wait_until_a_timestamp_ends_at_its_whole_second() {
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    let def = json!({"StartAt": "S", "States": {
        "S": {"Type": "Wait", "TimestampPath": "$.at", "Next": "L"},
        "L": {"Type": "Wait", "Timestamp": "2026-01-01T00:00:09.999Z", "End": true}}});
    let sm = create(&engine, "m", &def);
    let arn = engine
        .start_execution(&sm, None, Some(r#"{"at": "2026-01-01T00:00:05.900Z"}"#))
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    clock.advance(std::time::Duration::from_secs(5));
    until_timer(&clock).await;
    clock.advance(std::time::Duration::from_secs(4));
    let done = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        engine.wait_for_completion(&arn),
    )
    .await
    .expect("both waits end at their whole second")
    .unwrap();
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let exits: Vec<_> = engine
        .get_execution_history(&arn)
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "WaitStateExited")
        .map(|e| e.timestamp)
        .collect();
    assert_eq!(
        exits,
        [
            t0() + chrono::Duration::seconds(5),
            t0() + chrono::Duration::seconds(9)
        ]
    );
}

/// The refusal of a one-state machine made of `state` (with `End`), or
/// `None` when it loads.
fn refusal(state: Value) -> Option<String> {
    let mut state = state;
    if state["Type"] != "Fail" {
        state["End"] = json!(true);
    }
    let def = json!({"StartAt": "S", "States": {"S": state}});
    workflows::load_definition(&def.to_string(), &Default::default())
        .err()
        .map(|e| e.to_string())
}

#[test]
fn literal_numbers_keep_to_their_ranges_and_exclude_their_path_forms() {
    let task = |extra: Value| {
        let mut t = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo"});
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        t
    };
    let map = |extra: Value| {
        let mut m = json!({"Type": "Map", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        m
    };
    let wait = |extra: Value| {
        let mut w = json!({"Type": "Wait"});
        w.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        w
    };
    let cases: Vec<(Value, Option<&str>)> = vec![
        (wait(json!({"Seconds": 0})), None),
        (wait(json!({"Seconds": 99999999})), None),
        (
            wait(json!({"Seconds": -1})),
            Some("Seconds must be an integer from 0 to 99999999, got -1"),
        ),
        (
            wait(json!({"Seconds": 1.5})),
            Some("Seconds must be an integer from 0 to 99999999, got 1.5"),
        ),
        (
            wait(json!({"Seconds": 100000000})),
            Some("Seconds must be an integer from 0 to 99999999, got 100000000"),
        ),
        (
            wait(json!({"Seconds": "5"})),
            Some("Seconds must be an integer from 0 to 99999999, got \"5\""),
        ),
        (
            wait(json!({"Seconds": 5, "SecondsPath": "$.s"})),
            Some("only one of Seconds, SecondsPath may be given"),
        ),
        (
            wait(json!({"SecondsPath": "$.s", "TimestampPath": "$.t"})),
            Some("only one of SecondsPath, TimestampPath may be given"),
        ),
        (task(json!({"TimeoutSeconds": 1})), None),
        (
            task(json!({"TimeoutSeconds": 0})),
            Some("TimeoutSeconds must be a positive integer, got 0"),
        ),
        (
            task(json!({"TimeoutSeconds": 2.5})),
            Some("TimeoutSeconds must be a positive integer, got 2.5"),
        ),
        (
            task(json!({"HeartbeatSeconds": -3})),
            Some("HeartbeatSeconds must be a positive integer, got -3"),
        ),
        (
            task(json!({"HeartbeatSeconds": 5, "TimeoutSeconds": 10})),
            None,
        ),
        (
            task(json!({"HeartbeatSeconds": 10, "TimeoutSeconds": 10})),
            Some("HeartbeatSeconds (10) must be smaller than TimeoutSeconds (10)"),
        ),
        (
            task(json!({"TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t"})),
            Some("only one of TimeoutSeconds, TimeoutSecondsPath may be given"),
        ),
        (
            task(json!({"HeartbeatSeconds": 5, "HeartbeatSecondsPath": "$.h"})),
            Some("only one of HeartbeatSeconds, HeartbeatSecondsPath may be given"),
        ),
        (
            map(
                json!({"MaxConcurrency": 0, "ToleratedFailureCount": 0, "ToleratedFailurePercentage": 0}),
            ),
            None,
        ),
        (map(json!({"ToleratedFailurePercentage": 99.5})), None),
        (
            map(json!({"MaxConcurrency": -1})),
            Some("MaxConcurrency must be a non-negative integer, got -1"),
        ),
        (
            map(json!({"MaxConcurrency": 1.5})),
            Some("MaxConcurrency must be a non-negative integer, got 1.5"),
        ),
        (
            map(json!({"ToleratedFailureCount": -1})),
            Some("ToleratedFailureCount must be a non-negative integer, got -1"),
        ),
        (
            map(json!({"ToleratedFailurePercentage": 100.5})),
            Some("ToleratedFailurePercentage must be a number from 0 to 100, got 100.5"),
        ),
        (
            map(json!({"MaxConcurrency": 1, "MaxConcurrencyPath": "$.m"})),
            Some("only one of MaxConcurrency, MaxConcurrencyPath may be given"),
        ),
        (
            map(json!({"ToleratedFailureCount": 1, "ToleratedFailureCountPath": "$.c"})),
            Some("only one of ToleratedFailureCount, ToleratedFailureCountPath may be given"),
        ),
        (
            map(json!({"ToleratedFailurePercentage": 1, "ToleratedFailurePercentagePath": "$.p"})),
            Some(
                "only one of ToleratedFailurePercentage, ToleratedFailurePercentagePath may be given",
            ),
        ),
        (
            json!({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}),
            Some("only one of Error, ErrorPath may be given"),
        ),
        (
            json!({"Type": "Fail", "Cause": "C", "CausePath": "$.c"}),
            Some("only one of Cause, CausePath may be given"),
        ),
        (
            json!({"Type": "Fail", "ErrorPath": "States.Format('E{}', $.n)", "CausePath": "States.ArrayGetItem($.c, 0)"}),
            None,
        ),
        (
            json!({"Type": "Fail", "ErrorPath": "States.MathAdd($.n, 1)"}),
            Some(
                "ErrorPath cannot call States.MathAdd: only States.Format, States.JsonToString, States.ArrayGetItem, States.Base64Encode, States.Base64Decode, States.Hash, States.UUID give its text",
            ),
        ),
        (
            json!({"Type": "Fail", "CausePath": "States.StringSplit($.c, ',')"}),
            Some("CausePath cannot call States.StringSplit: only"),
        ),
        (
            json!({"Type": "Pass", "ResultPath": "$$.Execution.x"}),
            Some("ResultPath '$$.Execution.x' must start with '$.'"),
        ),
        (
            json!({"Type": "Pass", "ResultPath": "$var.x"}),
            Some("ResultPath '$var.x' must start with '$.'"),
        ),
        (
            json!({"Type": "Pass", "ResultPath": "$.a[*]"}),
            Some("ResultPath '$.a[*]' must be a reference path"),
        ),
        (
            map(json!({"ItemBatcher": {"MaxItemsPerBatchPath": "$.n"}})),
            Some("ItemBatcher is not supported"),
        ),
    ];
    for (state, want) in cases {
        let got = refusal(state.clone());
        match want {
            None => assert_eq!(got, None, "{state}"),
            Some(text) => {
                let got = got.unwrap_or_else(|| panic!("{state} loaded"));
                assert!(
                    got.contains(&format!("state 'S': {text}")),
                    "{state}: {got}"
                );
            }
        }
    }
}

#[tokio::test]
async fn items_path_must_select_an_array() {
    let def = json!({"StartAt": "S", "States": {"S": {"Type": "Map", "ItemsPath": "$.v",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}});
    let not_array = |shown: &str| Err(format!("Map state input must be an array but was: {shown}"));
    let cases = [
        (Some(json!([1, "a"])), Ok(json!([1, "a"]))),
        (Some(json!([])), Ok(json!([]))),
        (Some(json!({"a": 1})), not_array("{\"a\":1}")),
        (Some(json!("text")), not_array("\"text\"")),
        (Some(json!(3)), not_array("3")),
        (Some(Value::Null), not_array("null")),
        (None, Err(MISSING.to_string())),
    ];
    for (value, want) in cases {
        let input = match &value {
            Some(v) => json!({"v": v}),
            None => json!({}),
        };
        let got = run(&def, &input).await;
        let want = match want {
            Ok(out) => (ExecutionStatus::Succeeded, out),
            Err(text) => (ExecutionStatus::Failed, runtime(&text)),
        };
        assert_eq!(got, want, "ItemsPath given {value:?}");
    }
}

/// ResultPath places the result in the raw input, whatever InputPath selected.
#[tokio::test]
async fn input_output_and_result_paths_take_null_and_the_context_object() {
    let pass = |fields: Value| {
        let mut s = json!({"Type": "Pass", "Result": {"r": 1}, "End": true});
        s.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        json!({"StartAt": "S", "States": {"S": s}})
    };
    let input = json!({"a": {"b": 2}});
    let cases = [
        (json!({}), json!({"r": 1})),
        (json!({"ResultPath": null}), json!({"a": {"b": 2}})),
        (json!({"ResultPath": "$"}), json!({"r": 1})),
        (
            json!({"ResultPath": "$.a.c"}),
            json!({"a": {"b": 2, "c": {"r": 1}}}),
        ),
        (json!({"OutputPath": null}), json!({})),
        (
            json!({"ResultPath": "$.x", "OutputPath": "$.a"}),
            json!({"b": 2}),
        ),
        (
            json!({"ResultPath": "$.x", "OutputPath": "$$.Execution.Input.a.b"}),
            json!(2),
        ),
        (
            json!({"InputPath": null, "Result": null, "ResultPath": "$.x"}),
            json!({"a": {"b": 2}, "x": null}),
        ),
        (
            json!({"InputPath": "$$.Execution.Input.a", "ResultPath": "$.x"}),
            json!({"a": {"b": 2}, "x": {"r": 1}}),
        ),
    ];
    for (fields, want) in cases {
        let got = run(&pass(fields.clone()), &input).await;
        assert_eq!(got, (ExecutionStatus::Succeeded, want), "{fields}");
    }
}

/// Runs `def` to its end on a virtual clock, so a wait of any length ends
/// at once.
async fn run_virtual(def: &Value, input: &Value) -> (ExecutionStatus, Value) {
    run_to_end_on_virtual_clock(Engine::builder(), def, input).await
}

/// The latest date the engine waits until: RFC 3339's last whole second.
const LATEST: &str = "9999-12-31T23:59:59.000Z";

/// SecondsPath takes a long (a JSON integer from 0 to 2^63-1, AWS being a
/// Java service): every long waits without overflow, one that ends past
/// the engine's latest date ends at it; an integer past a long, however
/// written, is not a long.
#[tokio::test]
async fn wait_seconds_path_takes_any_long_and_ends_an_enormous_wait_at_the_latest_date() {
    let def = json!({"StartAt": "W", "States": {
        "W": {"Type": "Wait", "SecondsPath": "$.v", "Next": "P"},
        "P": {"Type": "Pass", "Parameters": {"ended.$": "$$.State.EnteredTime"}, "End": true}}});
    let at = |secs: i64| {
        (t0() + chrono::Duration::seconds(secs))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    let to_latest = 253_402_300_799 - t0().timestamp();
    let not_long = |shown: &str| {
        Err(format!(
            "The SecondsPath parameter cannot be parsed as a long value: $.v == {shown}"
        ))
    };
    let cases: Vec<(Value, Result<String, String>)> = vec![
        (json!(99_999_999), Ok(at(99_999_999))),
        (json!(to_latest), Ok(LATEST.into())),
        (json!(to_latest + 1), Ok(LATEST.into())),
        (json!(i64::MAX), Ok(LATEST.into())),
        (
            json!(9_223_372_036_854_775_808_u64),
            not_long("9223372036854775808"),
        ),
        (json!(u64::MAX), not_long("18446744073709551615")),
        (json!(1e20), not_long(&json!(1e20).to_string())),
        (
            json!(i64::MIN),
            Err(format!(
                "The SecondsPath parameter references a negative value: $.v == {}",
                i64::MIN
            )),
        ),
    ];
    for (v, want) in cases {
        let got = run_virtual(&def, &json!({"v": v})).await;
        let want = match want {
            Ok(ended) => (ExecutionStatus::Succeeded, json!({"ended": ended})),
            Err(text) => (
                ExecutionStatus::Failed,
                json!({"error": "States.Runtime",
                    "cause": format!("An error occurred while executing the state 'W' (entered at the event id #2). {text}")}),
            ),
        };
        assert_eq!(got, want, "SecondsPath given {v}");
    }
}

/// A task's timeout and heartbeat read as a long of any size never
/// overflow; past a long they are refused as any other non-integer.
#[tokio::test]
async fn task_timeout_and_heartbeat_paths_take_a_long_of_any_size() {
    for field in ["TimeoutSeconds", "HeartbeatSeconds"] {
        let def = task(if field == "TimeoutSeconds" {
            "TimeoutSecondsPath"
        } else {
            "HeartbeatSecondsPath"
        });
        let input = json!({"v": i64::MAX});
        assert_eq!(
            run(&def("$.v"), &input).await,
            (ExecutionStatus::Succeeded, input),
            "{field}Path given 2^63-1"
        );
        let (status, out) = run(&def("$.v"), &json!({"v": u64::MAX})).await;
        assert_eq!(
            (status, out),
            (
                ExecutionStatus::Failed,
                runtime(&not_valid(
                    field,
                    "18446744073709551615",
                    "positive integer"
                ))
            ),
            "{field}Path given 2^64-1"
        );
    }
}

/// ResultPath is a reference path (S, "Reference Paths"): names and array
/// indexes. An index writes into an element that exists; one past the
/// end, a negative one, or one into what is not an array cannot be
/// applied, nor a name into what is not an object; no array is created.
#[tokio::test]
async fn result_path_writes_into_existing_array_elements_only() {
    let def = |path: &str| json!({"StartAt": "S", "States": {"S": {"Type": "Pass", "Result": 7, "ResultPath": path, "End": true}}});
    let doc = json!({"a": [{"b": 1}, 2], "m": [[1], [2, 3]], "e": [], "o": {"k": 1}});
    let with = |path: &str, v: Value| {
        let mut d = doc.clone();
        *d.pointer_mut(path).unwrap() = v;
        d
    };
    let cases: Vec<(&str, Value, Option<Value>)> = vec![
        // an existing element, first, last, nested, then a name in it
        ("$.a[0]", doc.clone(), Some(with("/a/0", json!(7)))),
        ("$.a[1]", doc.clone(), Some(with("/a/1", json!(7)))),
        ("$.m[1][0]", doc.clone(), Some(with("/m/1/0", json!(7)))),
        ("$.a[0].b", doc.clone(), Some(with("/a/0/b", json!(7)))),
        (
            "$.a[0]['c d']",
            doc.clone(),
            Some(with("/a/0", json!({"b": 1, "c d": 7}))),
        ),
        ("$['a'][1]", doc.clone(), Some(with("/a/1", json!(7)))),
        ("$[1]", json!([1, 2]), Some(json!([1, 7]))),
        // past the end, negative, an empty array
        ("$.a[2]", doc.clone(), None),
        ("$.a[-1]", doc.clone(), None),
        ("$.e[0]", doc.clone(), None),
        ("$[2]", json!([1, 2]), None),
        // an index into what is not an array: object, number, missing, text
        ("$.o[0]", doc.clone(), None),
        ("$.a[1][0]", doc.clone(), None),
        ("$.missing[0]", doc.clone(), None),
        ("$[0]", json!("text"), None),
        // a name into an element that is not an object
        ("$.a[1].b", doc.clone(), None),
        ("$.m[0].b", doc.clone(), None),
    ];
    for (path, input, want) in cases {
        let got = run(&def(path), &input).await;
        let want = match want {
            Some(out) => (ExecutionStatus::Succeeded, out),
            None => (
                ExecutionStatus::Failed,
                json!({"error": "States.ResultPathMatchFailure",
                    "cause": format!("Unable to apply ReferencePath {path} to input {input}")}),
            ),
        };
        assert_eq!(got, want, "ResultPath {path} on {input}");
    }
}

#[tokio::test]
async fn a_catchers_result_path_takes_array_indexes_too() {
    let def = json!({"StartAt": "S", "States": {
        "S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:missing",
              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.errors[1]", "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}});
    let (status, out) = run(&def, &json!({"errors": [0, null]})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(out["errors"][0], json!(0));
    assert_eq!(
        out["errors"][1]["Error"],
        json!("Lambda.ResourceNotFoundException")
    );
    let (status, out) = run(&def, &json!({"errors": [0]})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(
        out,
        json!({"error": "States.ResultPathMatchFailure",
            "cause": "Unable to apply ReferencePath $.errors[1] to input {\"errors\":[0]}"})
    );
}

/// A machine's TimeoutSeconds is a positive integer (S); any such value
/// loads, however large, and one too large to represent never overflows.
#[tokio::test]
async fn a_machines_timeout_seconds_is_a_positive_integer() {
    let def = |t: Value| json!({"TimeoutSeconds": t, "StartAt": "S", "States": {"S": {"Type": "Pass", "End": true}}});
    let load = |t: Value| {
        workflows::load_definition(&def(t).to_string(), &Default::default())
            .err()
            .map(|e| e.to_string())
    };
    for t in [
        json!(1),
        json!(99_999_999),
        json!(i64::MAX),
        json!(u64::MAX),
    ] {
        assert_eq!(load(t.clone()), None, "TimeoutSeconds {t}");
    }
    for t in [
        json!(0),
        json!(-1),
        json!(1.5),
        json!("3"),
        Value::Null,
        json!({}),
    ] {
        let got = load(t.clone()).unwrap_or_else(|| panic!("TimeoutSeconds {t} loaded"));
        assert!(
            got.contains(&format!(
                "TimeoutSeconds must be a positive integer, got {t}"
            )),
            "{got}"
        );
    }
    let input = json!({"a": 1});
    assert_eq!(
        run(&def(json!(u64::MAX)), &input).await,
        (ExecutionStatus::Succeeded, input)
    );
}

/// What is not a reference path is refused at load: wildcards, slices,
/// unions, filters, deep scans and functions (S: `@ , : ?` are out).
#[test]
fn result_path_refuses_what_is_not_a_reference_path() {
    for path in ["$.a[0]", "$[3].b", "$.a[-1]", "$['a'][0]['b']"] {
        assert_eq!(
            refusal(json!({"Type": "Pass", "ResultPath": path})),
            None,
            "{path}"
        );
    }
    for path in [
        "$.a[*]",
        "$.a.*",
        "$.a[0:2]",
        "$.a[0,1]",
        "$.a[?(@.x == 1)]",
        "$..a",
        "$.a.length()",
    ] {
        let got = refusal(json!({"Type": "Pass", "ResultPath": path}))
            .unwrap_or_else(|| panic!("{path} loaded"));
        assert!(
            got.contains(&format!("ResultPath '{path}' must be a reference path")),
            "{path}: {got}"
        );
        let catcher = json!({"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": path, "Next": "S"}]});
        assert!(refusal(catcher).is_some(), "a catcher's {path} loaded");
    }
}
