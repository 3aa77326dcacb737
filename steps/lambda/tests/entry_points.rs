//! The `bootstrap` binary as Lambda runs it: a real process polling a local
//! Runtime API, serving API Gateway proxy events and journey steps.

mod runtime_api;

use std::time::Duration;

use runtime_api::{Outcome, RuntimeApi, function_env as env, proxy_event};
use serde_json::{Value, json};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_bootstrap");

#[tokio::test]
async fn an_api_function_serves_its_routes_through_api_gateway_events() {
    let mut api = RuntimeApi::start().await;
    let _function = api.spawn(BOOTSTRAP, &env("scholarship-handler"));
    let calculate = r#"{"householdIncome": 18000, "householdSize": 3, "country": "Egypt", "employmentStatus": "unemployed", "refugeeOrAsylumSeeker": false}"#;

    api.invoke(proxy_event("POST", "/scholarships/calculate", calculate));
    let (_, outcome) = api.outcome(Duration::from_secs(20)).await;
    let Outcome::Response(response) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(response["statusCode"], 200, "{response}");
    assert_eq!(
        response["headers"]["access-control-allow-origin"],
        "https://campaigns.prodenthub.com.au"
    );
    let body: Value =
        serde_json::from_str(response["body"].as_str().expect("a body")).expect("JSON");
    // 6 000 per person (40) + lower-middle income (20) + unemployed (15) + no score yet (5) = 80 → capped at 75.
    assert_eq!(body["percentage"], 75, "{body}");

    api.invoke(proxy_event(
        "POST",
        "/scholarships/calculate",
        r#"{"householdSize": 0}"#,
    ));
    let (_, outcome) = api.outcome(Duration::from_secs(10)).await;
    let Outcome::Response(response) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(response["statusCode"], 400);
    let body: Value =
        serde_json::from_str(response["body"].as_str().expect("a body")).expect("JSON");
    assert_eq!(body["error"]["code"], "VALIDATION_FAILED");

    // A route of another function is not served here.
    api.invoke(proxy_event("POST", "/coupons/validate", "{}"));
    let (_, outcome) = api.outcome(Duration::from_secs(10)).await;
    let Outcome::Response(response) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(response["statusCode"], 404);
}

#[tokio::test]
async fn a_step_function_reports_errors_under_the_names_state_machines_match() {
    let mut api = RuntimeApi::start().await;
    let _function = api.spawn(BOOTSTRAP, &env("campaigns-send-email"));
    api.invoke(json!({"template": "no_such_template", "recordId": "pur_1"}));
    let (_, outcome) = api.outcome(Duration::from_secs(20)).await;
    match outcome {
        Outcome::Error(error_type, message) => {
            assert_eq!(error_type, "Step.InvalidInput");
            assert!(message.contains("no_such_template"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_handler_fails_at_init() {
    let api = RuntimeApi::start().await;
    let mut function = api.spawn(BOOTSTRAP, &env("no-such-function"));
    let status = tokio::task::spawn_blocking(move || function.child.wait().expect("waits"))
        .await
        .expect("joins");
    assert!(!status.success(), "a misnamed function must not start");
    assert_eq!(api.first_poll(), None, "it never asked for an event");
}
