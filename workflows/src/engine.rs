//! The engine's operations, named after the Step Functions API: state
//! machines, executions (start, describe, list, history, stop, redrive) and
//! task tokens (success, failure, heartbeat). Executions run as tokio tasks;
//! on start the engine resumes every execution its store holds as running.

use crate::clock::{Clock, SystemClock};
use crate::definition::{self, Machine};
use crate::error::{ApiError, Failure, Halt};
use crate::history::{HistoryEvent, NewEvent};
use crate::interpreter::run_machine;
use crate::payload::Vars;
use crate::run::{Branch, Core, ROOT_BRANCH, Run, key_before};
use crate::store::{
    Append, Backoff, ExecutionRecord, ExecutionStatus, MemoryStore, StateMachineRecord, Store,
    StoreAccess, StoreError,
};
use crate::tasks::{HandlerError, Handlers};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::task::JoinHandle;

pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-1";
/// The role executions report in `$$.Execution.RoleArn`.
pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/service-role/StepFunctions-local";

/// Builds an [`Engine`]: choose the store and clock, register handlers, then
/// [`EngineBuilder::start`] (which resumes unfinished executions, so register
/// the handlers they need first).
pub struct EngineBuilder {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    handlers: Handlers,
}

impl Default for EngineBuilder {
    fn default() -> Self {
        EngineBuilder {
            store: Arc::new(MemoryStore::new()),
            clock: Arc::new(SystemClock),
            handlers: Handlers::default(),
        }
    }
}

impl EngineBuilder {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn store(mut self, store: Arc<dyn Store>) -> Self {
        self.store = store;
        self
    }
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Registers the step handler for a Lambda function name.
    pub fn handler<F, Fut>(self, function_name: &str, f: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
    {
        self.handlers.register(function_name, f);
        self
    }

    /// Starts the engine and resumes every running execution in the store.
    /// Must be called within a tokio runtime.
    pub async fn start(self) -> Result<Engine, ApiError> {
        let (completions, _) = tokio::sync::watch::channel(0);
        let core = Arc::new(Core {
            store: StoreAccess::new(self.store)?,
            clock: self.clock,
            handlers: self.handlers,
            token_waiters: Mutex::new(HashMap::new()),
            completions,
        });
        let engine = Engine(Arc::new(Inner {
            core,
            machines: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            schedules: Mutex::new(HashMap::new()),
        }));
        let store = &engine.0.core.store;
        for e in store.run(|s| s.list_executions(None)).await? {
            if e.status == ExecutionStatus::Running {
                engine.spawn(&e, false)?;
            }
        }
        for s in store.run(|s| s.list_schedules()).await? {
            engine.arm(s);
        }
        Ok(engine)
    }
}

/// The embedded engine; cheap to clone.
#[derive(Clone)]
pub struct Engine(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub core: Arc<Core>,
    machines: Mutex<HashMap<String, Arc<Machine>>>,
    running: Mutex<HashMap<String, JoinHandle<()>>>,
    /// The timer task of each armed schedule.
    pub schedules: Mutex<HashMap<String, JoinHandle<()>>>,
}

/// `DescribeExecution`'s answer (also each item of `ListExecutions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionDescription {
    pub execution_arn: String,
    pub state_machine_arn: String,
    pub name: String,
    pub status: ExecutionStatus,
    pub start_date: DateTime<Utc>,
    pub stop_date: Option<DateTime<Utc>>,
    pub input: String,
    pub output: Option<String>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub redrive_count: u32,
    pub redrive_date: Option<DateTime<Utc>>,
}

impl From<ExecutionRecord> for ExecutionDescription {
    fn from(e: ExecutionRecord) -> Self {
        ExecutionDescription {
            execution_arn: e.arn,
            state_machine_arn: e.state_machine_arn,
            name: e.name,
            status: e.status,
            start_date: e.start_date,
            stop_date: e.stop_date,
            input: e.input,
            output: e.output,
            error: e.error,
            cause: e.cause,
            redrive_count: e.redrive_count,
            redrive_date: e.redrive_date,
        }
    }
}

/// `StartExecution`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartExecutionOutput {
    pub execution_arn: String,
    pub start_date: DateTime<Utc>,
}

pub fn state_machine_arn(name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}")
}

pub(crate) fn execution_arn(sm_name: &str, name: &str) -> String {
    format!("arn:aws:states:{REGION}:{ACCOUNT}:execution:{sm_name}:{name}")
}

/// Whether a string has the form of the tokens this engine issues.
fn is_token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(crate) fn check_name(name: &str) -> Result<(), ApiError> {
    let bad = name.is_empty()
        || name.len() > 80
        || name
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c));
    if bad {
        Err(ApiError::InvalidName(format!("Invalid Name: '{name}'")))
    } else {
        Ok(())
    }
}

/// Parses a definition after substituting `${Name}` placeholders; the error
/// lists every refusal (state and reason).
pub fn load_definition(
    text: &str,
    placeholders: &BTreeMap<String, String>,
) -> Result<String, ApiError> {
    let text = definition::substitute(text, placeholders)?;
    definition::parse(&text).map_err(|e| ApiError::InvalidDefinition(e.join("; ")))?;
    Ok(text)
}

impl Engine {
    pub fn builder() -> EngineBuilder {
        EngineBuilder::new()
    }

    /// Registers (or replaces) the step handler for a Lambda function name.
    pub fn register_handler<F, Fut>(&self, function_name: &str, f: F)
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + Send + 'static,
    {
        self.0.core.handlers.register(function_name, f);
    }

    /// `CreateStateMachine`: the same name with the same definition answers
    /// the existing ARN; with another definition, StateMachineAlreadyExists.
    pub fn create_state_machine(
        &self,
        name: &str,
        definition: &str,
        placeholders: &BTreeMap<String, String>,
    ) -> Result<String, ApiError> {
        check_name(name)?;
        let text = load_definition(definition, placeholders)?;
        let arn = state_machine_arn(name);
        let rec = StateMachineRecord {
            arn: arn.clone(),
            name: name.to_string(),
            definition: text,
            created: self.now(),
        };
        self.0
            .core
            .store
            .run_sync(|s| match s.get_state_machine(&arn)? {
                Some(existing) if existing.definition == rec.definition => Ok(()),
                Some(_) => Err(ApiError::StateMachineAlreadyExists(format!(
                    "State Machine Already Exists: '{arn}'"
                ))),
                None => Ok(s.put_state_machine(&rec)?),
            })?;
        Ok(arn)
    }

    /// `UpdateStateMachine`: new executions use the new definition.
    pub fn update_state_machine(
        &self,
        arn: &str,
        definition: &str,
        placeholders: &BTreeMap<String, String>,
    ) -> Result<(), ApiError> {
        let mut rec = self.state_machine(arn)?;
        rec.definition = load_definition(definition, placeholders)?;
        Ok(self.0.core.store.run_sync(|s| s.put_state_machine(&rec))?)
    }

    /// `DescribeStateMachine`.
    pub fn describe_state_machine(&self, arn: &str) -> Result<StateMachineRecord, ApiError> {
        self.state_machine(arn)
    }

    pub fn list_state_machines(&self) -> Result<Vec<StateMachineRecord>, ApiError> {
        Ok(self.0.core.store.run_sync(|s| s.list_state_machines())?)
    }

    fn state_machine(&self, arn: &str) -> Result<StateMachineRecord, ApiError> {
        self.0.core.store.run_sync(state_machine_in(arn.into()))
    }

    fn execution(&self, arn: &str) -> Result<ExecutionRecord, ApiError> {
        self.0.core.store.run_sync(execution_in(arn.into()))
    }

    async fn execution_async(&self, arn: &str) -> Result<ExecutionRecord, ApiError> {
        self.0.core.store.run(execution_in(arn.into())).await
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.0.core.clock.now()
    }

    /// `StartExecution`. Starting again with the same name and input while
    /// the first is running answers the same execution.
    pub async fn start_execution(
        &self,
        state_machine_arn: &str,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Result<StartExecutionOutput, ApiError> {
        let name = name
            .map(String::from)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        check_name(&name)?;
        let input = input.unwrap_or("{}");
        serde_json::from_str::<Value>(input).map_err(|e| {
            ApiError::InvalidExecutionInput(format!("Invalid State Machine Execution Input: {e}"))
        })?;
        let now = self.now();
        let (sm_arn, input_text) = (state_machine_arn.to_string(), input.to_string());
        // The machine read and the record inserted in one store call.
        let (rec, stored, inserted) = self
            .0
            .core
            .store
            .run(move |s| {
                let sm = state_machine_in(sm_arn)(s)?;
                let rec = ExecutionRecord {
                    arn: execution_arn(&sm.name, &name),
                    name,
                    state_machine_arn: sm.arn,
                    definition: sm.definition,
                    status: ExecutionStatus::Running,
                    input: input_text,
                    output: None,
                    error: None,
                    cause: None,
                    start_date: now,
                    stop_date: None,
                    redrive_count: 0,
                    redrive_date: None,
                };
                let (stored, inserted) = s.insert_execution(&rec)?;
                Ok::<_, ApiError>((rec, stored, inserted))
            })
            .await?;
        if !inserted {
            if stored.status == ExecutionStatus::Running && stored.input == rec.input {
                return Ok(StartExecutionOutput {
                    execution_arn: stored.arn,
                    start_date: stored.start_date,
                });
            }
            return Err(ApiError::ExecutionAlreadyExists(format!(
                "Execution Already Exists: '{}'",
                stored.arn
            )));
        }
        self.spawn(&rec, true)?;
        Ok(StartExecutionOutput {
            execution_arn: rec.arn,
            start_date: now,
        })
    }

    fn machine(&self, definition: &str) -> Result<Arc<Machine>, ApiError> {
        let mut cache = self.0.machines.lock().expect("machines lock");
        if let Some(m) = cache.get(definition) {
            return Ok(m.clone());
        }
        let m =
            definition::parse(definition).map_err(|e| ApiError::InvalidDefinition(e.join("; ")))?;
        cache.insert(definition.to_string(), m.clone());
        Ok(m)
    }

    /// Runs an execution on a task of its own. A `fresh` one (just
    /// inserted by StartExecution) has nothing stored to look up first.
    fn spawn(&self, rec: &ExecutionRecord, fresh: bool) -> Result<(), ApiError> {
        let machine = self.machine(&rec.definition)?;
        let run = Arc::new(Run {
            core: self.0.core.clone(),
            execution_arn: rec.arn.clone(),
            execution_name: rec.name.clone(),
            state_machine_arn: rec.state_machine_arn.clone(),
            state_machine_name: rec
                .state_machine_arn
                .rsplit(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            input: serde_json::from_str(&rec.input).unwrap_or(Value::Null),
            start_time: rec.start_date,
            redrive_count: rec.redrive_count,
        });
        let deadline = machine
            .timeout_seconds
            .map(|t| crate::clock::after(rec.redrive_date.unwrap_or(rec.start_date), t as f64));
        let engine = self.clone();
        let arn = rec.arn.clone();
        let mut running = self.0.running.lock().expect("running lock");
        running.retain(|_, h| !h.is_finished());
        let handle = tokio::spawn(async move {
            // A store error stops the run; after a pause it runs again from
            // the start, which replays what was stored, as after a crash.
            let mut backoff = Backoff::default();
            let mut fresh = fresh;
            while let Err(e) = run_to_end(&run, &machine, deadline, fresh).await {
                fresh = false;
                tracing::warn!(
                    execution = %run.execution_arn, error = %e,
                    "store error; the execution resumes from its history in {:?}",
                    backoff.next()
                );
                backoff.wait().await;
            }
            engine
                .0
                .running
                .lock()
                .expect("running lock")
                .remove(&run.execution_arn);
        });
        running.insert(arn, handle);
        Ok(())
    }

    pub fn describe_execution(&self, arn: &str) -> Result<ExecutionDescription, ApiError> {
        Ok(self.execution(arn)?.into())
    }

    /// `ListExecutions`, newest first, optionally only those in one status.
    pub fn list_executions(
        &self,
        state_machine_arn: &str,
        status: Option<ExecutionStatus>,
    ) -> Result<Vec<ExecutionDescription>, ApiError> {
        self.state_machine(state_machine_arn)?;
        Ok(self
            .0
            .core
            .store
            .run_sync(|s| s.list_executions(Some(state_machine_arn)))?
            .into_iter()
            .filter(|e| status.is_none_or(|s| s == e.status))
            .map(Into::into)
            .collect())
    }

    /// `GetExecutionHistory`, oldest first (see [`HistoryEvent::to_aws_json`]).
    pub fn get_execution_history(&self, arn: &str) -> Result<Vec<HistoryEvent>, ApiError> {
        self.execution(arn)?;
        Ok(self.0.core.store.run_sync(|s| s.history(arn))?)
    }

    /// `StopExecution`: the execution ends ABORTED.
    pub async fn stop_execution(
        &self,
        arn: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<DateTime<Utc>, ApiError> {
        let rec = self.execution_async(arn).await?;
        if rec.status != ExecutionStatus::Running {
            return Ok(rec.stop_date.unwrap_or(rec.start_date));
        }
        // Stop the run first, so that no step starts after the stop; if it
        // ended meanwhile, its end was recorded first and stands.
        if let Some(h) = self.0.running.lock().expect("running lock").remove(arn) {
            h.abort();
        }
        let aborted = Outcome::Aborted(Failure {
            error: error.map(String::from),
            cause: cause.map(String::from),
            needs_state_context: false,
        });
        match record_end(&self.0.core, arn, rec.redrive_count, aborted).await {
            Ok(end) => Ok(end.stop_date.unwrap_or(end.start_date)),
            Err(e) => {
                // Not stopped: the execution goes on, and the caller may
                // ask again.
                self.spawn(&rec, false)?;
                Err(e.into())
            }
        }
    }

    /// `RedriveExecution`: runs a failed, timed-out or aborted execution
    /// again from the steps that did not succeed.
    pub async fn redrive_execution(&self, arn: &str) -> Result<DateTime<Utc>, ApiError> {
        let mut rec = self.execution_async(arn).await?;
        if matches!(
            rec.status,
            ExecutionStatus::Running | ExecutionStatus::Succeeded
        ) {
            return Err(ApiError::ExecutionNotRedrivable(format!(
                "Execution is {}: '{arn}'",
                rec.status.as_str()
            )));
        }
        let now = self.now();
        rec.status = ExecutionStatus::Running;
        rec.redrive_count += 1;
        rec.redrive_date = Some(now);
        rec.stop_date = None;
        rec.output = None;
        rec.error = None;
        rec.cause = None;
        let details = json!({ "redriveCount": rec.redrive_count });
        let ev = NewEvent {
            previous_event_id: 0,
            timestamp: now,
            event_type: "ExecutionRedriven".into(),
            details,
        };
        // Each write can be repeated: a redrive cut short by a store error
        // is completed by the next one.
        let redriven = rec.clone();
        self.0
            .core
            .store
            .run(move |s| {
                let arn = &redriven.arn;
                s.forget_failures(arn)?;
                let key = format!("redrive.{}", redriven.redrive_count);
                s.append_event(arn, Some(&key), ev)?;
                s.update_execution(&redriven)
            })
            .await?;
        self.spawn(&rec, false)?;
        Ok(now)
    }

    /// `SendTaskSuccess`.
    pub async fn send_task_success(&self, token: &str, output: &str) -> Result<(), ApiError> {
        let out: Value = serde_json::from_str(output)
            .map_err(|e| ApiError::InvalidOutput(format!("Invalid Output: {e}")))?;
        let details = json!({
            "resourceType": "lambda", "resource": "invoke.waitForTaskToken",
            "output": out.to_string(), "outputDetails": {"truncated": false},
        });
        self.complete_token(token, "TaskSucceeded", details).await
    }

    /// `SendTaskFailure`.
    pub async fn send_task_failure(
        &self,
        token: &str,
        error: Option<&str>,
        cause: Option<&str>,
    ) -> Result<(), ApiError> {
        let details = json!({
            "resourceType": "lambda", "resource": "invoke.waitForTaskToken",
            "error": error.unwrap_or(""), "cause": cause.unwrap_or(""),
        });
        self.complete_token(token, "TaskFailed", details).await
    }

    /// `SendTaskHeartbeat`: pushes back the task's heartbeat timeout.
    pub async fn send_task_heartbeat(&self, token: &str) -> Result<(), ApiError> {
        let mut t = self.open_token(token).await?;
        t.last_heartbeat = Some(self.now());
        self.0.core.store.run(move |s| s.update_token(&t)).await?;
        self.0.core.token_notify(token).notify_one();
        Ok(())
    }

    async fn open_token(&self, token: &str) -> Result<crate::store::TokenRecord, ApiError> {
        let id = token.to_string();
        let found = self.0.core.store.run(move |s| s.get_token(&id)).await?;
        let t = found.ok_or_else(|| {
            if is_token_shaped(token) {
                ApiError::TaskDoesNotExist("Task Does Not Exist: no task has this token".into())
            } else {
                ApiError::InvalidToken("Invalid Token: the task token is not valid".into())
            }
        })?;
        if !t.open {
            return Err(ApiError::TaskTimedOut(
                "Task Timed Out: the task is no longer waiting".into(),
            ));
        }
        Ok(t)
    }

    async fn complete_token(
        &self,
        token: &str,
        event_type: &str,
        details: Value,
    ) -> Result<(), ApiError> {
        let mut t = self.open_token(token).await?;
        let timestamp = self.now();
        let (ty, recorded_details) = (event_type.to_string(), details.clone());
        // Outcome first, then the token closed: a store error between the
        // two leaves the outcome recorded and a repeated call answered alike.
        let recorded = self
            .0
            .core
            .store
            .run(move |s| {
                // Linked, as AWS links it, to the task's last event in its
                // branch: TaskSubmitted, or TaskStarted when the callback
                // came before the invocation returned.
                let mut previous_event_id = 0;
                for back in [1, 2] {
                    let Some(key) = key_before(&t.outcome_key, back) else {
                        break;
                    };
                    if let Some(e) = s.find_event(&t.execution_arn, &key)? {
                        previous_event_id = e.id;
                        break;
                    }
                }
                let ev = NewEvent {
                    previous_event_id,
                    timestamp,
                    event_type: ty,
                    details: recorded_details,
                };
                let recorded = s.append_event(&t.execution_arn, Some(&t.outcome_key), ev)?;
                t.open = false;
                s.update_token(&t)?;
                Ok::<_, StoreError>(recorded)
            })
            .await;
        // Even after an error the outcome may be stored: the step looks.
        self.0.core.token_notify(token).notify_one();
        let recorded = recorded?;
        if recorded.event_type != event_type || recorded.details != details {
            return Err(ApiError::TaskTimedOut(
                "Task Timed Out: the task had already completed".into(),
            ));
        }
        Ok(())
    }

    /// Waits until the execution is no longer running and describes it.
    pub async fn wait_for_completion(&self, arn: &str) -> Result<ExecutionDescription, ApiError> {
        let mut rx = self.0.core.completions.subscribe();
        loop {
            let d: ExecutionDescription = self.execution_async(arn).await?.into();
            if d.status != ExecutionStatus::Running {
                return Ok(d);
            }
            if rx.changed().await.is_err() {
                return Ok(d);
            }
        }
    }

    /// Number of executions this process is currently running.
    pub fn running_count(&self) -> usize {
        let mut r = self.0.running.lock().expect("running lock");
        r.retain(|_, h| !h.is_finished());
        r.len()
    }
}

pub(crate) enum Outcome {
    Succeeded(Value),
    Failed(Failure),
    TimedOut,
    Aborted(Failure),
}

/// Runs the top-level machine, bounded by the machine's TimeoutSeconds,
/// and records how it ended.
async fn drive(
    run: &Arc<Run>,
    machine: &Machine,
    deadline: Option<DateTime<Utc>>,
    fresh: bool,
) -> Result<ExecutionRecord, StoreError> {
    // Recorded here rather than in start_execution so that an execution
    // whose start was cut short by a crash gets it when resumed.
    let details = json!({
        "input": run.input.to_string(),
        "inputDetails": {"truncated": false},
        "roleArn": ROLE_ARN,
        "stateMachineArn": run.state_machine_arn,
    });
    let mut b = Branch::new(ROOT_BRANCH.to_string(), 1, 0, run.start_time, fresh);
    // Stored with the first state's entered event, which AWS records with
    // previousEventId 0.
    b.pending.push(Append {
        key: Some(format!("{ROOT_BRANCH}#0")),
        event: NewEvent {
            previous_event_id: 0,
            timestamp: run.start_time,
            event_type: "ExecutionStarted".into(),
            details,
        },
        chained: false,
    });
    let mut vars = Vars::default();
    let body = run_machine(run, machine, run.input.clone(), &mut b, &mut vars);
    let result = match deadline {
        Some(d) => tokio::select! {
            r = body => Some(r),
            _ = run.core.clock.sleep_until(d) => None,
        },
        None => Some(body.await),
    };
    let outcome = match result {
        Some(Ok(v)) => Outcome::Succeeded(v),
        Some(Err(Halt::Failed(f))) => Outcome::Failed(f),
        Some(Err(Halt::Store(e))) => return Err(e),
        None => Outcome::TimedOut,
    };
    finish(run, &mut b, outcome).await
}

/// Runs an execution to its end and records it. An end already recorded
/// (a crash or a store error came before the record said so) is applied,
/// not run to again: an execution that ended, or was stopped, runs no
/// further step.
async fn run_to_end(
    run: &Arc<Run>,
    machine: &Machine,
    deadline: Option<DateTime<Utc>>,
    fresh: bool,
) -> Result<ExecutionRecord, StoreError> {
    let (arn, key) = (run.execution_arn.clone(), end_key(run.redrive_count));
    if !fresh
        && let Some(end) = run
            .core
            .store
            .run(move |s| s.find_event(&arn, &key))
            .await?
    {
        return apply_end(&run.core, &run.execution_arn, end).await;
    }
    drive(run, machine, deadline, fresh).await
}

/// The history key of the event that ends an execution (once per redrive).
fn end_key(redrive_count: u32) -> String {
    format!("end.{redrive_count}")
}

/// The event that records how an execution ended.
fn end_event(core: &Core, outcome: Outcome) -> NewEvent {
    let (ty, details) = match outcome {
        Outcome::Succeeded(v) => (
            "ExecutionSucceeded",
            json!({"output": v.to_string(), "outputDetails": {"truncated": false}}),
        ),
        Outcome::Failed(f) => (
            "ExecutionFailed",
            json!({"error": f.error, "cause": f.cause}),
        ),
        Outcome::TimedOut => (
            "ExecutionTimedOut",
            json!({"error": crate::error::names::TIMEOUT, "cause": null}),
        ),
        Outcome::Aborted(f) => (
            "ExecutionAborted",
            json!({"error": f.error, "cause": f.cause}),
        ),
    };
    NewEvent {
        previous_event_id: 0,
        timestamp: core.clock.now(),
        event_type: ty.into(),
        details,
    }
}

/// Ends a run: its top-level branch's pending events, its end (the first
/// end recorded wins: a timeout or a stop may have come first), its tokens
/// closed and its record brought up to date, all in one store call. A
/// failure undoes it all, and the run replays and ends again.
async fn finish(
    run: &Run,
    b: &mut Branch,
    outcome: Outcome,
) -> Result<ExecutionRecord, StoreError> {
    let core = &run.core;
    let mut events = std::mem::take(&mut b.pending);
    events.push(Append {
        key: Some(end_key(run.redrive_count)),
        event: end_event(core, outcome),
        chained: false,
    });
    let arn = run.execution_arn.clone();
    let (closed, rec) = core
        .store
        .run(move |s| {
            let end = s
                .append_events(&arn, events)?
                .pop()
                .ok_or_else(|| StoreError("the store returned no event".into()))?;
            let closed = close_tokens(s, &arn)?;
            Ok::<_, StoreError>((closed, update_record(s, &arn, &end)?))
        })
        .await?;
    ended_now(core, closed);
    Ok(rec)
}

/// Records how an execution ended (the first end recorded wins), closing
/// its tokens in the same call, then updates its record.
async fn record_end(
    core: &Core,
    arn: &str,
    redrive_count: u32,
    outcome: Outcome,
) -> Result<ExecutionRecord, StoreError> {
    let ev = end_event(core, outcome);
    let (appending, key) = (arn.to_string(), end_key(redrive_count));
    let (closed, end) = core
        .store
        .run(move |s| {
            let end = s.append_event(&appending, Some(&key), ev)?;
            Ok::<_, StoreError>((close_tokens(s, &appending)?, end))
        })
        .await?;
    forget_waiters(core, closed);
    write_record(core, arn, end).await
}

/// Closes an execution's tokens and updates its record from its end
/// event. Tokens first: a callback for an execution that ended is refused
/// even while its record cannot be updated. Each write can be repeated, so
/// applying again completes what a crash or a store error cut short.
async fn apply_end(
    core: &Core,
    arn: &str,
    end: HistoryEvent,
) -> Result<ExecutionRecord, StoreError> {
    let closing = arn.to_string();
    let closed = core.store.run(move |s| close_tokens(s, &closing)).await?;
    forget_waiters(core, closed);
    write_record(core, arn, end).await
}

/// Updates an execution's record from its end event.
async fn write_record(
    core: &Core,
    arn: &str,
    end: HistoryEvent,
) -> Result<ExecutionRecord, StoreError> {
    let arn = arn.to_string();
    let rec = core
        .store
        .run(move |s| update_record(s, &arn, &end))
        .await?;
    ended_now(core, Vec::new());
    Ok(rec)
}

/// Closes an execution's open tokens (callbacks on them are then
/// answered TaskTimedOut); returns them.
fn close_tokens(s: &dyn Store, arn: &str) -> Result<Vec<String>, StoreError> {
    let mut closed = Vec::new();
    for mut t in s.open_tokens(arn)? {
        t.open = false;
        s.update_token(&t)?;
        closed.push(t.token);
    }
    Ok(closed)
}

/// The execution's record, updated as its end event says it ended.
fn update_record(
    s: &dyn Store,
    arn: &str,
    end: &HistoryEvent,
) -> Result<ExecutionRecord, StoreError> {
    let rec = s
        .get_execution(arn)?
        .ok_or_else(|| StoreError(format!("no record of the execution {arn}")))?;
    let rec = ended(rec, end);
    s.update_execution(&rec)?;
    Ok(rec)
}

fn forget_waiters(core: &Core, closed: Vec<String>) {
    for token in closed {
        core.forget_waiter(&token);
    }
}

/// Tells those awaiting an execution's end that one ended.
fn ended_now(core: &Core, closed: Vec<String>) {
    forget_waiters(core, closed);
    core.completions.send_modify(|n| *n += 1);
}

/// The execution's record as its end event says it ended.
fn ended(mut rec: ExecutionRecord, end: &HistoryEvent) -> ExecutionRecord {
    let text = |k: &str| end.details.get(k).and_then(Value::as_str).map(String::from);
    rec.status = match end.event_type.as_str() {
        "ExecutionSucceeded" => ExecutionStatus::Succeeded,
        "ExecutionFailed" => ExecutionStatus::Failed,
        "ExecutionTimedOut" => ExecutionStatus::TimedOut,
        _ => ExecutionStatus::Aborted,
    };
    rec.output = text("output");
    rec.error = text("error");
    rec.cause = text("cause");
    rec.stop_date = Some(end.timestamp);
    rec
}

/// Reads a state machine's record, or says it does not exist.
fn state_machine_in(
    arn: String,
) -> impl FnOnce(&dyn Store) -> Result<StateMachineRecord, ApiError> + Send + 'static {
    move |s| {
        s.get_state_machine(&arn)?.ok_or_else(|| {
            ApiError::StateMachineDoesNotExist(format!("State Machine Does Not Exist: '{arn}'"))
        })
    }
}

/// Reads an execution's record, or says it does not exist.
fn execution_in(
    arn: String,
) -> impl FnOnce(&dyn Store) -> Result<ExecutionRecord, ApiError> + Send + 'static {
    move |s| {
        s.get_execution(&arn)?.ok_or_else(|| {
            ApiError::ExecutionDoesNotExist(format!("Execution Does Not Exist: '{arn}'"))
        })
    }
}
