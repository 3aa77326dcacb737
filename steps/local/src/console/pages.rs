//! The console's pages and its two actions (stop, redrive).

use std::collections::BTreeMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use campaigns_contracts::records::MockExam;
use campaigns_records::Table;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use workflows::{ExecutionDescription, ExecutionStatus, HistoryEvent};

use super::Console;
use super::graph::{self, Drawing, Progress};
use super::templates::{page, pretty_json, url_param, when};

/// At most this many executions on the list.
const LIST_LIMIT: usize = 500;
/// At most this many records per table.
const RECORDS_LIMIT: usize = 200;

/// A page that only says what went wrong.
#[derive(Serialize)]
struct MessagePage<'a> {
    message: &'a str,
}

fn not_found(what: &str) -> Response {
    page(
        StatusCode::NOT_FOUND,
        "message.html",
        "Not found",
        "executions",
        &MessagePage { message: what },
    )
}

fn unavailable(err: impl std::fmt::Display) -> Response {
    page(
        StatusCode::SERVICE_UNAVAILABLE,
        "message.html",
        "Unavailable",
        "executions",
        &MessagePage {
            message: &err.to_string(),
        },
    )
}

fn execution_link(arn: &str) -> String {
    format!("/console/execution?arn={}", url_param(arn))
}

/// What the execution `arn`'s history says about its states.
fn progress(console: &Console, arn: &str, history: &[HistoryEvent]) -> Progress {
    let callbacks = graph::callbacks(console.ops.engine_store.as_ref(), arn, history);
    Progress::from_history(history, &callbacks)
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
    let rows = rows
        .iter()
        .map(|row| ExecutionRow {
            name: &row.name,
            href: execution_link(&row.execution_arn),
            machine: machine_name(&row.state_machine_arn),
            status: row.status.as_str(),
            current: if row.status == ExecutionStatus::Running {
                engine
                    .get_execution_history(&row.execution_arn)
                    .map(|history| {
                        progress(&console, &row.execution_arn, &history)
                            .open_states()
                            .join(" › ")
                    })
                    .unwrap_or_default()
            } else {
                String::new()
            },
            started: when(row.start_date),
            ended: row.stop_date.map(when).unwrap_or_default(),
        })
        .collect();
    let statuses = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ];
    page(
        StatusCode::OK,
        "executions.html",
        "Executions",
        "executions",
        &ExecutionsPage {
            machines: machines
                .iter()
                .map(|machine| Choice {
                    name: &machine.name,
                    selected: wanted_machine == Some(machine.name.as_str()),
                })
                .collect(),
            statuses: statuses
                .into_iter()
                .map(|status| Choice {
                    name: status.as_str(),
                    selected: wanted_status == Some(status),
                })
                .collect(),
            total,
            limit: LIST_LIMIT,
            rows,
        },
    )
}

/// An option of a filter.
#[derive(Serialize)]
struct Choice<'a> {
    name: &'a str,
    selected: bool,
}

#[derive(Serialize)]
struct ExecutionsPage<'a> {
    machines: Vec<Choice<'a>>,
    statuses: Vec<Choice<'a>>,
    /// How many matched; at most `limit` are listed.
    total: usize,
    limit: usize,
    rows: Vec<ExecutionRow<'a>>,
}

#[derive(Serialize)]
struct ExecutionRow<'a> {
    name: &'a str,
    href: String,
    machine: &'a str,
    status: &'a str,
    /// The states it is in, while it runs.
    current: String,
    started: String,
    ended: String,
}

#[derive(Deserialize)]
pub(crate) struct ExecutionQuery {
    arn: String,
    done: Option<String>,
    failed: Option<String>,
}

/// The open tokens of the execution, each matched to the `TaskScheduled`
/// event whose parameters carry it (and so to its state and timeouts).
fn waiting(console: &Console, arn: &str, history: &[HistoryEvent]) -> Vec<WaitRow> {
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
            let since = scheduled.map(|event| event.timestamp);
            let timeout = scheduled.and_then(|event| event.details["timeoutInSeconds"].as_u64());
            let heartbeat =
                scheduled.and_then(|event| event.details["heartbeatInSeconds"].as_u64());
            WaitRow {
                function: parameters["FunctionName"]
                    .as_str()
                    .map(|f| f.rsplit(':').next().unwrap_or(f).to_owned())
                    .unwrap_or_default(),
                payload: pretty_json(&payload.to_string()),
                state,
                since: since.map(when).unwrap_or_default(),
                timeout: match (timeout, since) {
                    (Some(t), Some(since)) => format!(
                        "{} (at {})",
                        duration(t),
                        when(since + TimeDelta::seconds(t as i64))
                    ),
                    _ => "none".into(),
                },
                heartbeat: match heartbeat {
                    Some(h) => format!(
                        "every {}{}",
                        duration(h),
                        token
                            .last_heartbeat
                            .map(|at| format!(", last {}", when(at)))
                            .unwrap_or_default()
                    ),
                    None => "—".into(),
                },
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

#[derive(Serialize)]
struct ExecutionPage<'a> {
    name: &'a str,
    status: &'a str,
    machine: &'a str,
    machine_href: String,
    arn: &'a str,
    started: String,
    ended: Option<String>,
    redriven: Option<String>,
    /// What a stop or redrive from this page answered.
    done: Option<&'a str>,
    failed: Option<&'a str>,
    running: bool,
    /// Failed, timed out or aborted: it can be redriven.
    ended_in_failure: bool,
    current: String,
    path: String,
    error: Option<ErrorBox<'a>>,
    waits: Vec<WaitRow>,
    graph: Option<Drawing>,
    input: String,
    output: Option<String>,
    history: Vec<EventRow>,
}

#[derive(Serialize)]
struct ErrorBox<'a> {
    error: &'a str,
    cause: String,
}

/// A task the execution waits on: its token and what it waits for.
#[derive(Serialize)]
struct WaitRow {
    state: String,
    function: String,
    payload: String,
    since: String,
    timeout: String,
    heartbeat: String,
    token: String,
}

/// One history event, as GetExecutionHistory prints it.
#[derive(Serialize)]
struct EventRow {
    id: u64,
    #[serde(rename = "type")]
    event_type: String,
    previous: u64,
    step: String,
    at: String,
    details: String,
}

impl From<&HistoryEvent> for EventRow {
    fn from(event: &HistoryEvent) -> EventRow {
        let aws = event.to_aws_json();
        EventRow {
            id: event.id,
            event_type: event.event_type.clone(),
            previous: event.previous_event_id,
            step: event.details["name"].as_str().unwrap_or("").to_owned(),
            at: event.timestamp.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
            details: HistoryEvent::details_field(&event.event_type)
                .and_then(|field| aws.get(&field).cloned())
                .map(|details| serde_json::to_string_pretty(&details).unwrap_or_default())
                .unwrap_or_default(),
        }
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
    let progress = progress(&console, &query.arn, &history);
    let running = description.status == ExecutionStatus::Running;
    let machine = machine_name(&description.state_machine_arn);
    let waits = if running {
        waiting(&console, &description.execution_arn, &history)
    } else {
        Vec::new()
    };
    let error = (description.error.is_some() || description.cause.is_some()).then(|| ErrorBox {
        error: description.error.as_deref().unwrap_or(""),
        cause: pretty_json(description.cause.as_deref().unwrap_or("")),
    });
    page(
        StatusCode::OK,
        "execution.html",
        &description.name,
        "executions",
        &ExecutionPage {
            name: &description.name,
            status: description.status.as_str(),
            machine,
            machine_href: format!("/console/executions?stateMachine={}", url_param(machine)),
            arn: &description.execution_arn,
            started: when(description.start_date),
            ended: description.stop_date.map(when),
            redriven: description
                .redrive_date
                .map(|at| format!("{} time(s), last {}", description.redrive_count, when(at))),
            done: query.done.as_deref(),
            failed: query.failed.as_deref(),
            running,
            ended_in_failure: matches!(
                description.status,
                ExecutionStatus::Failed | ExecutionStatus::TimedOut | ExecutionStatus::Aborted
            ),
            current: progress.open_states().join(" › "),
            path: progress.order.join(" → "),
            error,
            waits,
            graph: graph::drawing(&definition, &progress),
            input: pretty_json(&description.input),
            output: description.output.as_deref().map(pretty_json),
            history: history.iter().map(EventRow::from).collect(),
        },
    )
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
    let emails = entries
        .iter()
        .filter(|entry| to.is_none_or(|to| entry.to.to_lowercase().contains(&to.to_lowercase())))
        .map(|entry| EmailRow {
            sent: when(entry.sent_at),
            to: &entry.to,
            href: format!("/console/emails/{}", url_param(&entry.id)),
            subject: &entry.subject,
            template: entry.template.map(|t| t.to_string()).unwrap_or_default(),
        })
        .collect();
    page(
        StatusCode::OK,
        "emails.html",
        "Emails",
        "emails",
        &EmailsPage {
            to: to.unwrap_or(""),
            dir: console.ops.outbox.dir().display().to_string(),
            emails,
        },
    )
}

#[derive(Serialize)]
struct EmailsPage<'a> {
    /// The recipient filter.
    to: &'a str,
    /// The outbox folder.
    dir: String,
    emails: Vec<EmailRow<'a>>,
}

#[derive(Serialize)]
struct EmailRow<'a> {
    sent: String,
    to: &'a str,
    href: String,
    subject: &'a str,
    template: String,
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
    let events = events
        .iter()
        .rev()
        .map(|event| {
            let detail = &event.detail;
            AccessEventRow {
                time: when(event.time),
                kind: event.detail_type.as_str(),
                email: &detail.email,
                product: format!(
                    "{} ({})",
                    campaigns_core::catalog::product(detail.product_id).name,
                    detail.plan_type
                ),
                starts: when(detail.access_starts_at),
                ends: when(detail.access_ends_at),
                record: &detail.record_id,
                id: &detail.event_id,
            }
        })
        .collect();
    page(
        StatusCode::OK,
        "access_events.html",
        "Access events",
        "access-events",
        &AccessEventsPage { events },
    )
}

#[derive(Serialize)]
struct AccessEventsPage<'a> {
    events: Vec<AccessEventRow<'a>>,
}

#[derive(Serialize)]
struct AccessEventRow<'a> {
    time: String,
    kind: &'a str,
    email: &'a str,
    product: String,
    starts: String,
    ends: String,
    record: &'a str,
    id: &'a str,
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
    let entry = &email.entry;
    page(
        StatusCode::OK,
        "email.html",
        &entry.subject,
        "emails",
        &EmailPage {
            subject: &entry.subject,
            to: &entry.to,
            sent: when(entry.sent_at),
            template: entry.template.map(|t| t.to_string()).unwrap_or_default(),
            id: &entry.id,
            raw_href: format!("/console/emails/{}/raw", url_param(&entry.id)),
            html: links_open_outside(&email.html),
            text: &email.text,
        },
    )
}

#[derive(Serialize)]
struct EmailPage<'a> {
    subject: &'a str,
    to: &'a str,
    sent: String,
    template: String,
    id: &'a str,
    raw_href: String,
    /// Shown in a sandboxed frame's `srcdoc`, its links opening outside it.
    html: String,
    text: &'a str,
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
    let machines = console.ops.engine.list_state_machines().unwrap_or_default();
    let mut tables = Vec::new();
    for table in campaign.2 {
        let def = table.def();
        let items = match console.ops.records.list(*table, RECORDS_LIMIT).await {
            Ok(items) => items,
            Err(err) => return unavailable(err),
        };
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
        let local_times = *table == Table::MockExams;
        let rows = items
            .iter()
            .map(|item| RecordRow {
                // Journeys are named after their record.
                execution: machines.iter().find_map(|machine| {
                    let arn =
                        machine.arn.replacen(":stateMachine:", ":execution:", 1) + ":" + &item.key;
                    let found = console.ops.engine.describe_execution(&arn).ok()?;
                    Some(ExecutionLink {
                        href: execution_link(&found.execution_arn),
                        status: found.status.as_str(),
                    })
                }),
                local_time: if local_times {
                    exam_local_time(&item.body).unwrap_or_default()
                } else {
                    String::new()
                },
                cells: columns
                    .iter()
                    .map(|column| Cell::new(item.body.get(column)))
                    .collect(),
            })
            .collect();
        tables.push(RecordTable {
            name: def.default_name,
            local_times,
            columns,
            rows,
        });
    }
    page(
        StatusCode::OK,
        "records.html",
        "Records",
        "records",
        &RecordsPage {
            tabs: CAMPAIGNS
                .iter()
                .map(|(id, label, _)| Tab {
                    id,
                    label,
                    active: *id == campaign.0,
                })
                .collect(),
            limit: RECORDS_LIMIT,
            tables,
        },
    )
}

#[derive(Serialize)]
struct RecordsPage {
    tabs: Vec<Tab>,
    /// At most this many records per table.
    limit: usize,
    tables: Vec<RecordTable>,
}

#[derive(Serialize)]
struct Tab {
    id: &'static str,
    label: &'static str,
    active: bool,
}

#[derive(Serialize)]
struct RecordTable {
    name: &'static str,
    /// Mock exams: a column with their local start and end.
    local_times: bool,
    columns: Vec<String>,
    rows: Vec<RecordRow>,
}

#[derive(Serialize)]
struct RecordRow {
    /// The journey named after the record, if any.
    execution: Option<ExecutionLink>,
    local_time: String,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct ExecutionLink {
    href: String,
    status: &'static str,
}

/// A field of a record: in full (the cell's title) and as shown, at most
/// 80 characters.
#[derive(Serialize)]
struct Cell {
    full: String,
    shown: String,
}

impl Cell {
    fn new(value: Option<&Value>) -> Cell {
        let full = match value {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        };
        let shown = if full.chars().count() > 80 {
            full.chars().take(79).chain(['…']).collect()
        } else {
            full.clone()
        };
        Cell { full, shown }
    }
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
