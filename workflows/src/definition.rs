//! Loading a definition: `${Name}` substitution, parsing into typed states
//! in their query language (JSONPath or JSONata), and refusing — with the
//! state and the reason — whatever the engine does not run exactly as AWS
//! does, such as a field of one query language in a state of the other.

use crate::choice::ChoiceRule;
use crate::error::{DefinitionError, Failure};
use crate::intrinsics::TEXT_FUNCTIONS;
use crate::jsonpath::JsonPath;
use crate::payload::{FilterPath, ResultPath, Scope, Template};
use crate::query::{self, Expr, QueryLanguage, States};
use crate::retry::{Catcher, Retrier};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// A state machine or one of its branches (Parallel branch, Map processor).
#[derive(Debug)]
pub struct Machine {
    pub start_at: String,
    pub states: HashMap<String, State>,
    pub timeout_seconds: Option<u64>,
}

#[derive(Debug)]
pub struct State {
    pub name: String,
    pub kind: Kind,
    pub query: QueryLanguage,
    pub input_path: FilterPath,
    pub output_path: FilterPath,
    pub parameters: Option<Template>,
    pub result_selector: Option<Template>,
    pub result_path: ResultPath,
    /// JSONata's `Arguments` (Task, Parallel) and `Output`.
    pub arguments: Option<query::Template>,
    pub output: Option<query::Template>,
    pub assign: Option<Field>,
    /// `None` for a state with `"End": true` (and for terminal kinds).
    pub next: Option<String>,
    pub retry: Vec<Retrier>,
    pub catch: Vec<Catcher>,
}

#[derive(Debug)]
pub enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task(TaskSpec),
    Choice {
        choices: Vec<ChoiceRule>,
        default: Option<String>,
    },
    Wait(WaitSpec),
    Succeed,
    Fail {
        error: Option<Field>,
        cause: Option<Field>,
    },
    Parallel {
        branches: Vec<Arc<Machine>>,
    },
    Map(MapSpec),
}

impl Kind {
    /// Prefix of this kind's history event types, e.g. `Pass` in `PassStateEntered`.
    pub fn event_prefix(&self) -> &'static str {
        match self {
            Kind::Pass { .. } => "Pass",
            Kind::Task(_) => "Task",
            Kind::Choice { .. } => "Choice",
            Kind::Wait(_) => "Wait",
            Kind::Succeed => "Succeed",
            Kind::Fail { .. } => "Fail",
            Kind::Parallel { .. } => "Parallel",
            Kind::Map(_) => "Map",
        }
    }
}

/// A number given literally, read through a path (`TimeoutSeconds` /
/// `TimeoutSecondsPath` and the like) or, in JSONata, an expression.
#[derive(Debug)]
pub enum NumberSource {
    Literal(f64),
    Path(JsonPath),
    Expr(Expr),
}

/// A dynamic field in the state's query language: a JSONPath payload
/// template or a JSONata one.
#[derive(Debug)]
pub enum Field {
    Path(Template),
    Jsonata(query::Template),
}

impl Field {
    /// The value: a JSONPath template reads `scope`, a JSONata one `states`;
    /// `name` is the field as JSONata's error texts name it.
    pub fn eval(&self, name: &str, scope: &Scope, states: &States) -> Result<Value, Failure> {
        match self {
            Field::Path(t) => t.eval(scope),
            Field::Jsonata(t) => t.eval(name, states),
        }
    }

    fn compile(v: &Value, lang: QueryLanguage) -> Result<Field, DefinitionError> {
        Ok(match lang {
            QueryLanguage::JsonPath => Field::Path(Template::compile(v)?),
            QueryLanguage::Jsonata => Field::Jsonata(query::Template::compile(v)?),
        })
    }
}

/// A field that holds a dynamic value in either language.
pub fn field(
    o: &Map<String, Value>,
    name: &str,
    lang: QueryLanguage,
) -> Result<Option<Field>, DefinitionError> {
    o.get(name)
        .map(|v| Field::compile(v, lang).map_err(|e| e.in_field(name)))
        .transpose()
}

/// Where a Map state's items come from.
#[derive(Debug)]
pub enum Items {
    Path(FilterPath),
    /// JSONata's `Items` (an array or an expression); the input if absent.
    Jsonata(Option<query::Template>),
}

/// The fields only one query language has; the other refuses them.
const JSONPATH_ONLY: [&str; 16] = [
    "InputPath",
    "OutputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "ErrorPath",
    "CausePath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
];
const JSONATA_ONLY: [&str; 3] = ["Arguments", "Output", "Items"];

/// Refuses the fields of the other query language.
pub fn check_fields(o: &Map<String, Value>, lang: QueryLanguage, errs: &mut Vec<String>) {
    let (foreign, own) = match lang {
        QueryLanguage::JsonPath => (&JSONATA_ONLY[..], "JSONPath"),
        QueryLanguage::Jsonata => (&JSONPATH_ONLY[..], "JSONata"),
    };
    for f in foreign {
        if o.contains_key(*f) {
            errs.push(format!(
                "the field '{f}' is not supported in a {own} state (QueryLanguage)"
            ));
        }
    }
}

#[derive(Debug)]
pub enum Resource {
    /// `arn:aws:states:::lambda:invoke` (optionally `.waitForTaskToken`).
    LambdaInvoke { wait_for_token: bool },
    /// A plain Lambda function ARN.
    LambdaFunction { function: String },
}

#[derive(Debug)]
pub struct TaskSpec {
    pub resource: Resource,
    pub resource_arn: String,
    pub timeout: Option<NumberSource>,
    pub heartbeat: Option<NumberSource>,
}

#[derive(Debug)]
pub enum WaitSpec {
    Seconds(NumberSource),
    Timestamp(chrono::DateTime<chrono::Utc>),
    TimestampPath(JsonPath),
    TimestampExpr(Expr),
}

#[derive(Debug)]
pub struct MapSpec {
    pub processor: Arc<Machine>,
    pub items: Items,
    pub item_selector: Option<Field>,
    pub max_concurrency: Option<NumberSource>,
    pub tolerated_count: Option<NumberSource>,
    pub tolerated_percentage: Option<NumberSource>,
}

/// Replaces every `${Name}` with its value, as Terraform's templatefile does.
pub fn substitute(
    text: &str,
    values: &BTreeMap<String, String>,
) -> Result<String, DefinitionError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 2..];
        let end = after
            .find('}')
            .ok_or(DefinitionError::UnterminatedPlaceholder)?;
        let name = &after[..end];
        let v = values
            .get(name)
            .ok_or_else(|| DefinitionError::MissingPlaceholder(name.to_string()))?;
        out.push_str(v);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses and validates a definition; on refusal, every problem found.
pub fn parse(text: &str) -> Result<Arc<Machine>, Vec<String>> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| vec![format!("the definition is not valid JSON: {e}")])?;
    let mut errs = Vec::new();
    let m = machine(&v, "", QueryLanguage::JsonPath, &mut errs);
    variables(&v, "", QueryLanguage::JsonPath, &[], &mut errs);
    if errs.is_empty() {
        Ok(Arc::new(m))
    } else {
        Err(errs)
    }
}

/// The longest variable name (developer guide, "Passing data between
/// states with variables").
const MAX_VARIABLE_NAME: usize = 80;

/// Why `name` cannot be a variable's: it must be a Unicode identifier (a
/// first character of XID_Start, then XID_Continue, UAX #31) of at most 80
/// characters, and not `states`, which `$states` reserves.
fn variable_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars.next().is_some_and(unicode_ident::is_xid_start)
        && chars.all(unicode_ident::is_xid_continue);
    if !identifier {
        Err(format!(
            "'{name}' is not a valid variable name (a Unicode identifier)"
        ))
    } else if name.chars().count() > MAX_VARIABLE_NAME {
        Err(format!(
            "the variable name '{name}' is longer than {MAX_VARIABLE_NAME} characters"
        ))
    } else if name == "states" {
        Err("the variable name 'states' is reserved ($states)".into())
    } else {
        Ok(())
    }
}

/// Checks every variable a machine's states, catchers and Choice rules
/// assign, then its Map processors and Parallel branches, each an inner
/// scope that may not assign a variable any enclosing scope assigns
/// (developer guide, "Variable scope"). `outer` holds the enclosing
/// scopes' names.
fn variables(
    v: &Value,
    at: &str,
    inherited: QueryLanguage,
    outer: &[String],
    errs: &mut Vec<String>,
) {
    let Some(states) = v.get("States").and_then(Value::as_object) else {
        return;
    };
    let lang = QueryLanguage::parse(v.get("QueryLanguage"), inherited).unwrap_or(inherited);
    let state_lang =
        |sv: &Value| QueryLanguage::parse(sv.get("QueryLanguage"), lang).unwrap_or(lang);
    let mut scope = outer.to_vec();
    for (name, sv) in states {
        // The state's own Assign, its catchers' and its Choice rules'.
        let list = |f: &str| sv.get(f).and_then(Value::as_array).into_iter().flatten();
        let assigns = std::iter::once(sv)
            .chain(list("Catch"))
            .chain(list("Choices"))
            .filter_map(|o| o.get("Assign"));
        for key in assigns.filter_map(Value::as_object).flat_map(|a| a.keys()) {
            let var = match state_lang(sv) {
                QueryLanguage::JsonPath => key.strip_suffix(".$").unwrap_or(key),
                QueryLanguage::Jsonata => key,
            };
            if let Err(why) = variable_name(var) {
                errs.push(format!("{at}state '{name}': {why}"));
            }
            if outer.iter().any(|o| o == var) {
                errs.push(format!(
                    "{at}state '{name}': the variable '{var}' is assigned in an enclosing scope, \
                     which a Map iteration or Parallel branch may not assign"
                ));
            }
            scope.push(var.to_string());
        }
    }
    for (name, sv) in states {
        let inner = match sv.get("Type").and_then(Value::as_str) {
            Some("Parallel") => sv.get("Branches").and_then(Value::as_array).map(|b| {
                b.iter()
                    .enumerate()
                    .map(|(i, b)| (format!("branch {i} of '{name}': "), b))
                    .collect::<Vec<_>>()
            }),
            Some("Map") => sv
                .get("ItemProcessor")
                .or_else(|| sv.get("Iterator"))
                .map(|p| vec![(format!("processor of '{name}': "), p)]),
            _ => None,
        };
        for (label, m) in inner.into_iter().flatten() {
            variables(
                m,
                &format!("{at}state '{name}': {label}"),
                state_lang(sv),
                &scope,
                errs,
            );
        }
    }
}

/// A machine or branch; its states take `inherited` as their query
/// language unless the machine or the state names another.
fn machine(v: &Value, at: &str, inherited: QueryLanguage, errs: &mut Vec<String>) -> Machine {
    let empty = Map::new();
    let o = v.as_object().unwrap_or_else(|| {
        errs.push(format!("{at}the definition must be a JSON object"));
        &empty
    });
    let lang = QueryLanguage::parse(o.get("QueryLanguage"), inherited).unwrap_or_else(|e| {
        errs.push(format!("{at}{e}"));
        inherited
    });
    let start_at = o
        .get("StartAt")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut states = HashMap::new();
    match o.get("States").and_then(Value::as_object) {
        Some(map) => {
            for (name, sv) in map {
                let mut e = Vec::new();
                let st = state(name, sv, lang, &mut e);
                errs.extend(e.into_iter().map(|m| format!("{at}state '{name}': {m}")));
                if let Some(st) = st {
                    states.insert(name.clone(), st);
                }
            }
        }
        None => errs.push(format!("{at}missing 'States'")),
    }
    if !states.contains_key(&start_at) && errs.is_empty() {
        errs.push(format!("{at}StartAt '{start_at}' names no state"));
    }
    for st in states.values() {
        let mut targets: Vec<&String> = st.next.iter().collect();
        targets.extend(st.catch.iter().map(|c| &c.next));
        if let Kind::Choice { choices, default } = &st.kind {
            targets.extend(choices.iter().map(|c| &c.next));
            targets.extend(default.iter());
        }
        for t in targets {
            if !states.contains_key(t) {
                errs.push(format!(
                    "{at}state '{}': transition to '{t}', which does not exist",
                    st.name
                ));
            }
        }
    }
    // A positive integer (S); a value past what the clock can represent
    // ends the execution at the engine's latest date.
    let timeout_seconds = o.get("TimeoutSeconds").and_then(|v| match v.as_f64() {
        Some(n) if Range::Positive.holds(n) => Some(n as u64),
        _ => {
            errs.push(format!(
                "{at}TimeoutSeconds must be {}, got {v}",
                Range::Positive.describe()
            ));
            None
        }
    });
    Machine {
        start_at,
        states,
        timeout_seconds,
    }
}

/// What a number field's literal must be, by the specification (and the
/// developer guide's limits: 99999999 for a Wait's `Seconds` and a
/// retrier's `IntervalSeconds` and `MaxAttempts`, under 31622401 for its
/// `MaxDelaySeconds`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Range {
    /// An integer from 0 to 99999999 (Wait `Seconds`).
    Seconds,
    /// An integer above 0 (`TimeoutSeconds`, `HeartbeatSeconds`).
    Positive,
    /// An integer of 0 or more (`MaxConcurrency`, `ToleratedFailureCount`).
    NonNegative,
    /// A number from 0 to 100 (`ToleratedFailurePercentage`).
    Percentage,
    /// An integer from 1 to 99999999 (a retrier's `IntervalSeconds`).
    RetryInterval,
    /// An integer from 0 to 99999999 (a retrier's `MaxAttempts`).
    RetryAttempts,
    /// An integer from 1 to 31622400 (a retrier's `MaxDelaySeconds`).
    RetryMaxDelay,
}

impl Range {
    pub(crate) fn holds(self, n: f64) -> bool {
        let integer = n.fract() == 0.0;
        match self {
            Range::Seconds => integer && (0.0..=99_999_999.0).contains(&n),
            Range::Positive => integer && n > 0.0,
            Range::NonNegative => integer && n >= 0.0,
            Range::Percentage => (0.0..=100.0).contains(&n),
            Range::RetryInterval => integer && (1.0..=99_999_999.0).contains(&n),
            Range::RetryAttempts => integer && (0.0..=99_999_999.0).contains(&n),
            Range::RetryMaxDelay => integer && (1.0..=31_622_400.0).contains(&n),
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Range::Seconds => "an integer from 0 to 99999999",
            Range::Positive => "a positive integer",
            Range::NonNegative => "a non-negative integer",
            Range::Percentage => "a number from 0 to 100",
            Range::RetryInterval => "an integer from 1 to 99999999",
            Range::RetryAttempts => "an integer from 0 to 99999999",
            Range::RetryMaxDelay => "an integer from 1 to 31622400",
        }
    }
}

/// Refuses a state that gives both forms of one value (`Error` and
/// `ErrorPath`, `TimeoutSeconds` and `TimeoutSecondsPath`, …).
fn exclusive(o: &Map<String, Value>, fields: &[&str], errs: &mut Vec<String>) {
    let given: Vec<&str> = fields
        .iter()
        .copied()
        .filter(|f| o.contains_key(*f))
        .collect();
    if given.len() > 1 {
        errs.push(format!("only one of {} may be given", given.join(", ")));
    }
}

fn number_source(
    o: &Map<String, Value>,
    field: &str,
    range: Range,
    lang: QueryLanguage,
    errs: &mut Vec<String>,
) -> Option<NumberSource> {
    let pf = format!("{field}Path");
    if let Some(v) = o.get(field) {
        if lang == QueryLanguage::Jsonata
            && let Some(e) = v.as_str().and_then(Expr::from_template)
        {
            return check(e.map_err(|e| e.in_field(field)), errs).map(NumberSource::Expr);
        }
        return match v.as_f64() {
            Some(n) if range.holds(n) => Some(NumberSource::Literal(n)),
            _ => {
                errs.push(format!("{field} must be {}, got {v}", range.describe()));
                None
            }
        };
    }
    let s = o.get(&pf)?;
    match s.as_str().map(JsonPath::parse) {
        Some(Ok(p)) => Some(NumberSource::Path(p)),
        _ => {
            errs.push(format!("{pf} must be a JSONPath"));
            None
        }
    }
}

fn check<T, E: Into<DefinitionError>>(r: Result<T, E>, errs: &mut Vec<String>) -> Option<T> {
    r.map_err(|e| errs.push(e.into().to_string())).ok()
}

fn state(name: &str, v: &Value, inherited: QueryLanguage, errs: &mut Vec<String>) -> Option<State> {
    let Some(o) = v.as_object() else {
        errs.push("a state must be a JSON object".into());
        return None;
    };
    let lang = check(
        QueryLanguage::parse(o.get("QueryLanguage"), inherited),
        errs,
    )?;
    check_fields(o, lang, errs);
    let ty = o.get("Type").and_then(Value::as_str).unwrap_or("");
    let jsonata = |f: &str, errs: &mut Vec<String>| -> Option<query::Template> {
        o.get(f)
            .and_then(|v| check(query::Template::compile(v).map_err(|e| e.in_field(f)), errs))
    };
    if o.contains_key("Arguments") && !matches!(ty, "Task" | "Parallel") {
        errs.push("the field 'Arguments' is supported in Task and Parallel states only".into());
    }
    let arguments = jsonata("Arguments", errs);
    let output = jsonata("Output", errs);
    let tmpl = |field: &str, errs: &mut Vec<String>| -> Option<Template> {
        o.get(field)
            .and_then(|v| check(Template::compile(v).map_err(|e| e.in_field(field)), errs))
    };
    let parameters = tmpl("Parameters", errs);
    let result_selector = tmpl("ResultSelector", errs);
    let assign = check(field(o, "Assign", lang), errs).flatten();
    let input_path =
        check(FilterPath::compile(o.get("InputPath")), errs).unwrap_or(FilterPath::Identity);
    let output_path =
        check(FilterPath::compile(o.get("OutputPath")), errs).unwrap_or(FilterPath::Identity);
    let result_path =
        check(ResultPath::compile(o.get("ResultPath")), errs).unwrap_or(ResultPath::Replace);
    let retry = match o.get("Retry") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|r| check(Retrier::compile(r), errs))
            .collect(),
        _ => Vec::new(),
    };
    let catch = match o.get("Catch") {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|c| check(Catcher::compile(c, lang), errs))
            .collect(),
        _ => Vec::new(),
    };
    check(crate::retry::validate_order(&retry, &catch), errs);
    let next = o.get("Next").and_then(Value::as_str).map(String::from);
    let end = o.get("End").and_then(Value::as_bool).unwrap_or(false);
    let kind = match ty {
        "Pass" => Kind::Pass {
            result: o.get("Result").cloned(),
        },
        "Task" => Kind::Task(task(o, lang, errs)?),
        "Choice" => {
            let choices = match o.get("Choices").and_then(Value::as_array) {
                Some(a) if !a.is_empty() => a
                    .iter()
                    .filter_map(|c| check(ChoiceRule::compile_top(c, lang), errs))
                    .collect(),
                _ => {
                    errs.push("a Choice state needs a non-empty 'Choices' array".into());
                    Vec::new()
                }
            };
            Kind::Choice {
                choices,
                default: o.get("Default").and_then(Value::as_str).map(String::from),
            }
        }
        "Wait" => {
            exclusive(
                o,
                &["Seconds", "SecondsPath", "Timestamp", "TimestampPath"],
                errs,
            );
            let expr = o
                .get("Timestamp")
                .and_then(Value::as_str)
                .filter(|_| lang == QueryLanguage::Jsonata)
                .and_then(Expr::from_template);
            let spec = if let Some(e) = expr {
                WaitSpec::TimestampExpr(check(e.map_err(|e| e.in_field("Timestamp")), errs)?)
            } else if let Some(s) = o.get("Timestamp").and_then(Value::as_str) {
                let Some(t) = crate::values::parse_timestamp(s) else {
                    errs.push(format!(
                        "Timestamp '{s}' is not an ISO-8601 extended offset date-time"
                    ));
                    return None;
                };
                WaitSpec::Timestamp(t)
            } else if let Some(p) = o.get("TimestampPath").and_then(Value::as_str) {
                WaitSpec::TimestampPath(check(JsonPath::parse(p), errs)?)
            } else if let Some(n) = number_source(o, "Seconds", Range::Seconds, lang, errs) {
                WaitSpec::Seconds(n)
            } else if o.contains_key("Seconds") || o.contains_key("SecondsPath") {
                return None;
            } else {
                errs.push(
                    "a Wait state needs Seconds, SecondsPath, Timestamp or TimestampPath".into(),
                );
                return None;
            };
            Kind::Wait(spec)
        }
        "Succeed" => Kind::Succeed,
        "Fail" => {
            exclusive(o, &["Error", "ErrorPath"], errs);
            exclusive(o, &["Cause", "CausePath"], errs);
            let dynamic = |lit: &str, path: &str, errs: &mut Vec<String>| -> Option<Field> {
                if let Some(p) = o.get(path).and_then(Value::as_str) {
                    let t = check(Template::dynamic(path, p), errs)?;
                    if let Template::Call { call, .. } = &t
                        && !TEXT_FUNCTIONS.contains(&call.name())
                    {
                        errs.push(format!(
                            "{path} cannot call {}: only {} give its text",
                            call.name(),
                            TEXT_FUNCTIONS.join(", ")
                        ));
                        return None;
                    }
                    Some(Field::Path(t))
                } else if lang == QueryLanguage::Jsonata {
                    check(field(o, lit, lang), errs).flatten()
                } else {
                    o.get(lit).map(|v| Field::Path(Template::Lit(v.clone())))
                }
            };
            Kind::Fail {
                error: dynamic("Error", "ErrorPath", errs),
                cause: dynamic("Cause", "CausePath", errs),
            }
        }
        "Parallel" => {
            let branches = match o.get("Branches").and_then(Value::as_array) {
                Some(b) => b
                    .iter()
                    .enumerate()
                    .map(|(i, b)| {
                        Arc::new(machine(b, &format!("branch {i} of '{name}': "), lang, errs))
                    })
                    .collect(),
                None => {
                    errs.push("a Parallel state needs 'Branches'".into());
                    Vec::new()
                }
            };
            Kind::Parallel { branches }
        }
        "Map" => Kind::Map(map(name, o, lang, errs)?),
        other => {
            errs.push(format!("unknown state type '{other}'"));
            return None;
        }
    };
    let terminal = matches!(
        kind,
        Kind::Choice { .. } | Kind::Succeed | Kind::Fail { .. }
    );
    if !terminal && next.is_none() && !end {
        errs.push("needs either 'Next' or '\"End\": true'".into());
    }
    Some(State {
        name: name.to_string(),
        kind,
        query: lang,
        arguments,
        output,
        input_path,
        output_path,
        parameters,
        result_selector,
        result_path,
        assign,
        next: if terminal { None } else { next },
        retry,
        catch,
    })
}

fn task(o: &Map<String, Value>, lang: QueryLanguage, errs: &mut Vec<String>) -> Option<TaskSpec> {
    let arn = o.get("Resource").and_then(Value::as_str).unwrap_or("");
    let resource = if let Some(rest) = arn.strip_prefix("arn:aws:states:::lambda:invoke") {
        match rest {
            "" => Resource::LambdaInvoke {
                wait_for_token: false,
            },
            ".waitForTaskToken" => Resource::LambdaInvoke {
                wait_for_token: true,
            },
            other => {
                errs.push(format!(
                    "the integration pattern '{other}' of lambda:invoke is not supported"
                ));
                return None;
            }
        }
    } else if arn.starts_with("arn:aws:lambda:") && arn.contains(":function:") {
        Resource::LambdaFunction {
            function: crate::tasks::function_name(arn),
        }
    } else {
        errs.push(format!(
            "the resource '{arn}' is not supported (lambda:invoke, its .waitForTaskToken form and Lambda function ARNs are)"
        ));
        return None;
    };
    exclusive(o, &["TimeoutSeconds", "TimeoutSecondsPath"], errs);
    exclusive(o, &["HeartbeatSeconds", "HeartbeatSecondsPath"], errs);
    let timeout = number_source(o, "TimeoutSeconds", Range::Positive, lang, errs);
    let heartbeat = number_source(o, "HeartbeatSeconds", Range::Positive, lang, errs);
    if let (Some(NumberSource::Literal(t)), Some(NumberSource::Literal(h))) = (&timeout, &heartbeat)
        && h >= t
    {
        errs.push(format!(
            "HeartbeatSeconds ({h}) must be smaller than TimeoutSeconds ({t})"
        ));
    }
    Some(TaskSpec {
        resource,
        resource_arn: arn.to_string(),
        timeout,
        heartbeat,
    })
}

fn map(
    name: &str,
    o: &Map<String, Value>,
    lang: QueryLanguage,
    errs: &mut Vec<String>,
) -> Option<MapSpec> {
    for unsupported in ["ItemReader", "ResultWriter", "ItemBatcher"] {
        if o.contains_key(unsupported) {
            errs.push(format!("{unsupported} is not supported"));
        }
    }
    let Some(proc_def) = o.get("ItemProcessor").or_else(|| o.get("Iterator")) else {
        errs.push("a Map state needs 'ItemProcessor' (or 'Iterator')".into());
        return None;
    };
    let processor = Arc::new(machine(
        proc_def,
        &format!("processor of '{name}': "),
        lang,
        errs,
    ));
    let selector_field = if o.contains_key("ItemSelector") {
        "ItemSelector"
    } else {
        "Parameters"
    };
    let item_selector = check(field(o, selector_field, lang), errs).flatten();
    let items = match lang {
        QueryLanguage::JsonPath => Items::Path(
            check(FilterPath::compile(o.get("ItemsPath")), errs).unwrap_or(FilterPath::Identity),
        ),
        QueryLanguage::Jsonata => Items::Jsonata(o.get("Items").and_then(|v| {
            check(
                query::Template::compile(v).map_err(|e| e.in_field("Items")),
                errs,
            )
        })),
    };
    for f in [
        "MaxConcurrency",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
    ] {
        exclusive(o, &[f, &format!("{f}Path")], errs);
    }
    Some(MapSpec {
        processor,
        items,
        item_selector,
        max_concurrency: number_source(o, "MaxConcurrency", Range::NonNegative, lang, errs),
        tolerated_count: number_source(o, "ToleratedFailureCount", Range::NonNegative, lang, errs),
        tolerated_percentage: number_source(
            o,
            "ToleratedFailurePercentage",
            Range::Percentage,
            lang,
            errs,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_substituted() {
        let mut m = BTreeMap::new();
        m.insert(
            "Fn".to_string(),
            "arn:aws:lambda:us-east-1:1:function:f".to_string(),
        );
        assert_eq!(
            substitute("a ${Fn} b", &m).unwrap(),
            "a arn:aws:lambda:us-east-1:1:function:f b"
        );
        assert!(substitute("${Missing}", &m).is_err());
    }

    #[test]
    fn each_query_language_refuses_the_others_fields() {
        let e = parse(r#"{"QueryLanguage":"JSONata","StartAt":"a","States":{"a":{"Type":"Pass","InputPath":"$.x","End":true}}}"#)
            .unwrap_err();
        assert!(
            e[0].contains("'InputPath' is not supported in a JSONata state"),
            "{e:?}"
        );
        let e = parse(r#"{"StartAt":"a","States":{"a":{"Type":"Pass","Output":{},"End":true}}}"#)
            .unwrap_err();
        assert!(
            e[0].contains("'Output' is not supported in a JSONPath state"),
            "{e:?}"
        );
        let e = parse(r#"{"StartAt":"a","States":{"a":{"QueryLanguage":"JSONata","Type":"Pass","Output":"{% 1 + %}","End":true}}}"#)
            .unwrap_err();
        assert!(
            e[0].contains("the JSONata expression '1 +' is invalid"),
            "{e:?}"
        );
        let e =
            parse(r#"{"QueryLanguage":"YAML","StartAt":"a","States":{"a":{"Type":"Succeed"}}}"#)
                .unwrap_err();
        assert!(e[0].contains("QueryLanguage must be"), "{e:?}");
        let e = parse(r#"{"QueryLanguage":"JSONata","StartAt":"a","States":{"a":{"Type":"Pass","Arguments":{},"End":true}}}"#)
            .unwrap_err();
        assert!(
            e[0].contains("'Arguments' is supported in Task and Parallel states only"),
            "{e:?}"
        );
        // A state overrides the machine's language, both ways.
        parse(r#"{"QueryLanguage":"JSONata","StartAt":"a","States":{"a":{"QueryLanguage":"JSONPath","Type":"Pass","InputPath":"$.x","End":true}}}"#)
            .unwrap();
    }

    #[test]
    fn refuses_unknown_resources() {
        let e = parse(r#"{"StartAt":"a","States":{"a":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","End":true}}}"#)
            .unwrap_err();
        assert!(e[0].contains("state 'a'"));
        let e = parse(r#"{"StartAt":"w","States":{"w":{"Type":"Wait","Timestamp":"05-12-2016T21:29:29Z","End":true}}}"#)
            .unwrap_err();
        assert!(e[0].contains("Timestamp"), "{e:?}");
    }
}
