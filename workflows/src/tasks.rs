//! Task states: Rust handlers registered by Lambda function name, the
//! `lambda:invoke` result shape, task tokens and their callbacks, and task
//! timeouts and heartbeats.

use crate::clock::after;
use crate::definition::{Resource, State, TaskSpec};
use crate::error::{Failure, Halt, names};
use crate::history::HistoryEvent;
use crate::payload::{Expect, Scope, Vars};
use crate::query::States;
use crate::run::{Branch, Run};
use crate::store::TokenRecord;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};

/// The error a step handler reports: the name Retry/Catch match, as the
/// Lambda runtime would report it (`errorType`), and a message.
#[derive(Debug, Clone, PartialEq)]
pub struct HandlerError {
    pub error: String,
    pub cause: String,
}

impl HandlerError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        HandlerError {
            error: error.into(),
            cause: cause.into(),
        }
    }
}

pub type HandlerFuture = crate::interpreter::BoxFuture<'static, Result<Value, HandlerError>>;
pub type Handler = Arc<dyn Fn(Value) -> HandlerFuture + Send + Sync>;

/// Registered handlers by function name.
#[derive(Default)]
pub(crate) struct Handlers(RwLock<HashMap<String, Handler>>);

impl Handlers {
    pub fn register<F, Fut>(&self, name: &str, f: F)
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
    {
        let h: Handler = Arc::new(move |v| Box::pin(f(v)));
        self.0
            .write()
            .expect("handlers lock")
            .insert(name.to_string(), h);
    }
    fn get(&self, name: &str) -> Option<Handler> {
        self.0.read().expect("handlers lock").get(name).cloned()
    }
}

/// The function name in a function name, a partial ARN or a full ARN, with
/// any version or alias qualifier removed.
pub fn function_name(s: &str) -> String {
    let rest = match s.find("function:") {
        Some(i) => &s[i + "function:".len()..],
        None => s,
    };
    rest.split(':').next().unwrap_or(rest).to_string()
}

const REGION: &str = "us-east-1";

/// A fresh task token: 256 random bits.
fn new_token() -> String {
    let a = uuid::Uuid::new_v4().simple().to_string();
    let b = uuid::Uuid::new_v4().simple().to_string();
    format!("{a}{b}")
}

/// How a task's events are named: `Task*` for service integrations,
/// `LambdaFunction*` for a plain function ARN.
struct Naming {
    lambda_arn: bool,
    resource: &'static str,
}

impl Naming {
    fn event(&self, what: &str) -> String {
        if self.lambda_arn {
            format!("LambdaFunction{what}")
        } else {
            format!("Task{what}")
        }
    }
    fn details(&self, mut extra: Value) -> Value {
        if !self.lambda_arn {
            extra["resourceType"] = "lambda".into();
            extra["resource"] = self.resource.into();
        }
        extra
    }
}

/// Runs a Task state's work and returns its result (before ResultSelector).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_task(
    run: &Arc<Run>,
    st: &State,
    spec: &TaskSpec,
    eff: &Value,
    ctx: &mut Value,
    vars: &Vars,
    b: &mut Branch,
) -> Result<Value, Halt> {
    let (timeout, heartbeat) = {
        let scope = Scope {
            input: eff,
            context: ctx,
            vars,
        };
        let states = States::new(eff, ctx, vars, run.core.clock.now());
        let seconds = |src, field| scope.number(src, field, Expect::PositiveInteger, &states);
        (
            seconds(&spec.timeout, "TimeoutSeconds")?,
            seconds(&spec.heartbeat, "HeartbeatSeconds")?,
        )
    };
    let wait_for_token = matches!(
        spec.resource,
        Resource::LambdaInvoke {
            wait_for_token: true
        }
    );
    // Event positions: +0 scheduled, +1 started, +2 invocation outcome, +3 callback outcome.
    let token = if wait_for_token {
        let rec = TokenRecord {
            token: new_token(),
            execution_arn: run.execution_arn.clone(),
            outcome_key: run.key_at(b, 3),
            open: true,
            last_heartbeat: None,
        };
        let stored = run.core.store.run(move |s| s.insert_token(&rec)).await?;
        ctx["Task"] = json!({ "Token": stored.token });
        Some(stored)
    } else {
        None
    };
    let params = crate::interpreter::arguments(st, eff, ctx, vars, run.core.clock.now())?;
    let naming = Naming {
        lambda_arn: matches!(spec.resource, Resource::LambdaFunction { .. }),
        resource: if wait_for_token {
            "invoke.waitForTaskToken"
        } else {
            "invoke"
        },
    };
    let (function, payload) = match &spec.resource {
        Resource::LambdaFunction { function } => (function.clone(), params.clone()),
        Resource::LambdaInvoke { .. } => {
            let f = params
                .get("FunctionName")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Failure::runtime("The field 'FunctionName' is required by lambda:invoke")
                })?;
            (
                function_name(f),
                params.get("Payload").cloned().unwrap_or(json!({})),
            )
        }
    };
    let mut sched = if naming.lambda_arn {
        json!({ "resource": spec.resource_arn, "input": payload.to_string(), "inputDetails": {"truncated": false} })
    } else {
        json!({ "region": REGION, "parameters": params.to_string() })
    };
    if let Some(t) = timeout {
        sched["timeoutInSeconds"] = (t as u64).into();
    }
    if let Some(h) = heartbeat {
        sched["heartbeatInSeconds"] = (h as u64).into();
    }
    let scheduled = run
        .emit(b, &naming.event("Scheduled"), naming.details(sched))
        .await?;
    run.emit(b, &naming.event("Started"), naming.details(json!({})))
        .await?;
    let deadline = timeout.map(|t| after(scheduled.timestamp, t));

    let outcome = match run.peek(b).await? {
        Some(ev) => {
            run.advance(b, &ev);
            ev
        }
        None => {
            let ev = invoke(run, &naming, &function, payload, deadline, token.is_some()).await;
            run.emit(b, &ev.0, ev.1).await?
        }
    };
    let result = read_outcome(&outcome);
    let Some(token) = token else {
        return Ok(result?);
    };
    if !outcome.event_type.ends_with("Submitted") {
        run.core.close_token(&token.token).await?;
        return Ok(result?);
    }
    wait_for_callback(
        run,
        &naming,
        &token,
        deadline,
        heartbeat,
        scheduled.timestamp,
        b,
    )
    .await
}

/// Calls the handler (bounded by the task timeout) and describes the event
/// that records the outcome.
async fn invoke(
    run: &Arc<Run>,
    naming: &Naming,
    function: &str,
    payload: Value,
    deadline: Option<DateTime<Utc>>,
    callback: bool,
) -> (String, Value) {
    let call = async {
        match run.core.handlers.get(function) {
            Some(h) => call_handler(&h, payload).await,
            None => Err(HandlerError::new(
                "Lambda.ResourceNotFoundException",
                format!(
                    "Function not found: arn:aws:lambda:{REGION}:{}:function:{function}",
                    crate::engine::ACCOUNT
                ),
            )),
        }
    };
    let r = match deadline {
        Some(d) => tokio::select! {
            r = call => Some(r),
            _ = run.core.clock.sleep_until(d) => None,
        },
        None => Some(call.await),
    };
    match r {
        None => timed_out(naming, names::TIMEOUT),
        Some(Ok(out)) => {
            let out = if naming.lambda_arn {
                out
            } else {
                lambda_invoke_result(out)
            };
            let ty = if callback { "Submitted" } else { "Succeeded" };
            let d = json!({ "output": out.to_string(), "outputDetails": {"truncated": false} });
            (naming.event(ty), naming.details(d))
        }
        Some(Err(e)) => {
            let cause = if e.error.starts_with("Lambda.") || e.error.starts_with("States.") {
                e.cause
            } else {
                json!({"errorMessage": e.cause, "errorType": e.error, "requestId": uuid::Uuid::new_v4().to_string(), "stackTrace": []})
                    .to_string()
            };
            (
                naming.event("Failed"),
                naming.details(json!({ "error": e.error, "cause": cause })),
            )
        }
    }
}

/// Calls a handler; a panic fails the task (as a crashed Lambda
/// invocation does) instead of stopping the execution.
async fn call_handler(h: &Handler, payload: Value) -> Result<Value, HandlerError> {
    use futures_util::FutureExt;
    use std::panic::AssertUnwindSafe;
    let panicked = || HandlerError::new("Lambda.Unknown", "The function panicked.");
    match std::panic::catch_unwind(AssertUnwindSafe(|| h(payload))) {
        Ok(fut) => AssertUnwindSafe(fut)
            .catch_unwind()
            .await
            .unwrap_or_else(|_| Err(panicked())),
        Err(_) => Err(panicked()),
    }
}

fn timed_out(naming: &Naming, error: &str) -> (String, Value) {
    (
        naming.event("TimedOut"),
        naming.details(json!({ "error": error, "cause": "" })),
    )
}

/// The `lambda:invoke` result shape.
fn lambda_invoke_result(payload: Value) -> Value {
    let request_id = uuid::Uuid::new_v4().to_string();
    let headers = json!({
        "Connection": "keep-alive",
        "Content-Type": "application/json",
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-RequestId": request_id,
    });
    json!({
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": { "AllHttpHeaders": headers, "HttpHeaders": headers, "HttpStatusCode": 200 },
        "SdkResponseMetadata": { "RequestId": request_id },
        "StatusCode": 200,
    })
}

/// The result or failure an outcome event records.
fn read_outcome(ev: &HistoryEvent) -> Result<Value, Failure> {
    let d = &ev.details;
    let text = |k: &str| d.get(k).and_then(Value::as_str).map(String::from);
    if ev.event_type.ends_with("Succeeded") || ev.event_type.ends_with("Submitted") {
        let out = text("output").unwrap_or_else(|| "null".into());
        return serde_json::from_str(&out)
            .map_err(|e| Failure::runtime(format!("invalid task output: {e}")));
    }
    Err(Failure {
        error: text("error"),
        cause: text("cause").filter(|c| !c.is_empty()),
        needs_state_context: false,
    })
}

/// Waits for SendTaskSuccess/Failure on the token, or for the task or
/// heartbeat timeout, whichever is recorded first.
async fn wait_for_callback(
    run: &Arc<Run>,
    naming: &Naming,
    token: &TokenRecord,
    deadline: Option<DateTime<Utc>>,
    heartbeat: Option<f64>,
    scheduled_at: DateTime<Utc>,
    b: &mut Branch,
) -> Result<Value, Halt> {
    let store = &run.core.store;
    loop {
        let notify = run.core.token_notify(&token.token);
        if let Some(ev) = run.peek(b).await? {
            run.advance(b, &ev);
            run.core.close_token(&token.token).await?;
            return Ok(read_outcome(&ev)?);
        }
        let id = token.token.clone();
        let current = store.run(move |s| s.get_token(&id)).await?;
        let last_heartbeat = current.as_ref().and_then(|t| t.last_heartbeat);
        if let Some(mut t) = current.filter(|t| !t.open) {
            // Closed with no outcome: the execution ended while waiting. If it
            // runs again (a redrive), the step waits anew.
            let arn = run.execution_arn.clone();
            let running = store
                .run(move |s| s.get_execution(&arn))
                .await?
                .is_some_and(|e| e.status == crate::store::ExecutionStatus::Running);
            if !running {
                std::future::pending::<()>().await;
            }
            t.open = true;
            store.run(move |s| s.update_token(&t)).await?;
        }
        let hb_deadline =
            heartbeat.map(|h| after(last_heartbeat.unwrap_or(scheduled_at).max(scheduled_at), h));
        let next_deadline = match (deadline, hb_deadline) {
            (Some(a), Some(h)) => Some(a.min(h)),
            (a, h) => a.or(h),
        };
        match next_deadline {
            // Deadlines are checked against the stored heartbeat each turn,
            // so a heartbeat that raced with the timer still counts.
            Some(d) if run.core.clock.now() >= d => {
                let error = if deadline == Some(d) {
                    names::TIMEOUT
                } else {
                    names::HEARTBEAT_TIMEOUT
                };
                // A callback recorded meanwhile wins: emit returns it.
                let (ty, details) = timed_out(naming, error);
                let ev = run.emit(b, &ty, details).await?;
                run.core.close_token(&token.token).await?;
                return Ok(read_outcome(&ev)?);
            }
            Some(d) => tokio::select! {
                _ = notify.notified() => {}
                _ = run.core.clock.sleep_until(d) => {}
            },
            None => notify.notified().await,
        }
    }
}
