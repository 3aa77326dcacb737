//! The console's pages and its two actions (stop, redrive).

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use campaigns_contracts::records::MockExam;
use campaigns_records::Table;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::Value;
use workflows::{ExecutionDescription, ExecutionStatus, HistoryEvent};

use super::Console;
use super::graph::{self, Marks, Progress};
use super::html::{esc, page, pretty_json, status_badge, url_param, when};

/// At most this many executions on the list.
const LIST_LIMIT: usize = 500;
/// At most this many records per table.
const RECORDS_LIMIT: usize = 200;

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(page(
            "Not found",
            "executions",
            &format!(
                "<h1>Not found</h1><div class=\"box error\">{}</div>",
                esc(what)
            ),
        )),
    )
        .into_response()
}

fn unavailable(err: impl std::fmt::Display) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(page(
            "Unavailable",
            "executions",
            &format!(
                "<h1>Unavailable</h1><div class=\"box error\">{}</div>",
                esc(&err.to_string())
            ),
        )),
    )
        .into_response()
}

fn execution_link(arn: &str) -> String {
    format!("/console/execution?arn={}", url_param(arn))
}

/// The state machine's name from its ARN.
fn machine_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(rename = "stateMachine")]
    state_machine: Option<String>,
    status: Option<String>,
}

pub(crate) async fn executions(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Response {
    if let Some(refused) = console.guard(&headers, "/console/executions") {
        return refused;
    }
    let engine = &console.ops.engine;
    let machines = match engine.list_state_machines() {
        Ok(machines) => machines,
        Err(err) => return unavailable(err),
    };
    let wanted_machine = query.state_machine.as_deref().filter(|m| !m.is_empty());
    let wanted_status = query
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .and_then(ExecutionStatus::parse);
    let mut rows: Vec<ExecutionDescription> = Vec::new();
    for machine in &machines {
        if wanted_machine.is_some_and(|wanted| wanted != machine.name) {
            continue;
        }
        match engine.list_executions(&machine.arn, wanted_status) {
            Ok(found) => rows.extend(found),
            Err(err) => return unavailable(err),
        }
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.start_date));
    let total = rows.len();
    rows.truncate(LIST_LIMIT);

    let mut body = String::from("<h1>Executions</h1>");
    let _ = write!(
        body,
        "<form class=\"filters\" method=\"get\" action=\"/console/executions\">\
         <label>Journey<br><select name=\"stateMachine\"><option value=\"\">all</option>"
    );
    for machine in &machines {
        let selected = if wanted_machine == Some(machine.name.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{n}\"{selected}>{n}</option>",
            n = esc(&machine.name)
        );
    }
    body.push_str(
        "</select></label><label>Status<br><select name=\"status\"><option value=\"\">all</option>",
    );
    for status in [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ] {
        let selected = if wanted_status == Some(status) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            body,
            "<option value=\"{s}\"{selected}>{s}</option>",
            s = status.as_str()
        );
    }
    body.push_str("</select></label><button type=\"submit\">Filter</button></form>");
    let _ = write!(
        body,
        "<p class=\"muted\">{total} execution{s}{more}, newest first.</p>",
        s = if total == 1 { "" } else { "s" },
        more = if total > LIST_LIMIT {
            format!(" (the first {LIST_LIMIT} shown)")
        } else {
            String::new()
        }
    );
    body.push_str(
        "<table id=\"executions\"><thead><tr><th>Execution</th><th>Journey</th><th>Status</th>\
         <th>Current state</th><th>Started</th><th>Ended</th></tr></thead><tbody>",
    );
    for row in &rows {
        let current = if row.status == ExecutionStatus::Running {
            engine
                .get_execution_history(&row.execution_arn)
                .map(|history| Progress::from_history(&history).open_states().join(" › "))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let _ = write!(
            body,
            "<tr data-execution=\"{name}\"><td><a href=\"{link}\">{name}</a></td><td>{machine}</td>\
             <td>{status}</td><td>{current}</td><td>{started}</td><td>{ended}</td></tr>",
            name = esc(&row.name),
            link = esc(&execution_link(&row.execution_arn)),
            machine = esc(machine_name(&row.state_machine_arn)),
            status = status_badge(row.status.as_str()),
            current = esc(&current),
            started = when(row.start_date),
            ended = row.stop_date.map(when).unwrap_or_default(),
        );
    }
    if rows.is_empty() {
        body.push_str("<tr><td colspan=\"6\" class=\"muted\">No executions.</td></tr>");
    }
    body.push_str("</tbody></table>");
    Html(page("Executions", "executions", &body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct ExecutionQuery {
    arn: String,
    done: Option<String>,
    failed: Option<String>,
}

/// A task the execution waits on: its token and what it waits for.
struct Waiting {
    token: String,
    state: String,
    since: Option<DateTime<Utc>>,
    timeout: Option<u64>,
    heartbeat: Option<u64>,
    last_heartbeat: Option<DateTime<Utc>>,
    function: String,
    payload: Value,
}

/// The open tokens of the execution, each matched to the `TaskScheduled`
/// event whose parameters carry it (and so to its state and timeouts).
fn waiting(console: &Console, arn: &str, history: &[HistoryEvent]) -> Vec<Waiting> {
    let Ok(tokens) = console.ops.engine_store.open_tokens(arn) else {
        return Vec::new();
    };
    let by_id: BTreeMap<u64, &HistoryEvent> = history.iter().map(|e| (e.id, e)).collect();
    tokens
        .into_iter()
        .map(|token| {
            let scheduled = history.iter().find(|event| {
                event.event_type == "TaskScheduled"
                    && event.details["parameters"]
                        .as_str()
                        .is_some_and(|params| params.contains(&token.token))
            });
            let parameters: Value = scheduled
                .and_then(|event| event.details["parameters"].as_str())
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or(Value::Null);
            let state = scheduled
                .and_then(|event| by_id.get(&event.previous_event_id))
                .and_then(|entered| entered.details["name"].as_str())
                .unwrap_or("(being scheduled)")
                .to_owned();
            let mut payload = parameters.get("Payload").cloned().unwrap_or(Value::Null);
            if let Some(fields) = payload.as_object_mut() {
                fields.retain(|_, value| value.as_str() != Some(token.token.as_str()));
            }
            Waiting {
                function: parameters["FunctionName"]
                    .as_str()
                    .map(|f| f.rsplit(':').next().unwrap_or(f).to_owned())
                    .unwrap_or_default(),
                payload,
                state,
                since: scheduled.map(|event| event.timestamp),
                timeout: scheduled.and_then(|event| event.details["timeoutInSeconds"].as_u64()),
                heartbeat: scheduled.and_then(|event| event.details["heartbeatInSeconds"].as_u64()),
                last_heartbeat: token.last_heartbeat,
                token: token.token,
            }
        })
        .collect()
}

fn duration(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    for (value, unit) in [(d, "d"), (h, "h"), (m, "min"), (s, "s")] {
        if value > 0 {
            parts.push(format!("{value} {unit}"));
        }
    }
    if parts.is_empty() {
        "0 s".into()
    } else {
        parts.join(" ")
    }
}

pub(crate) async fn execution(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(query): Query<ExecutionQuery>,
) -> Response {
    if let Some(refused) = console.guard(&headers, &execution_link(&query.arn)) {
        return refused;
    }
    let engine = &console.ops.engine;
    let description = match engine.describe_execution(&query.arn) {
        Ok(description) => description,
        Err(workflows::ApiError::ExecutionDoesNotExist(_)) => {
            return not_found(&format!("No execution {}", query.arn));
        }
        Err(err) => return unavailable(err),
    };
    let history = engine.get_execution_history(&query.arn).unwrap_or_default();
    let definition = engine
        .describe_state_machine(&description.state_machine_arn)
        .map(|machine| machine.definition)
        .unwrap_or_default();
    let progress = Progress::from_history(&history);
    let running = description.status == ExecutionStatus::Running;
    let failed = matches!(
        description.status,
        ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
    );
    let machine = machine_name(&description.state_machine_arn);

    let mut body = String::new();
    let _ = write!(
        body,
        "<p><a href=\"/console/executions?stateMachine={m}\">← {me}</a></p>\
         <h1 id=\"execution-name\">{name} {badge}</h1>",
        m = esc(&url_param(machine)),
        me = esc(machine),
        name = esc(&description.name),
        badge = status_badge(description.status.as_str()),
    );
    if let Some(done) = &query.done {
        let _ = write!(
            body,
            "<div class=\"box notice\" role=\"status\">{}</div>",
            esc(done)
        );
    }
    if let Some(failed) = &query.failed {
        let _ = write!(
            body,
            "<div class=\"box error\" role=\"alert\">{}</div>",
            esc(failed)
        );
    }
    let open = progress.open_states();
    let _ = write!(
        body,
        "<div class=\"box\"><dl class=\"facts\">\
         <dt>Status</dt><dd id=\"status\">{status}</dd>\
         <dt>Journey</dt><dd>{machine}</dd>\
         <dt>Execution ARN</dt><dd><code>{arn}</code></dd>\
         <dt>Started</dt><dd>{started}</dd>\
         <dt>Ended</dt><dd>{ended}</dd>\
         <dt>Redriven</dt><dd>{redrives}</dd>\
         <dt>{where_label}</dt><dd id=\"current-state\">{current}</dd>\
         <dt>Path taken</dt><dd id=\"path\">{path}</dd></dl></div>",
        status = esc(description.status.as_str()),
        machine = esc(machine),
        arn = esc(&description.execution_arn),
        started = when(description.start_date),
        ended = description
            .stop_date
            .map(when)
            .unwrap_or_else(|| "—".into()),
        redrives = match description.redrive_date {
            Some(at) => format!("{} time(s), last {}", description.redrive_count, when(at)),
            None => "never".into(),
        },
        where_label = if failed {
            "Stopped in"
        } else {
            "Current state"
        },
        current = if open.is_empty() {
            "—".to_owned()
        } else {
            esc(&open.join(" › "))
        },
        path = esc(&progress.order.join(" → ")),
    );

    // Actions.
    body.push_str("<div class=\"box\" id=\"actions\">");
    if running {
        let _ = write!(
            body,
            "<form class=\"inline\" method=\"post\" action=\"/console/execution/stop\">\
             <input type=\"hidden\" name=\"arn\" value=\"{arn}\">\
             <input name=\"error\" placeholder=\"error (optional)\" value=\"Console.Stopped\">\
             <input name=\"cause\" placeholder=\"cause (optional)\">\
             <button class=\"danger\" type=\"submit\">Stop execution</button></form>",
            arn = esc(&description.execution_arn)
        );
    } else if failed {
        let _ = write!(
            body,
            "<form class=\"inline\" method=\"post\" action=\"/console/execution/redrive\">\
             <input type=\"hidden\" name=\"arn\" value=\"{arn}\">\
             <button type=\"submit\">Redrive execution</button></form>\
             <span class=\"muted\">Runs again the steps that did not succeed.</span>",
            arn = esc(&description.execution_arn)
        );
    } else {
        body.push_str("<span class=\"muted\">Succeeded: nothing to stop or redrive.</span>");
    }
    body.push_str("</div>");

    if description.error.is_some() || description.cause.is_some() {
        let _ = write!(
            body,
            "<div class=\"box error\" id=\"error\"><strong>{}</strong><pre>{}</pre></div>",
            esc(description.error.as_deref().unwrap_or("")),
            pretty_json(description.cause.as_deref().unwrap_or(""))
        );
    }

    // Waiting task tokens.
    body.push_str("<h2>Waiting for</h2>");
    let waits = if running {
        waiting(&console, &description.execution_arn, &history)
    } else {
        Vec::new()
    };
    if waits.is_empty() {
        body.push_str("<p class=\"muted\" id=\"no-waits\">No task token is open.</p>");
    } else {
        body.push_str(
            "<table id=\"waits\"><thead><tr><th>State</th><th>Waits for</th><th>Since</th>\
             <th>Timeout</th><th>Heartbeat</th><th>Task token</th></tr></thead><tbody>",
        );
        for wait in &waits {
            let timeout = match (wait.timeout, wait.since) {
                (Some(t), Some(since)) => format!(
                    "{} (at {})",
                    duration(t),
                    when(since + TimeDelta::seconds(t as i64))
                ),
                _ => "none".into(),
            };
            let heartbeat = match wait.heartbeat {
                Some(h) => format!(
                    "every {}{}",
                    duration(h),
                    wait.last_heartbeat
                        .map(|at| format!(", last {}", when(at)))
                        .unwrap_or_default()
                ),
                None => "—".into(),
            };
            let _ = write!(
                body,
                "<tr class=\"wait\" data-state=\"{state}\"><td class=\"wait-state\">{state}</td>\
                 <td>{function}<pre>{payload}</pre></td><td>{since}</td><td>{timeout}</td>\
                 <td>{heartbeat}</td><td><code class=\"token\">{token}</code></td></tr>",
                state = esc(&wait.state),
                function = esc(&wait.function),
                payload = pretty_json(&wait.payload.to_string()),
                since = wait.since.map(when).unwrap_or_default(),
                timeout = esc(&timeout),
                heartbeat = esc(&heartbeat),
                token = esc(&wait.token),
            );
        }
        body.push_str("</tbody></table>");
    }

    // The graph.
    let _ = write!(
        body,
        "<h2>State graph</h2><p class=\"legend\"><span><i style=\"background:#e3f8e5;border-color:#3f9142\"></i>entered</span>\
         <span><i style=\"background:#fff3c4;border-color:#cb6e17\"></i>current</span>\
         <span><i style=\"background:#ffe3e3;border-color:#ba2525\"></i>failed here</span>\
         <span><i style=\"background:#fff;border-color:#9aa5b1\"></i>not entered</span></p>\
         <div class=\"graph\" id=\"graph\">{}</div>",
        graph::svg(
            &definition,
            &Marks {
                progress: &progress,
                running,
                failed,
            }
        )
    );

    let _ = write!(
        body,
        "<h2>Input</h2><pre id=\"input\">{}</pre>",
        pretty_json(&description.input)
    );
    if let Some(output) = &description.output {
        let _ = write!(
            body,
            "<h2>Output</h2><pre id=\"output\">{}</pre>",
            pretty_json(output)
        );
    }

    // History, as GetExecutionHistory prints it.
    let _ = write!(
        body,
        "<h2>Event history ({} events)</h2><table id=\"history\"><thead><tr><th>ID</th><th>Type</th>\
         <th>Previous</th><th>Step</th><th>Timestamp</th><th>Details</th></tr></thead><tbody>",
        history.len()
    );
    for event in &history {
        let aws = event.to_aws_json();
        let details = HistoryEvent::details_field(&event.event_type)
            .and_then(|field| aws.get(&field).cloned())
            .map(|details| serde_json::to_string_pretty(&details).unwrap_or_default())
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr data-type=\"{ty}\"><td>{id}</td><td>{ty}</td><td>{prev}</td><td>{step}</td><td>{at}</td>\
             <td>{details}</td></tr>",
            id = event.id,
            ty = esc(&event.event_type),
            prev = event.previous_event_id,
            step = esc(event.details["name"].as_str().unwrap_or("")),
            at = esc(&event.timestamp.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
            details = if details.is_empty() {
                String::new()
            } else {
                format!(
                    "<details><summary>details</summary><pre>{}</pre></details>",
                    esc(&details)
                )
            },
        );
    }
    body.push_str("</tbody></table>");
    Html(page(&description.name, "executions", &body)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct StopForm {
    arn: String,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct RedriveForm {
    arn: String,
}

fn back(arn: &str, key: &str, message: &str) -> Response {
    Redirect::to(&format!(
        "{}&{key}={}",
        execution_link(arn),
        url_param(message)
    ))
    .into_response()
}

pub(crate) async fn stop(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<StopForm>,
) -> Response {
    if let Some(refused) = console.guard_post(&headers) {
        return refused;
    }
    let error = form.error.as_deref().filter(|e| !e.is_empty());
    let cause = form.cause.as_deref().filter(|c| !c.is_empty());
    match console
        .ops
        .engine
        .stop_execution(&form.arn, error, cause)
        .await
    {
        Ok(at) => back(&form.arn, "done", &format!("Stopped at {}.", when(at))),
        Err(err) => back(&form.arn, "failed", &err.to_string()),
    }
}

pub(crate) async fn redrive(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(form): Form<RedriveForm>,
) -> Response {
    if let Some(refused) = console.guard_post(&headers) {
        return refused;
    }
    match console.ops.engine.redrive_execution(&form.arn).await {
        Ok(at) => back(&form.arn, "done", &format!("Redriven at {}.", when(at))),
        Err(err) => back(&form.arn, "failed", &err.to_string()),
    }
}

#[derive(Deserialize)]
pub(crate) struct EmailsQuery {
    to: Option<String>,
}

pub(crate) async fn emails(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(query): Query<EmailsQuery>,
) -> Response {
    if let Some(refused) = console.guard(&headers, "/console/emails") {
        return refused;
    }
    let entries = match console.ops.outbox.list() {
        Ok(entries) => entries,
        Err(err) => return unavailable(err),
    };
    let to = query.to.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let mut body = format!(
        "<h1>Emails sent</h1><form class=\"filters\" method=\"get\" action=\"/console/emails\">\
         <label>Recipient<br><input name=\"to\" value=\"{}\"></label><button type=\"submit\">Filter</button></form>\
         <p class=\"muted\">The outbox folder <code>{}</code>, newest first.</p>\
         <table id=\"emails\"><thead><tr><th>Sent</th><th>To</th><th>Subject</th><th>Template</th></tr></thead><tbody>",
        esc(to.unwrap_or("")),
        esc(&console.ops.outbox.dir().display().to_string())
    );
    let mut shown = 0;
    for entry in entries
        .iter()
        .filter(|entry| to.is_none_or(|to| entry.to.to_lowercase().contains(&to.to_lowercase())))
    {
        shown += 1;
        let _ = write!(
            body,
            "<tr class=\"email\"><td>{sent}</td><td>{to}</td><td><a href=\"/console/emails/{id}\">{subject}</a></td>\
             <td>{template}</td></tr>",
            sent = when(entry.sent_at),
            to = esc(&entry.to),
            id = esc(&url_param(&entry.id)),
            subject = esc(&entry.subject),
            template = esc(&entry.template.map(|t| t.to_string()).unwrap_or_default()),
        );
    }
    if shown == 0 {
        body.push_str("<tr><td colspan=\"4\" class=\"muted\">No emails.</td></tr>");
    }
    body.push_str("</tbody></table>");
    Html(page("Emails", "emails", &body)).into_response()
}

/// The access events published to the main platform, newest first.
pub(crate) async fn access_events(State(console): State<Console>, headers: HeaderMap) -> Response {
    if let Some(refused) = console.guard(&headers, "/console/access-events") {
        return refused;
    }
    let events = match console.ops.access_events.list() {
        Ok(events) => events,
        Err(err) => return unavailable(err),
    };
    let mut body = String::from(
        "<h1>Access events</h1>\
         <p class=\"muted\">Every grant, revocation, suspension and restoration, as the main \
         platform receives it (<code>access-events/</code> in the data directory; POSTed to \
         ACCESS_EVENTS_URL when it is set), newest first.</p>\
         <table id=\"access-events\"><thead><tr><th>Changed</th><th>Event</th><th>Email</th>\
         <th>Product</th><th>Access</th><th>Record</th><th>Event id</th></tr></thead><tbody>",
    );
    for event in events.iter().rev() {
        let detail = &event.detail;
        let _ = write!(
            body,
            "<tr class=\"access-event\"><td>{time}</td><td>{kind}</td><td>{email}</td><td>{product}</td>\
             <td>{starts} – {ends}</td><td>{record}</td><td><code>{id}</code></td></tr>",
            time = when(event.time),
            kind = esc(event.detail_type.as_str()),
            email = esc(&detail.email),
            product = esc(&format!(
                "{} ({})",
                campaigns_core::catalog::product(detail.product_id).name,
                detail.plan_type
            )),
            starts = when(detail.access_starts_at),
            ends = when(detail.access_ends_at),
            record = esc(&detail.record_id),
            id = esc(&detail.event_id),
        );
    }
    if events.is_empty() {
        body.push_str("<tr><td colspan=\"7\" class=\"muted\">No access events.</td></tr>");
    }
    body.push_str("</tbody></table>");
    Html(page("Access events", "access-events", &body)).into_response()
}

/// The email's HTML with its links opening in a new tab (`<base
/// target="_blank">`), out of the frame's sandbox, which still runs no
/// script: a button then opens its page as it would from a mail client.
fn links_open_outside(html: &str) -> String {
    const BASE: &str = "<base target=\"_blank\">";
    match html.find("<head>") {
        Some(at) => {
            let (head, rest) = html.split_at(at + "<head>".len());
            format!("{head}{BASE}{rest}")
        }
        None => format!("{BASE}{html}"),
    }
}

pub(crate) async fn email(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = console.guard(&headers, &format!("/console/emails/{}", url_param(&id))) {
        return refused;
    }
    let email = match console.ops.outbox.read(&id) {
        Ok(email) => email,
        Err(campaigns_mail::MailError::NotFound(_)) => return not_found(&format!("No email {id}")),
        Err(err) => return unavailable(err),
    };
    let body = format!(
        "<p><a href=\"/console/emails\">← Emails</a></p><h1>{subject}</h1>\
         <div class=\"box\"><dl class=\"facts\"><dt>To</dt><dd id=\"email-to\">{to}</dd>\
         <dt>Sent</dt><dd>{sent}</dd><dt>Template</dt><dd>{template}</dd>\
         <dt>File</dt><dd><a href=\"/console/emails/{id}/raw\">{id}.eml</a></dd></dl></div>\
         <h2>HTML</h2><iframe class=\"email\" title=\"The email as sent\" \
         sandbox=\"allow-popups allow-popups-to-escape-sandbox\" srcdoc=\"{html}\"></iframe>\
         <h2>Text</h2><pre>{text}</pre>",
        subject = esc(&email.entry.subject),
        to = esc(&email.entry.to),
        sent = when(email.entry.sent_at),
        template = esc(&email
            .entry
            .template
            .map(|t| t.to_string())
            .unwrap_or_default()),
        id = esc(&email.entry.id),
        html = esc(&links_open_outside(&email.html)),
        text = esc(&email.text),
    );
    Html(page(&email.entry.subject, "emails", &body)).into_response()
}

pub(crate) async fn email_raw(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(refused) = console.guard(&headers, "/console/emails") {
        return refused;
    }
    match console.ops.outbox.read(&id) {
        Ok(email) => (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            email.eml,
        )
            .into_response(),
        Err(campaigns_mail::MailError::NotFound(_)) => not_found(&format!("No email {id}")),
        Err(err) => unavailable(err),
    }
}

/// The campaigns and the tables that hold their records.
const CAMPAIGNS: &[(&str, &str, &[Table])] = &[
    ("team-creation", "Team payment", &[Table::Teams]),
    (
        "scholarship-application",
        "Scholarship",
        &[Table::Scholarships],
    ),
    (
        "discount-purchase",
        "Discount purchase",
        &[Table::DiscountPurchases, Table::Coupons, Table::CouponUsage],
    ),
    (
        "personalized-plan",
        "Personalized plan",
        &[Table::PersonalizedPlans],
    ),
    (
        "mock-exam",
        "Mock exam",
        &[
            Table::MockExams,
            Table::MockRegistrations,
            Table::MockStatistics,
        ],
    ),
    (
        "payments",
        "Payments and access",
        &[
            Table::PaymentWaits,
            Table::AccessGrants,
            Table::WebhookEvents,
        ],
    ),
];

#[derive(Deserialize)]
pub(crate) struct RecordsQuery {
    campaign: Option<String>,
}

pub(crate) async fn records(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(query): Query<RecordsQuery>,
) -> Response {
    let campaign = query
        .campaign
        .as_deref()
        .and_then(|wanted| CAMPAIGNS.iter().find(|(id, _, _)| *id == wanted))
        .unwrap_or(&CAMPAIGNS[2]);
    let here = format!("/console/records?campaign={}", campaign.0);
    if let Some(refused) = console.guard(&headers, &here) {
        return refused;
    }
    let mut body = String::from("<h1>Records</h1><p class=\"tabs\">");
    for (id, label, _) in CAMPAIGNS {
        let _ = write!(
            body,
            "<a href=\"/console/records?campaign={id}\"{active}>{label}</a>",
            active = if *id == campaign.0 {
                " class=\"active\""
            } else {
                ""
            }
        );
    }
    body.push_str("</p><p class=\"muted\">Read-only, from the records file; at most 200 per table, by key.</p>");
    let machines = console.ops.engine.list_state_machines().unwrap_or_default();
    for table in campaign.2 {
        let def = table.def();
        let items = match console.ops.records.list(*table, RECORDS_LIMIT).await {
            Ok(items) => items,
            Err(err) => return unavailable(err),
        };
        let _ = write!(
            body,
            "<h2>{name} <span class=\"muted\">({count})</span></h2>",
            name = esc(def.default_name),
            count = items.len()
        );
        if items.is_empty() {
            body.push_str("<p class=\"muted\">No records.</p>");
            continue;
        }
        let mut columns: Vec<String> = vec![def.key.to_owned()];
        for item in &items {
            if let Some(fields) = item.body.as_object() {
                for name in fields.keys() {
                    if !columns.contains(name) {
                        columns.push(name.clone());
                    }
                }
            }
        }
        let _ = write!(
            body,
            "<div style=\"overflow:auto\"><table class=\"records\" data-table=\"{}\"><thead><tr><th>execution</th>",
            esc(def.default_name)
        );
        if *table == Table::MockExams {
            body.push_str("<th>local time</th>");
        }
        for column in &columns {
            let _ = write!(body, "<th>{}</th>", esc(column));
        }
        body.push_str("</tr></thead><tbody>");
        for item in &items {
            // Journeys are named after their record.
            let execution = machines.iter().find_map(|machine| {
                let arn =
                    machine.arn.replacen(":stateMachine:", ":execution:", 1) + ":" + &item.key;
                console.ops.engine.describe_execution(&arn).ok()
            });
            let link = execution
                .map(|e| {
                    format!(
                        "<a href=\"{}\">{}</a>",
                        esc(&execution_link(&e.execution_arn)),
                        esc(e.status.as_str())
                    )
                })
                .unwrap_or_default();
            let _ = write!(body, "<tr><td>{link}</td>");
            if *table == Table::MockExams {
                let _ = write!(
                    body,
                    "<td class=\"local-time\">{}</td>",
                    esc(&exam_local_time(&item.body).unwrap_or_default())
                );
            }
            for column in &columns {
                let cell = match item.body.get(column) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                };
                let shown: String = if cell.chars().count() > 80 {
                    cell.chars().take(79).chain(['…']).collect()
                } else {
                    cell.clone()
                };
                let _ = write!(body, "<td title=\"{}\">{}</td>", esc(&cell), esc(&shown));
            }
            body.push_str("</tr>");
        }
        body.push_str("</tbody></table></div>");
    }
    Html(page("Records", "records", &body)).into_response()
}

/// An exam's start and end as its candidates read them (its zone, AEST or
/// AEDT in Sydney), beside the UTC instants stored.
fn exam_local_time(body: &Value) -> Option<String> {
    let exam: MockExam = serde_json::from_value(body.clone()).ok()?;
    let zone = exam.time_zone;
    Some(format!(
        "{} to {} ({zone})",
        zone.local(exam.starts_at).text,
        zone.local(exam.ends_at).text
    ))
}

#[cfg(test)]
mod tests {
    use super::{duration, links_open_outside};

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(90_000), "1 d 1 h");
        assert_eq!(duration(61), "1 min 1 s");
        assert_eq!(duration(0), "0 s");
    }

    #[test]
    fn an_emails_links_open_in_a_tab_of_their_own() {
        assert_eq!(
            links_open_outside("<!DOCTYPE html><html><head><title>x</title></head></html>"),
            "<!DOCTYPE html><html><head><base target=\"_blank\"><title>x</title></head></html>"
        );
        assert_eq!(
            links_open_outside("<p>no head</p>"),
            "<base target=\"_blank\"><p>no head</p>"
        );
    }
}
