//! State semantics beyond the conformance corpus: error names and which
//! retriers and catchers match them, Parallel and Map failure handling,
//! data limits, Retry back-off caps.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod common;

use common::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use workflows::{Engine, ExecutionStatus, HandlerError};

/// Runs a definition on an engine without handlers.
async fn run(def: Value, input: Value) -> (ExecutionStatus, Value) {
    run_to_end(Engine::builder(), &def, &input).await
}

fn fail(error: &str) -> Value {
    json!({"Type": "Fail", "Error": error, "Cause": format!("{error} happened")})
}

#[tokio::test]
async fn parallel_failure_is_caught_into_result_path() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": true}}},
            {"StartAt": "Bad", "States": {"Bad": fail("Boom")}}],
            "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "End": true}}});
    let (status, out) = run(def, json!({"x": 1})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(
        out,
        json!({"x": 1, "error": {"Error": "Boom", "Cause": "Boom happened"}})
    );
}

#[tokio::test]
async fn map_tolerates_failures_up_to_its_threshold() {
    let map = |tolerated: u32| {
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ToleratedFailureCount": tolerated, "End": true,
            "ItemProcessor": {"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "F"}], "Default": "P"},
                "F": fail("TooBig"), "P": {"Type": "Pass", "End": true}}}}}})
    };
    let (status, out) = run(map(1), json!([1, 2, 1])).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
    assert_eq!(
        out,
        json!([1, {"Error": "TooBig", "Cause": "TooBig happened"}, 1])
    );
    let (status, out) = run(map(1), json!([2, 2, 1])).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(
        out["error"],
        json!("States.ExceedToleratedFailureThreshold")
    );
}

#[tokio::test]
async fn runtime_errors_are_not_caught_even_by_states_all() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "X", "States": {
            "X": {"Type": "Pass", "InputPath": "$.missing", "End": true}}}],
            "Retry": [{"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}], "End": true},
        "Caught": {"Type": "Succeed"}}});
    let (status, out) = run(def, json!({})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(out["error"], json!("States.Runtime"));
    assert!(
        out["cause"]
            .as_str()
            .unwrap()
            .contains("state 'X' (entered at the event id #"),
        "{out}"
    );
}

#[tokio::test]
async fn intrinsic_failures_are_catchable() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"x.$": "States.ArrayGetItem($.a, 5)"}, "End": true}}});
    let (status, out) = run(def.clone(), json!({"a": [1]})).await;
    assert_eq!(
        (status, &out["error"]),
        (ExecutionStatus::Failed, &json!("States.IntrinsicFailure"))
    );
    let (status, out) = run(json!({"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "I", "States": {"I": def["States"]["P"]}}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "Done"}], "End": true},
        "Done": {"Type": "Pass", "OutputPath": "$.e.Error", "End": true}}}), json!({"a": []}))
    .await;
    assert_eq!(
        (status, out),
        (ExecutionStatus::Succeeded, json!("States.IntrinsicFailure"))
    );
}

#[tokio::test]
async fn base64_decode_refuses_what_step_functions_refuses() {
    let def = json!({"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"x.$": "States.Base64Decode($.s)"}, "End": true}}});
    for (text, decoded) in [("YWJj", "abc"), ("YWI=", "ab"), ("YWI", "ab")] {
        let (status, out) = run(def.clone(), json!({ "s": text })).await;
        assert_eq!(
            (status, out),
            (ExecutionStatus::Succeeded, json!({"x": decoded}))
        );
    }
    for bad in ["YWI==", "Y", "YW Jj", "YWJj\n", "-_-_", "YQ==YQ==", "/w=="] {
        let (status, out) = run(def.clone(), json!({ "s": bad })).await;
        assert_eq!(status, ExecutionStatus::Failed, "{bad:?}");
        assert_eq!(out["error"], json!("States.IntrinsicFailure"), "{bad:?}");
        let cause = out["cause"].as_str().unwrap();
        assert!(
            cause.starts_with("The function 'States.Base64Decode' "),
            "{cause}"
        );
    }
}

#[tokio::test]
async fn results_over_256_kib_fail_with_data_limit_exceeded() {
    let big = "x".repeat(300 * 1024);
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"big": big}, "End": true}}});
    let (status, out) = run(def, json!({})).await;
    assert_eq!(
        (status, &out["error"]),
        (ExecutionStatus::Failed, &json!("States.DataLimitExceeded"))
    );
}

#[tokio::test]
async fn choice_without_match_or_default_fails() {
    let def = json!({"StartAt": "C", "States": {"C": {"Type": "Choice",
        "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "D"}]}, "D": {"Type": "Succeed"}}});
    let (status, out) = run(def, json!({"n": 2})).await;
    assert_eq!(
        (status, &out["error"]),
        (ExecutionStatus::Failed, &json!("States.NoChoiceMatched"))
    );
}

#[tokio::test]
async fn fail_state_reads_error_and_cause_through_paths_and_intrinsics() {
    let def = json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.code",
        "CausePath": "States.Format('member {} declined', $.member)"}}});
    let (_, out) = run(def, json!({"code": "Declined", "member": "ann"})).await;
    assert_eq!(
        out,
        json!({"error": "Declined", "cause": "member ann declined"})
    );
}

#[tokio::test]
async fn paths_select_with_filters_slices_and_selectors() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel",
        "Parameters": {"paid.$": "$.members[?(@.paid == true)].name", "firstTwo.$": "$.members[:2].name"},
        "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}],
        "ResultSelector": {"branch.$": "$[0]"}, "ResultPath": "$.result", "OutputPath": "$.result.branch", "End": true}}});
    let input = json!({"members": [{"name": "a", "paid": true}, {"name": "b", "paid": false}, {"name": "c", "paid": true}]});
    let (_, out) = run(def, input).await;
    assert_eq!(out, json!({"paid": ["a", "c"], "firstTwo": ["a", "b"]}));
}

#[tokio::test]
async fn retry_back_off_grows_and_is_capped_by_max_delay() {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let clock = virtual_clock();
    let engine = Engine::builder()
        .clock(clock.clone())
        .handler("f", move |_v: Value| {
            let n = c.fetch_add(1, Ordering::SeqCst);
            async move {
                if n < 2 {
                    Err(HandlerError::new("Busy", "later"))
                } else {
                    Ok(json!("ok"))
                }
            }
        })
        .start()
        .await
        .unwrap();
    let def = json!({"StartAt": "T", "States": {"T": {"Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": true,
        "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 10, "BackoffRate": 10, "MaxDelaySeconds": 15, "MaxAttempts": 5}]}}});
    let sm = create(&engine, "retry", &def);
    let arn = engine
        .start_execution(&sm, None, None)
        .await
        .unwrap()
        .execution_arn;
    until_timer(&clock).await;
    clock.advance(Duration::from_secs(9));
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    clock.advance(Duration::from_secs(1));
    until_timer(&clock).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    clock.advance(Duration::from_secs(14)); // 100 s capped to 15 s
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    clock.advance(Duration::from_secs(1));
    let d = engine.wait_for_completion(&arn).await.unwrap();
    assert_eq!(
        (d.status, calls.load(Ordering::SeqCst)),
        (ExecutionStatus::Succeeded, 3)
    );
}

/// The cause of a failed run, after AWS's state prefix.
fn cause_of(out: &Value) -> String {
    let c = out["cause"].as_str().unwrap_or_default();
    c.split_once("). ").map_or(c, |(_, rest)| rest).to_string()
}

#[tokio::test]
async fn map_numbers_read_through_paths_take_what_aws_takes() {
    let map = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items",
        "MaxConcurrencyPath": "$.m", "ToleratedFailureCountPath": "$.c", "ToleratedFailurePercentagePath": "$.p",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}}});
    let run_with = |m: Value, c: Value, p: Value| {
        let def = map.clone();
        async move { run(def, json!({"items": [1, 2], "m": m, "c": c, "p": p})).await }
    };
    // An integer given as a string is an integer; MaxConcurrency cuts a fraction.
    for (m, c, p) in [
        (json!("2"), json!("1"), json!("50")),
        (json!(1.7), json!(0), json!(12.5)),
    ] {
        let (status, out) = run_with(m, c, p).await;
        assert_eq!(status, ExecutionStatus::Succeeded, "{out}");
        assert_eq!(out, json!([1, 2]));
    }
    for (m, c, p, cause) in [
        (
            json!(-1),
            json!(0),
            json!(0),
            "Expected non-negative integer for MaxConcurrency, got '-1' instead.",
        ),
        (
            json!("x"),
            json!(0),
            json!(0),
            "The MaxConcurrencyPath field refers to value \"x\" which is not a valid integer: $.m",
        ),
        (
            json!(1),
            json!(1.5),
            json!(0),
            "The ToleratedFailureCountPath field refers to value \"1.5\" which is not a valid integer: $.c",
        ),
        (
            json!(1),
            json!("-2"),
            json!(0),
            "ToleratedFailureCount cannot be negative.",
        ),
        (
            json!(1),
            json!(0),
            json!("50.5"),
            "The ToleratedFailurePercentagePath field refers to value \"50.5\" which is not a valid float: $.p",
        ),
        (
            json!(1),
            json!(0),
            json!(100.5),
            "ToleratedFailurePercentage must be between 0 and 100.",
        ),
    ] {
        let (status, out) = run_with(m, c, p).await;
        assert_eq!(status, ExecutionStatus::Failed);
        assert_eq!(out["error"], json!("States.Runtime"));
        assert_eq!(cause_of(&out), cause);
    }
}

#[tokio::test]
async fn wait_seconds_path_takes_a_non_negative_integer_only() {
    let def = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": true}}});
    for (input, cause) in [
        (
            json!({}),
            "The SecondsPath parameter does not reference an input value: $.s",
        ),
        (
            json!({"s": 1.5}),
            "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5",
        ),
        (
            json!({"s": "5"}),
            "The SecondsPath parameter cannot be parsed as a long value: $.s == 5",
        ),
        (
            json!({"s": -3}),
            "The SecondsPath parameter references a negative value: $.s == -3",
        ),
    ] {
        let (status, out) = run(def.clone(), input).await;
        assert_eq!(status, ExecutionStatus::Failed);
        assert_eq!(out["error"], json!("States.Runtime"));
        assert_eq!(cause_of(&out), cause);
    }
    let (status, _) = run(def, json!({"s": 0})).await;
    assert_eq!(status, ExecutionStatus::Succeeded);
}

#[tokio::test]
async fn path_fields_read_variables() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "W", "Assign": {"wait": 0, "items": [1, 2], "n": "1",
              "v": {"k": "val"}, "err": "MyErr", "ts": "2016-03-14T01:59:00Z"}},
        "W": {"Type": "Wait", "SecondsPath": "$wait", "Next": "T"},
        "T": {"Type": "Wait", "TimestampPath": "$ts", "Next": "M"},
        "M": {"Type": "Map", "ItemsPath": "$items", "MaxConcurrencyPath": "$n", "ResultPath": "$.mapped",
              "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.mapped[1]", "NumericEqualsPath": "$items[1]", "Next": "I"}]},
        "I": {"Type": "Pass", "InputPath": "$v", "OutputPath": "$v.k", "Next": "F"},
        "F": {"Type": "Fail", "ErrorPath": "$err", "CausePath": "$v.k"}}});
    let (status, out) = run(def, json!({})).await;
    assert_eq!(status, ExecutionStatus::Failed);
    assert_eq!(out, json!({"error": "MyErr", "cause": "val"}));
}

/// Whether a definition loads: `None`, or its refusal's text.
fn load(def: &Value) -> Option<String> {
    workflows::load_definition(&def.to_string(), &Default::default())
        .err()
        .map(|e| e.to_string())
}

/// A one-state machine whose Pass state `S` assigns `assign`.
fn assigning(assign: Value, lang: &str) -> Value {
    json!({"QueryLanguage": lang, "StartAt": "S",
        "States": {"S": {"Type": "Pass", "Assign": assign, "End": true}}})
}

/// A variable's name is a Unicode identifier (XID_Start, then
/// XID_Continue) of at most 80 characters, not the reserved `states`; in a
/// JSONPath state a `.$` ending marks a path, not part of the name.
#[test]
fn variable_names_are_unicode_identifiers_of_80_characters_at_most() {
    let longest = "v".repeat(80);
    let too_long = "v".repeat(81);
    let valid = [
        "x",
        "x1",
        "camelCase",
        "snake_case",
        "é",
        "日本",
        "Ωmega",
        &longest,
    ];
    let invalid = [
        ("1x", "'1x' is not a valid variable name"),
        ("_x", "'_x' is not a valid variable name"),
        ("a-b", "'a-b' is not a valid variable name"),
        ("a b", "'a b' is not a valid variable name"),
        ("a.b", "'a.b' is not a valid variable name"),
        ("", "'' is not a valid variable name"),
        ("$x", "'$x' is not a valid variable name"),
        ("states", "the variable name 'states' is reserved"),
    ];
    for lang in ["JSONPath", "JSONata"] {
        for name in valid {
            assert_eq!(
                load(&assigning(json!({name: 1}), lang)),
                None,
                "{lang} {name}"
            );
        }
        for (name, why) in invalid {
            let got = load(&assigning(json!({name: 1}), lang))
                .unwrap_or_else(|| panic!("{lang}: '{name}' loaded"));
            assert!(
                got.contains(&format!("state 'S': {why}")),
                "{lang} {name}: {got}"
            );
        }
    }
    let got = load(&assigning(json!({too_long.as_str(): 1}), "JSONPath")).unwrap();
    assert!(
        got.contains(&format!(
            "state 'S': the variable name '{too_long}' is longer than 80 characters"
        )),
        "{got}"
    );
    // `x.$` names `x` in JSONPath; in JSONata it is the whole, invalid name.
    assert_eq!(load(&assigning(json!({"x.$": "$.a"}), "JSONPath")), None);
    assert!(load(&assigning(json!({"x.$": "$.a"}), "JSONata")).is_some());
    assert!(load(&assigning(json!({"states.$": "$.a"}), "JSONPath")).is_some());
    // A catcher's Assign, and a state in a Map processor or Parallel branch.
    let catcher = json!({"StartAt": "S", "States": {
        "S": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
              "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"1st": 1}, "Next": "D"}], "End": true},
        "D": {"Type": "Succeed"}}});
    assert!(
        load(&catcher)
            .unwrap()
            .contains("'1st' is not a valid variable name")
    );
    let rule = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Default": "D",
              "Choices": [{"Variable": "$.a", "IsPresent": true, "Assign": {"a-b": 1}, "Next": "D"}]},
        "D": {"Type": "Succeed"}}});
    let got = load(&rule).unwrap();
    assert!(
        got.contains("state 'C': 'a-b' is not a valid variable name"),
        "{got}"
    );
    let nested = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
            "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": {"states": 1}, "End": true}}}]}}}}}});
    let got = load(&nested).unwrap();
    assert!(
        got.contains("processor of 'M': state 'P': branch 0 of 'P': state 'B': the variable name 'states' is reserved"),
        "{got}"
    );
}

/// A Map processor or Parallel branch may not assign a variable that an
/// enclosing scope assigns (a state's or a catcher's `Assign` there); it
/// may read it, and sibling scopes may assign the same name.
#[test]
fn an_inner_scope_may_not_assign_an_outer_scopes_variable() {
    let branch = |assign: Value| json!({"StartAt": "B", "States": {"B": {"Type": "Pass", "Assign": assign, "End": true}}});
    let parallel = |outer: Value, branches: Vec<Value>| {
        json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Assign": outer, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": branches, "End": true}}})
    };
    let map = |outer: Value, inner: Value| {
        json!({"StartAt": "M", "States": {"M": {"Type": "Map", "Assign": outer, "End": true,
            "ItemProcessor": branch(inner)}}})
    };
    let refused = "state 'B': the variable 'x' is assigned in an enclosing scope";
    let cases = [
        (
            parallel(json!({"x": 1}), vec![branch(json!({"x": 2}))]),
            Some(refused),
        ),
        (
            parallel(json!({"x": 1}), vec![branch(json!({"x.$": "$x"}))]),
            Some(refused),
        ),
        (map(json!({"x": 1}), json!({"x": 2})), Some(refused)),
        // a Choice rule's Assign belongs to its scope too
        (
            parallel(
                json!({"x": 0}),
                vec![json!({"StartAt": "C", "States": {
                    "C": {"Type": "Choice", "Default": "B", "Choices": [{"Variable": "$.a",
                          "IsPresent": true, "Assign": {"x": 1}, "Next": "B"}]},
                    "B": {"Type": "Succeed"}}})],
            ),
            Some("state 'C': the variable 'x' is assigned in an enclosing scope"),
        ),
        // reading the outer variable, or assigning another name, is fine
        (
            parallel(json!({"x": 1}), vec![branch(json!({"y.$": "$x"}))]),
            None,
        ),
        (map(json!({"x": 1}), json!({"y": 2})), None),
        // sibling branches are separate scopes
        (
            parallel(
                json!({}),
                vec![branch(json!({"x": 1})), branch(json!({"x": 2}))],
            ),
            None,
        ),
    ];
    for (def, want) in cases {
        match want {
            None => assert_eq!(load(&def), None, "{def}"),
            Some(text) => {
                let got = load(&def).unwrap_or_else(|| panic!("{def} loaded"));
                assert!(got.contains(text), "{def}: {got}");
            }
        }
    }
    // An outer variable assigned only by a catcher, two scopes out.
    let def = json!({"StartAt": "M", "States": {"M": {"Type": "Map", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"x": 1}, "Next": "D"}],
        "ItemProcessor": {"StartAt": "N", "States": {"N": {"Type": "Map", "End": true,
            "ItemProcessor": branch(json!({"x": 2}))}}}},
        "D": {"Type": "Succeed"}}});
    let got = load(&def).unwrap();
    assert!(
        got.contains("processor of 'M': state 'N': processor of 'N': state 'B': the variable 'x' is assigned in an enclosing scope"),
        "{got}"
    );
}

/// `States.DataLimitExceeded` for a variable over 256 KiB, an `Assign` over
/// 256 KiB in all, and an execution's variables over 10 MiB; each limit
/// holds a value of exactly its size. Sizes are of the values' JSON text.
#[tokio::test]
async fn variable_sizes_are_limited_per_variable_assign_and_execution() {
    const KIB: usize = 1024;
    // A string of `n` bytes of JSON (its quotes included).
    let text = |n: usize| Value::String("x".repeat(n - 2));
    let limit = |what: &str, size: usize, max: usize| {
        json!({"error": "States.DataLimitExceeded",
            "cause": format!("{what} {size} bytes, over the limit of {max} bytes.")})
    };
    for lang in ["JSONPath", "JSONata"] {
        let (status, _) = run(assigning(json!({"v": text(256 * KIB)}), lang), json!({})).await;
        assert_eq!(
            status,
            ExecutionStatus::Succeeded,
            "{lang}: a variable of 256 KiB"
        );
        let got = run(
            assigning(json!({"v": text(256 * KIB + 1)}), lang),
            json!({}),
        )
        .await;
        let want = limit("The variable 'v' would hold", 256 * KIB + 1, 256 * KIB);
        assert_eq!(got, (ExecutionStatus::Failed, want), "{lang}: one variable");
        let halves = json!({"a": text(128 * KIB), "b": text(128 * KIB)});
        let (status, _) = run(assigning(halves, lang), json!({})).await;
        assert_eq!(
            status,
            ExecutionStatus::Succeeded,
            "{lang}: an Assign of 256 KiB"
        );
        let over = json!({"a": text(128 * KIB), "b": text(128 * KIB + 1)});
        let got = run(assigning(over, lang), json!({})).await;
        let want = limit("The Assign field would assign", 256 * KIB + 1, 256 * KIB);
        assert_eq!(got, (ExecutionStatus::Failed, want), "{lang}: one Assign");
    }
    // 40 variables of 256 KiB are the execution's 10 MiB; a 41st is over,
    // while assigning one of them again replaces its bytes.
    let chain = |names: Vec<String>| {
        let mut states = serde_json::Map::new();
        states.insert(
            "S0".into(),
            json!({"Type": "Pass", "Assign": {"v0": text(256 * KIB)}, "Next": "S1"}),
        );
        let n = names.len();
        for (i, name) in names.into_iter().enumerate() {
            let mut st = json!({"Type": "Pass", "Assign": {format!("{name}.$"): "$v0"}});
            if i + 1 == n {
                st["End"] = json!(true);
            } else {
                st["Next"] = json!(format!("S{}", i + 2));
            }
            states.insert(format!("S{}", i + 1), st);
        }
        json!({"StartAt": "S0", "States": states})
    };
    let distinct = |n: usize| (1..=n).map(|i| format!("v{i}")).collect::<Vec<_>>();
    let (status, _) = run(chain(distinct(39)), json!({})).await;
    assert_eq!(
        status,
        ExecutionStatus::Succeeded,
        "40 variables of 256 KiB"
    );
    let (status, out) = run(chain(distinct(40)), json!({})).await;
    assert_eq!(
        (status, out),
        (
            ExecutionStatus::Failed,
            limit(
                "The execution's variables would hold",
                41 * 256 * KIB,
                10 * 1024 * KIB
            )
        )
    );
    let again = (1..=45).map(|i| format!("v{}", i % 5)).collect();
    let (status, _) = run(chain(again), json!({})).await;
    assert_eq!(status, ExecutionStatus::Succeeded, "reassigned variables");
}
