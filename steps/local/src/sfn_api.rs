//! A Step Functions-compatible endpoint over the embedded engine, so that
//! `aws stepfunctions --endpoint-url http://127.0.0.1:PORT/sfn …` and
//! aws-sdk-sfn (the production workflows adapter included) work against a
//! local run.
//!
//! The AWS JSON 1.0 protocol: `POST /sfn` with
//! `X-Amz-Target: AWSStepFunctions.<Operation>` and a JSON body; answers
//! are JSON (`application/x-amz-json-1.0`) with timestamps in epoch seconds,
//! errors `{"__type": "ExecutionDoesNotExist", "message": …}` with HTTP 400
//! (500 when the engine's store fails).
//!
//! What it trusts (see `docs/console.md`): no request is authenticated — any
//! credentials do, as the AWS CLI needs some — so it relies on being reachable
//! from this machine only: the server listens on 127.0.0.1, every request must
//! name this machine in `Host` (the router's guard, against DNS rebinding), and
//! a request sent by a web page on another origin is refused here.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use stripe_sim::guard::refuse_foreign_origins;
use workflows::{ApiError, Engine, ExecutionDescription, ExecutionStatus, HistoryEvent};

const TARGET_PREFIX: &str = "AWSStepFunctions.";
const CONTENT_TYPE: &str = "application/x-amz-json-1.0";
/// Page size when a list call names none (AWS's default is 100).
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// `POST /sfn` (and `/sfn/`, as SDKs join the endpoint's path with `/`).
pub fn router(engine: Engine) -> Router {
    Router::new()
        .route("/sfn", post(call))
        .route("/sfn/", post(call))
        .layer(middleware::from_fn(refuse_foreign_origins))
        .with_state(engine)
}

/// An error as AWS answers it.
#[derive(Debug)]
struct Fault {
    status: StatusCode,
    kind: String,
    message: String,
}

impl Fault {
    fn client(kind: &str, message: impl Into<String>) -> Fault {
        Fault {
            status: StatusCode::BAD_REQUEST,
            kind: kind.to_owned(),
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Fault {
        Fault::client("ValidationException", message)
    }
}

impl From<ApiError> for Fault {
    fn from(err: ApiError) -> Fault {
        let kind = err.code();
        let text = err.to_string();
        let message = text
            .strip_prefix(&format!("{kind}: "))
            .map(str::to_owned)
            .unwrap_or(text);
        match err {
            ApiError::Store(_) => Fault {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                kind: "ServiceUnavailable".into(),
                message,
            },
            _ => Fault::client(kind, message),
        }
    }
}

fn respond(result: Result<Value, Fault>) -> Response {
    let (status, body, error_type) = match result {
        Ok(body) => (StatusCode::OK, body, None),
        Err(fault) => (
            fault.status,
            json!({"__type": fault.kind, "message": fault.message}),
            Some(fault.kind),
        ),
    };
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
    if let Some(kind) = error_type
        && let Ok(kind) = HeaderValue::from_str(&kind)
    {
        headers.insert("x-amzn-errortype", kind);
    }
    response
}

fn request_id() -> String {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

async fn call(State(engine): State<Engine>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(operation) = headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.strip_prefix(TARGET_PREFIX))
    else {
        return respond(Err(Fault::client(
            "UnknownOperationException",
            "X-Amz-Target must be AWSStepFunctions.<Operation>",
        )));
    };
    let input: Value = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value @ Value::Object(_)) => value,
            Ok(_) => {
                return respond(Err(Fault::client(
                    "SerializationException",
                    "the body must be a JSON object",
                )));
            }
            Err(err) => {
                return respond(Err(Fault::client(
                    "SerializationException",
                    format!("the body is not JSON: {err}"),
                )));
            }
        }
    };
    respond(operate(&engine, operation, &input).await)
}

/// The epoch seconds AWS's JSON protocols use for timestamps.
fn epoch(at: DateTime<Utc>) -> Value {
    json!(at.timestamp_millis() as f64 / 1000.0)
}

fn required<'a>(input: &'a Value, field: &str) -> Result<&'a str, Fault> {
    input
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| Fault::validation(format!("1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null")))
}

fn optional<'a>(input: &'a Value, field: &str) -> Option<&'a str> {
    input.get(field).and_then(Value::as_str)
}

/// A page of `items` from `nextToken` (an offset), at most `maxResults`.
fn page<T>(input: &Value, items: Vec<T>) -> Result<(Vec<T>, Option<String>), Fault> {
    let size = match input.get("maxResults").and_then(Value::as_u64) {
        None | Some(0) => DEFAULT_PAGE,
        Some(n) if n as usize > MAX_PAGE => {
            return Err(Fault::validation(format!(
                "maxResults must be at most {MAX_PAGE}"
            )));
        }
        Some(n) => n as usize,
    };
    let from = match optional(input, "nextToken") {
        None => 0,
        Some(token) => token
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| {
                Fault::client("InvalidToken", "Invalid Token: the nextToken is not valid")
            })?,
    };
    let next = (from + size < items.len()).then(|| format!("page-{}", from + size));
    Ok((items.into_iter().skip(from).take(size).collect(), next))
}

fn put(object: &mut Map<String, Value>, field: &str, value: Option<Value>) {
    if let Some(value) = value {
        object.insert(field.to_owned(), value);
    }
}

fn redrivable(status: ExecutionStatus) -> bool {
    matches!(
        status,
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
    )
}

/// An item of ListExecutions.
fn execution_item(e: &ExecutionDescription) -> Value {
    let mut o = Map::new();
    o.insert("executionArn".into(), json!(e.execution_arn));
    o.insert("stateMachineArn".into(), json!(e.state_machine_arn));
    o.insert("name".into(), json!(e.name));
    o.insert("status".into(), json!(e.status.as_str()));
    o.insert("startDate".into(), epoch(e.start_date));
    put(&mut o, "stopDate", e.stop_date.map(epoch));
    o.insert("redriveCount".into(), json!(e.redrive_count));
    put(&mut o, "redriveDate", e.redrive_date.map(epoch));
    Value::Object(o)
}

/// DescribeExecution's answer.
fn execution_description(e: &ExecutionDescription) -> Value {
    let mut o = match execution_item(e) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    o.insert("input".into(), json!(e.input));
    o.insert("inputDetails".into(), json!({"included": true}));
    if let Some(output) = &e.output {
        o.insert("output".into(), json!(output));
        o.insert("outputDetails".into(), json!({"included": true}));
    }
    put(&mut o, "error", e.error.clone().map(Value::from));
    put(&mut o, "cause", e.cause.clone().map(Value::from));
    let status = if redrivable(e.status) {
        "REDRIVABLE"
    } else {
        "NOT_REDRIVABLE"
    };
    o.insert("redriveStatus".into(), json!(status));
    if !redrivable(e.status) {
        o.insert(
            "redriveStatusReason".into(),
            json!(format!("Execution is {}", e.status.as_str())),
        );
    }
    Value::Object(o)
}

/// A history event as GetExecutionHistory answers it over the wire: the
/// engine's AWS shape with the timestamp in epoch seconds.
fn history_event(event: &HistoryEvent) -> Value {
    let mut aws = event.to_aws_json();
    aws["timestamp"] = epoch(event.timestamp);
    aws
}

fn status_filter(input: &Value) -> Result<Option<ExecutionStatus>, Fault> {
    match optional(input, "statusFilter") {
        None => Ok(None),
        Some(text) => ExecutionStatus::parse(text).map(Some).ok_or_else(|| {
            Fault::validation(format!(
                "1 validation error detected: Value '{text}' at 'statusFilter' failed to satisfy constraint: \
                 Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED]"
            ))
        }),
    }
}

async fn operate(engine: &Engine, operation: &str, input: &Value) -> Result<Value, Fault> {
    match operation {
        "CreateStateMachine" => {
            let name = required(input, "name")?;
            let definition = required(input, "definition")?;
            if let Some(kind) = optional(input, "type")
                && kind != "STANDARD"
            {
                return Err(Fault::validation("only STANDARD state machines run here"));
            }
            let arn = engine.create_state_machine(name, definition, &BTreeMap::new())?;
            let created = engine.describe_state_machine(&arn)?.created;
            Ok(json!({"stateMachineArn": arn, "creationDate": epoch(created)}))
        }
        "DescribeStateMachine" => {
            let machine = engine.describe_state_machine(required(input, "stateMachineArn")?)?;
            Ok(json!({
                "stateMachineArn": machine.arn,
                "name": machine.name,
                "status": "ACTIVE",
                "definition": machine.definition,
                "roleArn": format!("arn:aws:iam::{}:role/{}", workflows::ACCOUNT, machine.name),
                "type": "STANDARD",
                "creationDate": epoch(machine.created),
            }))
        }
        "ListStateMachines" => {
            let mut machines = engine.list_state_machines()?;
            machines.sort_by(|a, b| a.name.cmp(&b.name));
            let (machines, next) = page(input, machines)?;
            let items: Vec<Value> = machines
                .iter()
                .map(|m| {
                    json!({
                        "stateMachineArn": m.arn,
                        "name": m.name,
                        "type": "STANDARD",
                        "creationDate": epoch(m.created),
                    })
                })
                .collect();
            let mut out = json!({"stateMachines": items});
            if let Some(next) = next {
                out["nextToken"] = json!(next);
            }
            Ok(out)
        }
        "StartExecution" => {
            let started = engine
                .start_execution(
                    required(input, "stateMachineArn")?,
                    optional(input, "name"),
                    optional(input, "input"),
                )
                .await?;
            Ok(json!({
                "executionArn": started.execution_arn,
                "startDate": epoch(started.start_date),
            }))
        }
        "DescribeExecution" => Ok(execution_description(
            &engine.describe_execution(required(input, "executionArn")?)?,
        )),
        "ListExecutions" => {
            let Some(machine) = optional(input, "stateMachineArn") else {
                return Err(Fault::validation(
                    "stateMachineArn is required (Map Runs are not listed here)",
                ));
            };
            let executions = engine.list_executions(machine, status_filter(input)?)?;
            let (executions, next) = page(input, executions)?;
            let mut out =
                json!({"executions": executions.iter().map(execution_item).collect::<Vec<_>>()});
            if let Some(next) = next {
                out["nextToken"] = json!(next);
            }
            Ok(out)
        }
        "GetExecutionHistory" => {
            let mut history = engine.get_execution_history(required(input, "executionArn")?)?;
            if input.get("reverseOrder").and_then(Value::as_bool) == Some(true) {
                history.reverse();
            }
            let (events, next) = page(input, history)?;
            let mut out = json!({"events": events.iter().map(history_event).collect::<Vec<_>>()});
            if let Some(next) = next {
                out["nextToken"] = json!(next);
            }
            Ok(out)
        }
        "StopExecution" => {
            let stopped = engine
                .stop_execution(
                    required(input, "executionArn")?,
                    optional(input, "error"),
                    optional(input, "cause"),
                )
                .await?;
            Ok(json!({"stopDate": epoch(stopped)}))
        }
        "RedriveExecution" => {
            let redriven = engine
                .redrive_execution(required(input, "executionArn")?)
                .await?;
            Ok(json!({"redriveDate": epoch(redriven)}))
        }
        "SendTaskSuccess" => {
            engine
                .send_task_success(required(input, "taskToken")?, required(input, "output")?)
                .await?;
            Ok(json!({}))
        }
        "SendTaskFailure" => {
            engine
                .send_task_failure(
                    required(input, "taskToken")?,
                    optional(input, "error"),
                    optional(input, "cause"),
                )
                .await?;
            Ok(json!({}))
        }
        "SendTaskHeartbeat" => {
            engine
                .send_task_heartbeat(required(input, "taskToken")?)
                .await?;
            Ok(json!({}))
        }
        other => Err(Fault::client(
            "UnknownOperationException",
            format!("{other} is not an operation this endpoint has"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_keep_their_aws_names() {
        let fault = Fault::from(ApiError::ExecutionDoesNotExist(
            "Execution Does Not Exist: 'x'".into(),
        ));
        assert_eq!(fault.status, StatusCode::BAD_REQUEST);
        assert_eq!(fault.kind, "ExecutionDoesNotExist");
        assert_eq!(fault.message, "Execution Does Not Exist: 'x'");
        let fault = Fault::from(ApiError::Store("disk".into()));
        assert_eq!(fault.status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn pages_follow_next_tokens() {
        let input = json!({"maxResults": 2});
        let (first, next) = page(&input, vec![1, 2, 3]).expect("a page");
        assert_eq!((first, next.as_deref()), (vec![1, 2], Some("page-2")));
        let input = json!({"maxResults": 2, "nextToken": "page-2"});
        let (rest, next) = page(&input, vec![1, 2, 3]).expect("a page");
        assert_eq!((rest, next), (vec![3], None));
        let bad = json!({"nextToken": "nope"});
        assert_eq!(
            page(&bad, vec![1]).expect_err("refused").kind,
            "InvalidToken"
        );
    }

    #[test]
    fn timestamps_are_epoch_seconds() {
        let at = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .expect("a time")
            .with_timezone(&Utc);
        assert_eq!(epoch(at), json!(1767323045.678));
    }
}
