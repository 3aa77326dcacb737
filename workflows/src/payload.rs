//! Input and output processing: variables, the scope paths read from,
//! payload templates (`"key.$": …`), InputPath/ResultPath/OutputPath.

use crate::definition::{Field, NumberSource};
use crate::error::{DefinitionError, Failure, names, shape};
use crate::fold;
use crate::intrinsics::Call;
use crate::jsonpath::{JsonPath, Root, Step, set_at};
use crate::query::States;
use crate::values::{message_text, payload_size};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Workflow variables: this branch's own, over the read-only ones of the
/// enclosing scopes (Map and Parallel branches see their parent's).
#[derive(Debug, Clone, Default)]
pub struct Vars {
    local: Map<String, Value>,
    /// The JSON size of `local`'s values.
    bytes: usize,
    parent: Option<Arc<Vars>>,
}

/// The most one variable's value, and one `Assign` in all, may hold
/// (developer guide, "Passing data between states with variables").
pub const MAX_VARIABLE_BYTES: usize = 256 * 1024;
/// The most an execution's variables may hold together (same page).
pub const MAX_EXECUTION_VARIABLE_BYTES: usize = 10 * 1024 * 1024;

impl Vars {
    /// The scope of a child branch: reads this one, writes its own.
    pub fn child(self: &Arc<Self>) -> Vars {
        Vars {
            local: Map::new(),
            bytes: 0,
            parent: Some(self.clone()),
        }
    }
    /// The JSON size of every variable this scope sees (its own and its
    /// enclosing scopes').
    fn total_bytes(&self) -> usize {
        self.bytes + self.parent.as_ref().map_or(0, |p| p.total_bytes())
    }
    /// What `total_bytes` would be once `values`, of `added` bytes in all,
    /// are assigned.
    fn total_bytes_after(&self, values: &Map<String, Value>, added: usize) -> usize {
        let replaced: usize = values
            .keys()
            .filter_map(|k| self.local.get(k))
            .map(payload_size)
            .sum();
        self.total_bytes() - replaced + added
    }
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.local
            .get(name)
            .or_else(|| self.parent.as_ref().and_then(|p| p.get(name)))
    }
    pub fn assign(&mut self, values: Map<String, Value>) {
        for (k, v) in values {
            self.bytes += payload_size(&v);
            if let Some(old) = self.local.insert(k, v) {
                self.bytes -= payload_size(&old);
            }
        }
    }
}

/// What a path can read: the state's input, the context object, variables.
pub struct Scope<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub vars: &'a Vars,
}

impl Scope<'_> {
    pub fn resolve(&self, p: &JsonPath) -> Option<Value> {
        match &p.root {
            Root::Input => p.eval(self.input),
            Root::Context => p.eval(self.context),
            Root::Variable(name) => p.eval(self.vars.get(name)?),
        }
    }

    /// The value at a path that must exist (`States.Runtime` otherwise).
    pub fn require(&self, p: &JsonPath) -> Result<Value, Failure> {
        self.resolve(p).ok_or_else(|| {
            Failure::runtime(format!(
                "Invalid path '{}' : No results for path: {}",
                p.text,
                p.canonical()
            ))
        })
    }

    /// A number field given literally, through its `…Path` form or, in
    /// JSONata, as an expression (evaluated with `states`).
    pub fn number(
        &self,
        src: &Option<NumberSource>,
        field: &str,
        expect: Expect,
        states: &States,
    ) -> Result<Option<f64>, Failure> {
        let p = match src {
            None => return Ok(None),
            Some(NumberSource::Literal(n)) => return Ok(Some(*n)),
            Some(NumberSource::Expr(e)) => {
                let v = e.eval(field, states)?;
                return expect
                    .read(&v)
                    .map(Some)
                    .ok_or_else(|| e.unexpected(field, expect.describe(), &v));
            }
            Some(NumberSource::Path(p)) => p,
        };
        let v = self.require(p)?;
        expect.read(&v).map(Some).ok_or_else(|| {
            Failure::runtime(format!(
                "The {field}Path field refers to value \"{}\" which is not a valid {}: {}",
                message_text(&v),
                expect.describe(),
                p.text
            ))
        })
    }

    /// The document a path was applied to, as error messages quote it.
    pub fn input_text(&self, p: &JsonPath) -> String {
        match p.root {
            Root::Context => self.context.to_string(),
            _ => self.input.to_string(),
        }
    }
}

/// What a number read through a path (or a JSONata expression) must be.
/// Step Functions also takes a string that holds an integer ("3"), but not
/// one that holds a fraction ("1.5").
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    /// An integer (`ToleratedFailureCount`); 1.5 is refused.
    Integer,
    /// A number, a fraction cut to its integer part (`MaxConcurrency`).
    Truncated,
    /// An integer above 0 (`TimeoutSeconds`, `HeartbeatSeconds`).
    PositiveInteger,
    /// Any number (`ToleratedFailurePercentage`).
    Float,
}

impl Expect {
    /// The number a value holds, if it is of this kind.
    fn read(self, v: &Value) -> Option<f64> {
        let from_text = || v.as_str().and_then(|s| s.trim().parse::<i64>().ok());
        let n = match self {
            Expect::Float => v.as_f64(),
            Expect::Truncated => v.as_f64().map(f64::trunc),
            Expect::Integer | Expect::PositiveInteger => v.as_i64().map(|i| i as f64),
        };
        let n = n.or_else(|| from_text().map(|i| i as f64))?;
        match self {
            Expect::PositiveInteger if n <= 0.0 => None,
            _ => Some(n),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Expect::Integer | Expect::Truncated => "integer",
            Expect::PositiveInteger => "positive integer",
            Expect::Float => "float",
        }
    }
}

/// A payload template compiled from `Parameters`, `ItemSelector`,
/// `ResultSelector`, `Arguments`-like fields and `Assign`.
#[derive(Debug, Clone, PartialEq)]
pub enum Template {
    Lit(Value),
    Obj(Vec<(String, Template)>),
    Arr(Vec<Template>),
    Path { field: String, path: JsonPath },
    Call { field: String, call: Call },
}

impl Template {
    pub fn compile(v: &Value) -> Result<Template, DefinitionError> {
        fold::compile(v)
    }

    /// A single dynamic value: a path or an intrinsic function call.
    pub fn dynamic(field: &str, s: &str) -> Result<Template, DefinitionError> {
        if s.starts_with("States.") {
            Ok(Template::Call {
                field: field.to_string(),
                call: Call::parse(s)?,
            })
        } else if s.starts_with('$') {
            Ok(Template::Path {
                field: field.to_string(),
                path: JsonPath::parse(s)?,
            })
        } else {
            Err(shape(format!(
                "the value of field '{field}' must be a JSONPath or an intrinsic function, got '{s}'"
            )))
        }
    }

    pub fn eval(&self, scope: &Scope) -> Result<Value, Failure> {
        match self {
            Template::Lit(v) => Ok(v.clone()),
            Template::Obj(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    out.insert(k.clone(), t.eval(scope)?);
                }
                Ok(Value::Object(out))
            }
            Template::Arr(items) => items.iter().map(|t| t.eval(scope)).collect::<Result<Vec<_>, _>>().map(Value::Array),
            Template::Path { field, path } => scope.resolve(path).ok_or_else(|| {
                Failure::runtime(format!(
                    "The JSONPath '{}' specified for the field '{field}' could not be found in the input '{}'",
                    path.text,
                    scope.input_text(path)
                ))
            }),
            Template::Call { call, .. } => call.eval(scope),
        }
    }
}

impl fold::Node for Template {
    fn lit(v: Value) -> Self {
        Template::Lit(v)
    }
    fn is_lit(&self) -> bool {
        matches!(self, Template::Lit(_))
    }
    fn obj(fields: Vec<(String, Self)>) -> Self {
        Template::Obj(fields)
    }
    fn arr(items: Vec<Self>) -> Self {
        Template::Arr(items)
    }
    /// `"key.$"`: a path or an intrinsic call, its value named `key`.
    fn member(key: &str, v: &Value) -> Result<Option<(String, Self)>, DefinitionError> {
        let Some(name) = key.strip_suffix(".$") else {
            return Ok(None);
        };
        let s = v
            .as_str()
            .ok_or_else(|| shape(format!("the value of field '{key}' must be a string")))?;
        Ok(Some((name.to_string(), Template::dynamic(key, s)?)))
    }
    fn scalar(v: &Value) -> Result<Self, DefinitionError> {
        Ok(Template::Lit(v.clone()))
    }
}

/// InputPath / OutputPath: absent means `$`, null means `{}`.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterPath {
    Identity,
    Empty,
    Path(JsonPath),
}

impl FilterPath {
    pub fn compile(v: Option<&Value>) -> Result<FilterPath, DefinitionError> {
        match v {
            None => Ok(FilterPath::Identity),
            Some(Value::Null) => Ok(FilterPath::Empty),
            Some(Value::String(s)) if s == "$" => Ok(FilterPath::Identity),
            Some(Value::String(s)) => Ok(FilterPath::Path(JsonPath::parse(s)?)),
            Some(other) => Err(shape(format!("a path must be a string, got {other}"))),
        }
    }

    pub fn apply(&self, scope: &Scope) -> Result<Value, Failure> {
        match self {
            FilterPath::Identity => Ok(scope.input.clone()),
            FilterPath::Empty => Ok(Value::Object(Map::new())),
            FilterPath::Path(p) => scope.require(p),
        }
    }
}

/// ResultPath: where the result goes in the state's input.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultPath {
    Replace,
    Discard,
    At { text: String, steps: Vec<Step> },
}

impl ResultPath {
    /// A reference path from `$` (S, "Reference Paths"): names and array
    /// indexes; `$$.`, a variable, a wildcard, filter, slice, union, deep
    /// scan or function is refused.
    pub fn compile(v: Option<&Value>) -> Result<ResultPath, DefinitionError> {
        match v {
            None => Ok(ResultPath::Replace),
            Some(Value::Null) => Ok(ResultPath::Discard),
            Some(Value::String(s)) => {
                let p = JsonPath::parse(s)?;
                if p.root != Root::Input {
                    return Err(shape(format!("ResultPath '{s}' must start with '$.'")));
                }
                let steps = p
                    .reference()
                    .ok_or_else(|| shape(format!("ResultPath '{s}' must be a reference path")))?;
                if steps.is_empty() {
                    Ok(ResultPath::Replace)
                } else {
                    Ok(ResultPath::At {
                        text: s.clone(),
                        steps,
                    })
                }
            }
            Some(other) => Err(shape(format!(
                "ResultPath must be a string or null, got {other}"
            ))),
        }
    }

    /// The state's input with the result in place; a node on the way that
    /// cannot take the next step (a name into what is not an object, the
    /// input itself included; an index into what is not an array, negative
    /// or past its end): `States.ResultPathMatchFailure`.
    pub fn apply(&self, input: &Value, result: Value) -> Result<Value, Failure> {
        match self {
            ResultPath::Replace => Ok(result),
            ResultPath::Discard => Ok(input.clone()),
            ResultPath::At { text, steps } => {
                let mut out = input.clone();
                if set_at(&mut out, steps, result) {
                    Ok(out)
                } else {
                    Err(Failure::new(
                        names::RESULT_PATH_MATCH_FAILURE,
                        format!("Unable to apply ReferencePath {text} to input {input}"),
                    ))
                }
            }
        }
    }
}

/// `Assign`: every value is evaluated against the same scope (JSONPath) or
/// `$states` (JSONata), then all are applied together.
pub fn evaluate_assign(
    assign: &Field,
    scope: &Scope,
    states: &States,
) -> Result<Map<String, Value>, Failure> {
    let values = match assign.eval("Assign", scope, states)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    check_variable_sizes(&values, scope.vars)?;
    Ok(values)
}

/// `States.DataLimitExceeded` when one value, the `Assign` in all, or every
/// variable of the execution once assigned is over its limit (the texts
/// are the engine's own: no recorded case shows AWS's).
fn check_variable_sizes(values: &Map<String, Value>, vars: &Vars) -> Result<(), Failure> {
    let over = |what: String, size: usize, limit: usize| {
        Err(Failure::new(
            names::DATA_LIMIT_EXCEEDED,
            format!("{what} {size} bytes, over the limit of {limit} bytes."),
        ))
    };
    let mut total = 0;
    for (name, v) in values {
        let size = payload_size(v);
        if size > MAX_VARIABLE_BYTES {
            return over(
                format!("The variable '{name}' would hold"),
                size,
                MAX_VARIABLE_BYTES,
            );
        }
        total += size;
    }
    if total > MAX_VARIABLE_BYTES {
        return over(
            "The Assign field would assign".into(),
            total,
            MAX_VARIABLE_BYTES,
        );
    }
    let after = vars.total_bytes_after(values, total);
    if after > MAX_EXECUTION_VARIABLE_BYTES {
        return over(
            "The execution's variables would hold".into(),
            after,
            MAX_EXECUTION_VARIABLE_BYTES,
        );
    }
    Ok(())
}
