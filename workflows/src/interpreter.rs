//! Running states: the transition loop, input/output processing around each
//! state, Retry and Catch, and the Choice, Wait, Fail, Parallel and Map kinds
//! (Task is in `tasks`).

use crate::definition::{Field, Items, Kind, Machine, MapSpec, NumberSource, State, WaitSpec};
use crate::error::{Failure, Halt, names};
use crate::history::HistoryEvent;
use crate::payload::{Expect, Scope, Vars, evaluate_assign};
use crate::query::{self, QueryLanguage, States};
use crate::retry::matches;
use crate::run::{Branch, Run};
use crate::values::{MAX_PAYLOAD_BYTES, message_text, parse_timestamp, payload_size};
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serde_json::{Map, Value, json};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

enum Step {
    Next(String, Value),
    End(Value),
}

/// Runs a machine (or branch) from its StartAt state to its end.
pub(crate) fn run_machine<'a>(
    run: &'a Arc<Run>,
    m: &'a Machine,
    input: Value,
    b: &'a mut Branch,
    vars: &'a mut Vars,
) -> BoxFuture<'a, Result<Value, Halt>> {
    Box::pin(async move {
        let mut name = m.start_at.clone();
        let mut input = input;
        loop {
            let st = m
                .states
                .get(&name)
                .ok_or_else(|| Failure::runtime(format!("no state named '{name}'")))?;
            match run_state(run, st, input, b, vars).await? {
                Step::Next(n, out) => {
                    name = n;
                    input = out;
                }
                Step::End(out) => return Ok(out),
            }
        }
    })
}

fn state_details(name: &str, field: &str, v: &Value) -> Value {
    json!({ "name": name, field: v.to_string(), format!("{field}Details"): {"truncated": false} })
}

async fn run_state(
    run: &Arc<Run>,
    st: &State,
    raw: Value,
    b: &mut Branch,
    vars: &mut Vars,
) -> Result<Step, Halt> {
    let prefix = st.kind.event_prefix();
    let (entered_type, entered_details) = (
        format!("{prefix}StateEntered"),
        state_details(&st.name, "input", &raw),
    );
    // A state that waits on nothing between its entered event and its next
    // one lets the former wait in a fresh run (its timestamp is not yet
    // recorded in a replay, which reads it back instead); the id, known
    // once stored, is only needed to word a failure.
    let waits = matches!(st.kind, Kind::Task(_) | Kind::Wait(_));
    let mut entered = if b.fresh && !waits {
        let timestamp = run.core.clock.now();
        let key = run.emit_later(b, &entered_type, entered_details);
        Entered::Pending(key, timestamp)
    } else {
        Entered::Stored(run.emit(b, &entered_type, entered_details).await?)
    };
    let mut retries = vec![0u32; st.retry.len()];
    loop {
        let retry_count = retries.iter().sum::<u32>();
        let entered_time = entered.timestamp();
        let result = attempt(run, st, &raw, entered_time, retry_count, b, vars).await;
        let (f, entered_id) = match result {
            Ok(step) => return Ok(step),
            Err(Halt::Failed(f)) => {
                let e = match entered {
                    Entered::Stored(e) => e,
                    Entered::Pending(key, _) => run.stored(b, key).await?,
                };
                let id = e.id;
                entered = Entered::Stored(e);
                (in_state(f, st, id), id)
            }
            Err(store_error) => return Err(store_error),
        };
        if let Some(i) = st.retry.iter().position(|r| matches(&r.errors, &f)) {
            let r = &st.retry[i];
            if retries[i] < r.max_attempts {
                let delay = r.delay_seconds(retries[i], run.stable_unit(b));
                retries[i] += 1;
                let due = crate::clock::after(b.last_time, delay);
                run.core.clock.sleep_until(due).await;
                continue;
            }
        }
        if let Some(c) = st.catch.iter().find(|c| matches(&c.errors, &f)) {
            let mut err = Map::new();
            if let Some(e) = &f.error {
                err.insert("Error".into(), e.clone().into());
            }
            if let Some(c) = &f.cause {
                err.insert("Cause".into(), c.clone().into());
            }
            let err = Value::Object(err);
            let ctx = run.context(&st.name, entered.timestamp(), None);
            let caught = {
                let states =
                    States::new(&raw, &ctx, vars, run.core.clock.now()).with_error_output(&err);
                let scope = Scope {
                    input: &err,
                    context: &ctx,
                    vars,
                };
                let out = match (st.query, &c.output) {
                    (QueryLanguage::JsonPath, _) => c.result_path.apply(&raw, err.clone()),
                    (QueryLanguage::Jsonata, Some(o)) => o.eval("Output", &states),
                    (QueryLanguage::Jsonata, None) => Ok(err.clone()),
                };
                out.and_then(|out| {
                    let assigned = c
                        .assign
                        .as_ref()
                        .map(|a| evaluate_assign(a, &scope, &states))
                        .transpose()?;
                    Ok((out, assigned))
                })
            };
            let (out, assigned) = caught.map_err(|f| in_state(f, st, entered_id))?;
            if let Some(a) = assigned {
                vars.assign(a);
            }
            run.emit_later(
                b,
                &format!("{prefix}StateExited"),
                state_details(&st.name, "output", &out),
            );
            return Ok(Step::Next(c.next.clone(), out));
        }
        return Err(f.into());
    }
}

/// A state's entered event: stored, or waiting to be stored with the
/// branch's next event (its key and timestamp).
enum Entered {
    Stored(HistoryEvent),
    Pending(String, chrono::DateTime<chrono::Utc>),
}

impl Entered {
    fn timestamp(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Entered::Stored(e) => e.timestamp,
            Entered::Pending(_, t) => *t,
        }
    }
}

/// A failure whose cause still needs where it happened gets the state's
/// name and entered-event id, as AWS words it.
fn in_state(mut f: Failure, st: &State, entered_id: u64) -> Failure {
    if f.needs_state_context {
        f.cause = Some(format!(
            "An error occurred while executing the state '{}' (entered at the event id #{}). {}",
            st.name,
            entered_id,
            f.cause.unwrap_or_default()
        ));
        f.needs_state_context = false;
    }
    f
}

/// The input a state passes on to its work: JSONPath's `Parameters` or
/// JSONata's `Arguments`, else its effective input.
pub(crate) fn arguments(
    st: &State,
    eff: &Value,
    ctx: &Value,
    vars: &Vars,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Value, Failure> {
    if let Some(p) = &st.parameters {
        return p.eval(&Scope {
            input: eff,
            context: ctx,
            vars,
        });
    }
    if let Some(a) = &st.arguments {
        return a.eval("Arguments", &States::new(eff, ctx, vars, now));
    }
    Ok(eff.clone())
}

/// What follows a state that did not fail: where to go, with which
/// `Assign` and (JSONata) `Output`.
struct Chosen<'a> {
    next: Option<&'a String>,
    assign: Option<&'a Field>,
    output: Option<&'a query::Template>,
}

/// One attempt at a state: everything from InputPath to OutputPath (or
/// from Arguments to Output).
async fn attempt(
    run: &Arc<Run>,
    st: &State,
    raw: &Value,
    entered: chrono::DateTime<chrono::Utc>,
    retry_count: u32,
    b: &mut Branch,
    vars: &mut Vars,
) -> Result<Step, Halt> {
    let is_task = matches!(st.kind, Kind::Task(_));
    let mut ctx = run.context(&st.name, entered, is_task.then_some(retry_count));
    let now = || run.core.clock.now();
    let eff = st.input_path.apply(&Scope {
        input: raw,
        context: &ctx,
        vars,
    })?;
    let mut chosen = Chosen {
        next: st.next.as_ref(),
        assign: st.assign.as_ref(),
        output: st.output.as_ref(),
    };
    // The state's result (`$states.result` in JSONata).
    let result: Option<Value> = match &st.kind {
        Kind::Pass { result } => Some(match result {
            Some(r) => r.clone(),
            None => arguments(st, &eff, &ctx, vars, now())?,
        }),
        Kind::Task(spec) => Some(
            Box::pin(crate::tasks::run_task(
                run, st, spec, &eff, &mut ctx, vars, b,
            ))
            .await?,
        ),
        Kind::Parallel { branches } => {
            let input = arguments(st, &eff, &ctx, vars, now())?;
            Some(Box::pin(run_parallel(run, branches, input, b, vars)).await?)
        }
        // Boxed: only the kind that runs pays for its future's size.
        Kind::Map(spec) => Some(Box::pin(run_map(run, st, spec, &eff, &ctx, b, vars)).await?),
        Kind::Choice { choices, default } => {
            let scope = Scope {
                input: &eff,
                context: &ctx,
                vars,
            };
            let states = States::new(raw, &ctx, vars, now());
            let mut matched = None;
            for c in choices {
                if c.test.eval(&scope, &states)? {
                    matched = Some(c);
                    break;
                }
            }
            match (matched, default) {
                (Some(c), _) => {
                    chosen = Chosen {
                        next: Some(&c.next),
                        assign: c.assign.as_ref(),
                        output: c.output.as_ref(),
                    }
                }
                (None, Some(d)) => chosen.next = Some(d),
                (None, None) => {
                    return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
                }
            }
            None
        }
        Kind::Wait(spec) => {
            let due = wait_until(
                spec,
                &Scope {
                    input: &eff,
                    context: &ctx,
                    vars,
                },
                &States::new(raw, &ctx, vars, now()),
                entered,
            )?;
            run.core.clock.sleep_until(due).await;
            None
        }
        Kind::Succeed => None,
        Kind::Fail { error, cause } => {
            let scope = Scope {
                input: &eff,
                context: &ctx,
                vars,
            };
            let states = States::new(raw, &ctx, vars, now());
            let text = |t: &Option<Field>, name: &str| -> Result<Option<String>, Failure> {
                Ok(t.as_ref()
                    .map(|t| t.eval(name, &scope, &states))
                    .transpose()?
                    .map(|v| message_text(&v)))
            };
            return Err(Failure {
                error: text(error, "Error")?,
                cause: text(cause, "Cause")?,
                needs_state_context: false,
            }
            .into());
        }
    };

    let (output, assign_input, result) = match result {
        Some(mut r) => {
            if let Some(sel) = &st.result_selector {
                r = sel.eval(&Scope {
                    input: &r,
                    context: &ctx,
                    vars,
                })?;
            }
            if payload_size(&r) > MAX_PAYLOAD_BYTES {
                return Err(Failure::new(
                    names::DATA_LIMIT_EXCEEDED,
                    format!(
                        "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                        st.name
                    ),
                )
                .into());
            }
            (st.result_path.apply(raw, r.clone())?, r.clone(), Some(r))
        }
        None => (eff.clone(), eff.clone(), None),
    };
    let (output, assigned) = {
        let mut states = States::new(raw, &ctx, vars, now());
        if let (Some(r), Kind::Task(_) | Kind::Parallel { .. } | Kind::Map(_)) = (&result, &st.kind)
        {
            states = states.with_result(r);
        }
        let assigned = chosen
            .assign
            .map(|a| {
                evaluate_assign(
                    a,
                    &Scope {
                        input: &assign_input,
                        context: &ctx,
                        vars,
                    },
                    &states,
                )
            })
            .transpose()?;
        let output = match chosen.output {
            Some(t) => t.eval("Output", &states)?,
            None => st.output_path.apply(&Scope {
                input: &output,
                context: &ctx,
                vars,
            })?,
        };
        (output, assigned)
    };
    if let Some(a) = assigned {
        vars.assign(a);
    }
    if !matches!(st.kind, Kind::Fail { .. }) {
        let prefix = st.kind.event_prefix();
        run.emit_later(
            b,
            &format!("{prefix}StateExited"),
            state_details(&st.name, "output", &output),
        );
    }
    Ok(match chosen.next {
        Some(n) => Step::Next(n.clone(), output),
        None => Step::End(output),
    })
}

fn wait_until(
    spec: &WaitSpec,
    scope: &Scope,
    states: &States,
    entered: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, Failure> {
    // A long of seconds past the engine's latest date waits until it.
    let from_seconds = |s: f64| crate::clock::after(entered, s);
    match spec {
        WaitSpec::Seconds(NumberSource::Literal(n)) => Ok(from_seconds(*n)),
        WaitSpec::Seconds(NumberSource::Expr(e)) => {
            let v = e.eval("Seconds", states)?;
            match v.as_i64() {
                Some(n) if n >= 0 => Ok(from_seconds(n as f64)),
                _ => Err(e.unexpected("Seconds", "non-negative integer", &v)),
            }
        }
        WaitSpec::Seconds(NumberSource::Path(p)) => {
            let v = scope.resolve(p).ok_or_else(|| {
                Failure::runtime(format!(
                    "The SecondsPath parameter does not reference an input value: {}",
                    p.text
                ))
            })?;
            match v.as_i64() {
                Some(n) if n < 0 => Err(Failure::runtime(format!(
                    "The SecondsPath parameter references a negative value: {} == {}",
                    p.text,
                    message_text(&v)
                ))),
                Some(n) => Ok(from_seconds(n as f64)),
                None => Err(Failure::runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                    p.text,
                    message_text(&v)
                ))),
            }
        }
        WaitSpec::Timestamp(t) => Ok(whole_second(*t)),
        WaitSpec::TimestampExpr(e) => {
            let v = e.eval("Timestamp", states)?;
            v.as_str().and_then(parse_timestamp).map(whole_second).ok_or_else(|| {
                Failure::query(format!(
                    "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {}",
                    message_text(&v)
                ))
            })
        }
        WaitSpec::TimestampPath(p) => {
            let v = scope.require(p)?;
            v.as_str().and_then(parse_timestamp).map(whole_second).ok_or_else(|| {
                Failure::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {}",
                    p.text,
                    message_text(&v)
                ))
            })
        }
    }
}

/// Step Functions waits until a timestamp's second: it drops the fraction
/// (developer guide, Wait state).
fn whole_second(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    t - chrono::Duration::nanoseconds(i64::from(t.timestamp_subsec_nanos()))
}

async fn run_parallel(
    run: &Arc<Run>,
    branches: &[Arc<Machine>],
    input: Value,
    b: &mut Branch,
    vars: &Vars,
) -> Result<Value, Halt> {
    let started = run.emit(b, "ParallelStateStarted", Value::Null).await?;
    let parent = Arc::new(vars.clone());
    let runs = branches.iter().enumerate().map(|(i, m)| {
        let (run, m, input) = (run.clone(), m.clone(), input.clone());
        let mut cb = b.child(&started, i);
        let mut cv = parent.child();
        async move {
            let r = run_machine(&run, &m, input, &mut cb, &mut cv).await;
            // The branch's last events are its own: stored before it counts
            // as ended.
            let r = match r {
                Err(Halt::Store(e)) => Err(Halt::Store(e)),
                r => run.flush(&mut cb).await.map_err(Halt::from).and(r),
            };
            (i, r)
        }
    });
    let outcome = collect(runs, usize::MAX, branches.len(), None).await;
    match outcome {
        Ok(results) => {
            run.emit_later(b, "ParallelStateSucceeded", Value::Null);
            Ok(Value::Array(results))
        }
        Err(Halt::Failed(f)) => {
            let details = json!({"error": f.error, "cause": f.cause});
            run.emit(b, "ParallelStateFailed", details).await?;
            Err(f.into())
        }
        Err(store_error) => Err(store_error),
    }
}

async fn run_map(
    run: &Arc<Run>,
    st: &State,
    spec: &MapSpec,
    eff: &Value,
    ctx: &Value,
    b: &mut Branch,
    vars: &Vars,
) -> Result<Value, Halt> {
    let scope = Scope {
        input: eff,
        context: ctx,
        vars,
    };
    // Read and checked before the first event, so no iteration starts on a
    // Map that then fails; `States` is dropped before the first await.
    let (max, count, pct, inputs) = {
        let states = States::new(eff, ctx, vars, run.core.clock.now());
        let not_array = |items: &Value, f: fn(String) -> Failure| {
            f(format!("Map state input must be an array but was: {items}"))
        };
        let items = match &spec.items {
            Items::Path(p) => {
                let items = p.apply(&scope)?;
                if !items.is_array() {
                    return Err(not_array(&items, Failure::runtime).into());
                }
                items
            }
            Items::Jsonata(None) if !eff.is_array() => {
                return Err(not_array(eff, Failure::query).into());
            }
            Items::Jsonata(None) => eff.clone(),
            Items::Jsonata(Some(t)) => {
                let items = t.eval("Items", &states)?;
                match t {
                    query::Template::Expr(e) if !items.is_array() => {
                        return Err(e.unexpected("Items", "array", &items).into());
                    }
                    _ if !items.is_array() => return Err(not_array(&items, Failure::query).into()),
                    _ => items,
                }
            }
        };
        let max = scope.number(
            &spec.max_concurrency,
            "MaxConcurrency",
            Expect::Truncated,
            &states,
        )?;
        if let Some(m) = max.filter(|m| *m < 0.0) {
            return Err(Failure::runtime(format!(
                "Expected non-negative integer for MaxConcurrency, got '{m}' instead."
            ))
            .into());
        }
        let count = scope.number(
            &spec.tolerated_count,
            "ToleratedFailureCount",
            Expect::Integer,
            &states,
        )?;
        if count.is_some_and(|c| c < 0.0) {
            return Err(Failure::runtime("ToleratedFailureCount cannot be negative.").into());
        }
        let pct = scope.number(
            &spec.tolerated_percentage,
            "ToleratedFailurePercentage",
            Expect::Float,
            &states,
        )?;
        if pct.is_some_and(|p| !(0.0..=100.0).contains(&p)) {
            return Err(
                Failure::runtime("ToleratedFailurePercentage must be between 0 and 100.").into(),
            );
        }
        let list = items.as_array().map(Vec::as_slice).unwrap_or_default();
        let mut inputs = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            inputs.push(match &spec.item_selector {
                Some(sel) => {
                    let mut c = ctx.clone();
                    c["Map"] = json!({"Item": {"Index": i, "Value": item}});
                    sel.eval(
                        "ItemSelector",
                        &Scope {
                            input: eff,
                            context: &c,
                            vars,
                        },
                        &States::new(eff, &c, vars, states.now),
                    )?
                }
                None => item.clone(),
            });
        }
        (max, count, pct, inputs)
    };
    let n = inputs.len();
    let started = run.emit(b, "MapStateStarted", json!({"length": n})).await?;
    let parent = Arc::new(vars.clone());
    let limit = match max {
        Some(m) if m >= 1.0 => m as usize,
        _ => usize::MAX,
    };
    let runs = inputs.into_iter().enumerate().map(|(i, input)| {
        let (run, m, name) = (run.clone(), spec.processor.clone(), st.name.clone());
        let mut cb = b.child(&started, i);
        let mut cv = parent.child();
        async move {
            let d = json!({"name": name, "index": i});
            (i, run_iteration(&run, &m, input, d, &mut cb, &mut cv).await)
        }
    });
    let tolerance = (count.is_some() || pct.is_some()).then_some(Tolerance { count, pct });
    match collect(runs, limit, n, tolerance).await {
        Ok(results) => {
            run.emit_later(b, "MapStateSucceeded", Value::Null);
            Ok(Value::Array(results))
        }
        Err(Halt::Failed(f)) => {
            run.emit(b, "MapStateFailed", Value::Null).await?;
            Err(f.into())
        }
        Err(store_error) => Err(store_error),
    }
}

/// One Map iteration, between its `MapIterationStarted` event and the
/// event that says how it ended.
async fn run_iteration(
    run: &Arc<Run>,
    m: &Machine,
    input: Value,
    details: Value,
    b: &mut Branch,
    vars: &mut Vars,
) -> Result<Value, Halt> {
    run.emit_later(b, "MapIterationStarted", details.clone());
    let r = run_machine(run, m, input, b, vars).await;
    let ended = match &r {
        Ok(_) => "MapIterationSucceeded",
        Err(Halt::Failed(_)) => "MapIterationFailed",
        Err(Halt::Store(_)) => return r,
    };
    run.emit(b, ended, details).await?;
    r
}

/// How many failed iterations a Map tolerates.
#[derive(Clone, Copy)]
struct Tolerance {
    count: Option<f64>,
    pct: Option<f64>,
}

/// Runs branches with at most `limit` at once and gathers their results in
/// order. The first failure cancels the rest, unless a tolerance is given,
/// in which case failures are counted and their `{Error, Cause}` take their
/// place in the results. A store error always cancels the rest.
async fn collect<F>(
    runs: impl Iterator<Item = F>,
    limit: usize,
    n: usize,
    tolerance: Option<Tolerance>,
) -> Result<Vec<Value>, Halt>
where
    F: Future<Output = (usize, Result<Value, Halt>)> + Send,
{
    let mut runs = runs;
    let mut results = vec![Value::Null; n];
    let mut active = FuturesUnordered::new();
    let mut failed = 0usize;
    loop {
        while active.len() < limit {
            match runs.next() {
                Some(f) => active.push(f),
                None => break,
            }
        }
        let Some((i, r)) = active.next().await else {
            break;
        };
        match (r, tolerance) {
            (Ok(v), _) => results[i] = v,
            (Err(Halt::Failed(f)), Some(t)) => {
                failed += 1;
                let over_count = t.count.is_some_and(|c| failed as f64 > c);
                let over_pct = t.pct.is_some_and(|p| failed as f64 * 100.0 / n as f64 > p);
                if over_count || over_pct {
                    return Err(Failure::new(
                        names::TOLERATED_FAILURE,
                        "The specified tolerance threshold was exceeded",
                    )
                    .into());
                }
                results[i] = json!({"Error": f.error, "Cause": f.cause});
            }
            (Err(halt), _) => return Err(halt),
        }
    }
    Ok(results)
}
