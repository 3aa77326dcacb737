//! The packages' binaries as Lambda runs them: real processes polling a
//! local Runtime API, serving API Gateway proxy events and journey steps,
//! each function from the package it is deployed with.

mod runtime_api;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::IntoResponse;

use campaigns_lambda::{Function, PACKAGES};
use runtime_api::{Outcome, RuntimeApi, function_env as env, invalid_event, proxy_event, rejected};
use serde_json::{Value, json};

/// The binary of package `name` (every package's binary is built beside `api`).
fn binary(package: &str) -> String {
    let path = Path::new(env!("CARGO_BIN_EXE_api")).with_file_name(package);
    path.to_str().expect("a UTF-8 path").to_owned()
}

/// The binary `function` is deployed with.
fn package_of(function: &str) -> String {
    let function = Function::named(function).expect("a function of the product");
    binary(function.package().name)
}

/// Starts `function` from `package`'s binary, which must refuse it at init;
/// returns what it printed.
async fn refusal(package: &str, function: &str) -> String {
    let api = RuntimeApi::start().await;
    let mut function = api.spawn(&binary(package), &env(function));
    let output = tokio::task::spawn_blocking(move || {
        let status = function.child.wait().expect("waits");
        assert!(!status.success(), "it must not start");
        let mut output = String::new();
        let stderr = function.child.stderr.as_mut().expect("stderr is piped");
        std::io::Read::read_to_string(stderr, &mut output).expect("stderr is UTF-8");
        output
    })
    .await
    .expect("joins");
    assert_eq!(api.first_poll(), None, "it never asked for an event");
    output
}

#[tokio::test]
async fn an_api_function_serves_its_routes_through_api_gateway_events() {
    let mut api = RuntimeApi::start().await;
    let _function = api.spawn(
        &package_of("scholarship-handler"),
        &env("scholarship-handler"),
    );
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
    let _function = api.spawn(
        &package_of("campaigns-send-email"),
        &env("campaigns-send-email"),
    );
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
    let output = refusal("api", "no-such-function").await;
    assert!(
        output.contains("no API function named no-such-function"),
        "{output}"
    );
}

#[tokio::test]
async fn a_function_deployed_with_a_package_that_lacks_its_ports_fails_at_init() {
    // send-email needs SES, which the `step` package does not link.
    let output = refusal("step", "campaigns-send-email").await;
    assert!(
        output.contains("campaigns-send-email calls [Mail] but this package wires only []"),
        "{output}"
    );

    // A step package does not serve API functions, nor the other way round.
    let output = refusal("step-payments", "checkout-session-handler").await;
    assert!(
        output.contains("no step function named checkout-session-handler"),
        "{output}"
    );
}

/// Every function starts from its package and answers an event it rejects
/// without I/O: the package list, the binaries' wiring and the functions'
/// declared ports agree.
#[tokio::test]
async fn every_function_starts_from_its_package() {
    let functions = Function::all();
    assert_eq!(functions.len(), 34, "8 API functions and 26 steps");
    for function in functions {
        let mut api = RuntimeApi::start().await;
        let _process = api.spawn(&binary(function.package().name), &env(&function.name));
        api.invoke(invalid_event(&function));
        let (_, outcome) = api.outcome(Duration::from_secs(20)).await;
        assert!(
            rejected(function.serves, &outcome),
            "{}: {outcome:?}",
            function.name
        );
    }
}

#[tokio::test]
async fn an_api_functions_server_error_is_logged_for_its_alarm() {
    let mut api = RuntimeApi::start().await;
    // AWS_ENDPOINT_URL is a closed port: DynamoDB does not answer.
    let function = api.spawn(&package_of("mock-exam-handler"), &env("mock-exam-handler"));
    api.invoke(proxy_event("GET", "/mock-exams", ""));
    let (_, outcome) = api.outcome(Duration::from_secs(60)).await;
    let Outcome::Response(response) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(response["statusCode"], 503, "{response}");
    let logged: Vec<Value> = function
        .logs()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["alarm"] == campaigns_lambda::SERVER_ERROR_ALARM)
        .collect();
    assert_eq!(logged.len(), 1, "{:?}", function.logs());
    assert_eq!(logged[0]["fields"]["status"], 503);
    assert_eq!(logged[0]["level"], "ERROR");
}

#[tokio::test]
async fn an_unparsable_rust_log_is_warned_about_and_the_function_logs_at_info() {
    let mut api = RuntimeApi::start().await;
    let mut vars = env("mock-exam-handler");
    vars.push(("RUST_LOG", "campaigns_app=loud"));
    let function = api.spawn(&package_of("mock-exam-handler"), &vars);
    // DynamoDB does not answer (a closed port): the handler logs its 503 at
    // error, which `info` lets through.
    api.invoke(proxy_event("GET", "/mock-exams", ""));
    let (_, outcome) = api.outcome(Duration::from_secs(60)).await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let logged: Vec<Value> = function
        .logs()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .collect();
    let warning = &logged[0];
    assert_eq!(warning["level"], "WARN", "{logged:?}");
    assert_eq!(
        warning["fields"]["rust_log"], "campaigns_app=loud",
        "{warning}"
    );
    assert!(
        logged
            .iter()
            .any(|line| line["fields"]["alarm"] == campaigns_lambda::SERVER_ERROR_ALARM),
        "{logged:?}"
    );
}

#[test]
fn each_function_gets_the_smallest_package_that_wires_its_ports() {
    let package = |name: &str| Function::named(name).expect("a function").package().name;
    assert_eq!(package("campaigns-confirm-purchase"), "step-access");
    assert_eq!(package("campaigns-close-plan"), "step");
    assert_eq!(package("campaigns-await-payment"), "step-workflows");
    assert_eq!(package("campaigns-send-email"), "step-mail");
    assert_eq!(package("campaigns-capture-team-shares"), "step-payments");
    assert_eq!(package("stripe-webhook-handler"), "api");
    assert_eq!(package("scholarship-handler"), "api-mail-workflows");
    assert_eq!(package("mock-exam-handler"), "api");
    assert_eq!(package("privacy-handler"), "api");
    assert_eq!(package("campaigns-redact-scholarships"), "step");
    // Every package serves some function, so none is built for nothing.
    let functions = Function::all();
    for listed in &PACKAGES {
        assert!(
            functions
                .iter()
                .any(|function| function.package().name == listed.name),
            "no function is deployed with package {}",
            listed.name
        );
    }
}

/// A local stand-in for the AWS Parameters and Secrets extension's HTTP API:
/// answers `GET /secretsmanager/get?secretId=ARN` for the token it is given,
/// and records which ARNs were asked for.
async fn secrets_extension(
    token: &'static str,
    secrets: &'static [(&'static str, &'static str)],
) -> (u16, Arc<Mutex<Vec<String>>>) {
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    let app =
        axum::Router::new().route(
            "/secretsmanager/get",
            axum::routing::get(
                move |headers: axum::http::HeaderMap,
                      axum::extract::Query(query): axum::extract::Query<
                    HashMap<String, String>,
                >| async move {
                    let id = query.get("secretId").cloned().unwrap_or_default();
                    seen.lock().expect("asked").push(id.clone());
                    let authorized = headers
                        .get("x-aws-parameters-secrets-token")
                        .is_some_and(|value| value == token);
                    match secrets.iter().find(|(arn, _)| *arn == id) {
                        Some((_, value)) if authorized => {
                            axum::Json(json!({"ARN": id, "SecretString": value})).into_response()
                        }
                        _ => axum::http::StatusCode::BAD_REQUEST.into_response(),
                    }
                },
            ),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, asked)
}

/// Production's way to its secrets: by ARN, through the extension, with the
/// session token; a secret the extension refuses stops the function at init.
#[tokio::test]
async fn secrets_come_from_the_extension_by_arn() {
    const TOKEN: &str = "session-token";
    const WEBHOOK_ARN: &str =
        "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:prodenthub/stripe-webhook+1";
    const TOKENS_ARN: &str =
        "arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:prodenthub/access-token";
    let (port, asked) =
        secrets_extension(TOKEN, &[(WEBHOOK_ARN, "whsec_x"), (TOKENS_ARN, "tokens")]).await;
    let port = port.to_string();
    let by_arn = |tokens_arn: &'static str| {
        let mut vars: Vec<(&str, &str)> = env("scholarship-handler")
            .into_iter()
            .filter(|(name, _)| !["STRIPE_WEBHOOK_SECRET", "ACCESS_TOKEN_SECRET"].contains(name))
            .collect();
        vars.extend([
            ("STRIPE_WEBHOOK_SECRET_ARN", WEBHOOK_ARN),
            ("ACCESS_TOKEN_SECRET_ARN", tokens_arn),
            ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port.as_str()),
            ("AWS_SESSION_TOKEN", TOKEN),
        ]);
        vars
    };

    let mut api = RuntimeApi::start().await;
    let _function = api.spawn(&package_of("scholarship-handler"), &by_arn(TOKENS_ARN));
    api.invoke(proxy_event("POST", "/scholarships/calculate", "{}"));
    let (_, outcome) = api.outcome(Duration::from_secs(20)).await;
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    assert_eq!(
        *asked.lock().expect("asked"),
        [WEBHOOK_ARN, TOKENS_ARN],
        "each secret read once, by its full ARN"
    );

    let api = RuntimeApi::start().await;
    let mut function = api.spawn(
        &package_of("scholarship-handler"),
        &by_arn("arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:missing"),
    );
    let status = tokio::task::spawn_blocking(move || function.child.wait().expect("waits"))
        .await
        .expect("joins");
    assert!(!status.success(), "a secret it cannot read stops it");
    assert_eq!(api.first_poll(), None);
}
