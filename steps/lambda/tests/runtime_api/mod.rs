//! A local Lambda Runtime API (the 2018-06-01 interface a `provided.al2023`
//! bootstrap polls), so a real `bootstrap` process can be invoked and timed
//! on this machine. Shared by the entry-point tests and the cold-start
//! benchmark (`examples/cold_start.rs`).

use std::collections::VecDeque;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use campaigns_lambda::Serves;
use serde_json::{Value, json};
use tokio::sync::{Notify, mpsc};

/// What Terraform sets on every function (the AWS calls themselves are not
/// reached by these invocations).
pub fn function_env(handler: &str) -> Vec<(&'static str, &str)> {
    vec![
        ("CAMPAIGNS_HANDLER", handler),
        ("AWS_REGION", "ap-southeast-2"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        (
            "STATE_MACHINE_ARN_PREFIX",
            "arn:aws:states:ap-southeast-2:123456789012:stateMachine:",
        ),
        (
            "SCHEDULER_ROLE_ARN",
            "arn:aws:iam::123456789012:role/prodenthub-scheduler",
        ),
        ("STRIPE_SECRET_KEY", "sk_test_entrypoints"),
        ("STRIPE_WEBHOOK_SECRET", "whsec_entrypoints"),
        ("ACCESS_TOKEN_SECRET", "entrypoints-secret"),
        ("FRONTEND_URL", "https://campaigns.prodenthub.com.au"),
        ("API_BASE_URL", "https://api.prodenthub.com.au/v1"),
        ("SES_FROM_EMAIL", "noreply@prodenthub.com.au"),
    ]
}

/// An event `function` answers without I/O, by rejecting it: a POST of one of
/// an API function's routes with an empty body (refused by validation), a
/// string for a step (every step's input is an object; the sweep's is an
/// empty one, so `{}` would be a valid input there).
pub fn invalid_event(function: &campaigns_lambda::Function) -> Value {
    match function.serves {
        Serves::Api => {
            let route = campaigns_contracts::routes::routes()
                .into_iter()
                .find(|route| route.lambda == function.name && route.method.as_str() == "POST")
                .expect("every API function has a POST route");
            proxy_event("POST", route.path, "{}")
        }
        Serves::Steps => json!("not a step's input"),
    }
}

/// Whether `outcome` is the rejection of [`invalid_event`]: a 4xx answer
/// from an API function, `Step.InvalidInput` from a step.
pub fn rejected(serves: Serves, outcome: &Outcome) -> bool {
    match (serves, outcome) {
        (Serves::Api, Outcome::Response(response)) => {
            (400..500).contains(&response["statusCode"].as_u64().unwrap_or(0))
        }
        (Serves::Steps, Outcome::Error(error, _)) => error == "Step.InvalidInput",
        _ => false,
    }
}

/// An API Gateway (REST, proxy integration) event for `method resource`.
pub fn proxy_event(method: &str, resource: &str, body: &str) -> Value {
    json!({
        "resource": resource,
        "path": resource,
        "httpMethod": method,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "queryStringParameters": null,
        "multiValueQueryStringParameters": null,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": "v1",
            "requestId": "req",
            "identity": {},
            "resourcePath": resource,
            "httpMethod": method,
            "apiId": "api"
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// What the function answered to one invocation.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Response(Value),
    /// `errorType` and `errorMessage`, as the runtime reported them.
    Error(String, String),
    InitError(String),
}

#[derive(Clone)]
struct Shared {
    pending: Arc<Mutex<VecDeque<(String, Value)>>>,
    ready: Arc<Notify>,
    outcomes: mpsc::UnboundedSender<(String, Outcome)>,
    /// When the function first asked for an event: the end of its init.
    first_poll: Arc<Mutex<Option<Instant>>>,
}

/// The runtime API and the invocations queued on it.
pub struct RuntimeApi {
    pub addr: SocketAddr,
    shared: Shared,
    outcomes: mpsc::UnboundedReceiver<(String, Outcome)>,
    next_id: u64,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let (sender, outcomes) = mpsc::unbounded_channel();
        let shared = Shared {
            pending: Arc::default(),
            ready: Arc::default(),
            outcomes: sender,
            first_poll: Arc::default(),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .expect("binds");
        let addr = listener.local_addr().expect("an address");
        tokio::spawn(async move { axum::serve(listener, app).await });
        RuntimeApi {
            addr,
            shared,
            outcomes,
            next_id: 0,
        }
    }

    /// Queues an event; returns its request id.
    pub fn invoke(&mut self, event: Value) -> String {
        self.next_id += 1;
        let id = format!("req-{}", self.next_id);
        self.shared
            .pending
            .lock()
            .expect("queue")
            .push_back((id.clone(), event));
        self.shared.ready.notify_one();
        id
    }

    /// The next outcome the function reported, within `limit`.
    pub async fn outcome(&mut self, limit: Duration) -> (String, Outcome) {
        tokio::time::timeout(limit, self.outcomes.recv())
            .await
            .expect("the function answered in time")
            .expect("the runtime API is running")
    }

    /// When a function first polled for an event, if it has.
    pub fn first_poll(&self) -> Option<Instant> {
        *self.shared.first_poll.lock().expect("first poll")
    }

    /// Starts `bootstrap` against this runtime API with `env`.
    pub fn spawn(&self, bootstrap: &str, env: &[(&str, &str)]) -> Function {
        self.spawn_with_args(bootstrap, &[], env)
    }

    /// Starts `program args…` (a runtime that is not a lone binary, such as
    /// `node runtime.mjs`) against this runtime API with `env`.
    pub fn spawn_with_args(&self, program: &str, args: &[&str], env: &[(&str, &str)]) -> Function {
        let mut command = Command::new(program);
        command.args(args);
        // What the Lambda service sets for every function.
        let log = std::env::temp_dir().join(format!(
            "bootstrap-{}-{}.log",
            std::process::id(),
            NEXT_LOG.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        command
            .env_clear()
            .env("AWS_LAMBDA_RUNTIME_API", self.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", "local-function")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/local-function")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "local")
            // The function's logs, as Lambda sends stdout to CloudWatch.
            .stdout(std::fs::File::create(&log).expect("a log file"))
            // Only an init failure writes here.
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        Function {
            child: command.spawn().expect("bootstrap starts"),
            log,
        }
    }
}

/// Numbers the log files of one test binary's functions.
static NEXT_LOG: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A running bootstrap process; killed when dropped.
pub struct Function {
    pub child: Child,
    log: std::path::PathBuf,
}

impl Function {
    /// What the function has logged so far (its stdout), a line each.
    pub fn logs(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    shared
        .first_poll
        .lock()
        .expect("first poll")
        .get_or_insert_with(Instant::now);
    loop {
        let notified = shared.ready.notified();
        if let Some((id, event)) = shared.pending.lock().expect("queue").pop_front() {
            let mut headers = HeaderMap::new();
            headers.insert(
                "lambda-runtime-aws-request-id",
                HeaderValue::from_str(&id).expect("ascii"),
            );
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_millis()
                + 60_000;
            headers.insert(
                "lambda-runtime-deadline-ms",
                HeaderValue::from(deadline as u64),
            );
            headers.insert(
                "lambda-runtime-invoked-function-arn",
                HeaderValue::from_static(
                    "arn:aws:lambda:ap-southeast-2:123456789012:function:local",
                ),
            );
            return (headers, axum::Json(event)).into_response();
        }
        notified.await;
    }
}

async fn response(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> StatusCode {
    let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = shared.outcomes.send((id, Outcome::Response(value)));
    StatusCode::ACCEPTED
}

async fn error(
    State(shared): State<Shared>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> StatusCode {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    let _ = shared
        .outcomes
        .send((id, Outcome::Error(text("errorType"), text("errorMessage"))));
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Shared>, body: axum::body::Bytes) -> StatusCode {
    let _ = shared.outcomes.send((
        "init".into(),
        Outcome::InitError(String::from_utf8_lossy(&body).into_owned()),
    ));
    StatusCode::ACCEPTED
}
