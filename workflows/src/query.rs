//! JSONata in a state machine: `{% … %}` strings inside a field's JSON,
//! the `$states` variable (input, result, errorOutput, context), Step
//! Functions' own functions, and the `States.QueryEvaluationError` texts AWS
//! reports when an expression fails or returns what the field cannot take.

use crate::error::{DefinitionError, Failure, shape};
use crate::fold;
use crate::jsonata::{self, Eval, Expression, Host, NativeFn, Outcome, Val};
use crate::payload::Vars;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::cell::OnceCell;

/// The query language of a state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QueryLanguage {
    JsonPath,
    Jsonata,
}

impl QueryLanguage {
    /// `QueryLanguage` as a definition gives it; `None` for an unknown name.
    pub fn parse(
        v: Option<&Value>,
        inherited: QueryLanguage,
    ) -> Result<QueryLanguage, DefinitionError> {
        match v {
            None => Ok(inherited),
            Some(Value::String(s)) if s == "JSONPath" => Ok(QueryLanguage::JsonPath),
            Some(Value::String(s)) if s == "JSONata" => Ok(QueryLanguage::Jsonata),
            Some(other) => Err(shape(format!(
                "QueryLanguage must be \"JSONPath\" or \"JSONata\", got {other}"
            ))),
        }
    }
}

/// A JSONata expression from a definition, with its text as AWS quotes it.
#[derive(Debug)]
pub struct Expr {
    pub text: String,
    expr: Expression,
}

impl Expr {
    /// The expression of a `{% … %}` string; `None` for any other string.
    pub fn from_template(s: &str) -> Option<Result<Expr, DefinitionError>> {
        let inner = s.strip_prefix("{%")?.strip_suffix("%}")?;
        let text = inner.trim().to_string();
        Some(match Expression::parse(&text) {
            Ok(expr) => Ok(Expr { text, expr }),
            Err(error) => Err(DefinitionError::Jsonata { text, error }),
        })
    }

    /// The expression's value; undefined and functions are errors, as a
    /// field needs JSON.
    pub fn eval(&self, field: &str, st: &States) -> Result<Value, Failure> {
        let outcome = self
            .expr
            .evaluate(None, st)
            .map_err(|e| self.failure(field, format!("threw an error during evaluation. {e}")))?;
        match outcome {
            Outcome::Value(v) => Ok(v),
            Outcome::Undefined => Err(self.failure(field, "returned nothing (undefined).")),
            Outcome::Function => Err(self.failure(field, "returned an unsupported result type.")),
        }
    }

    fn failure(&self, field: &str, what: impl std::fmt::Display) -> Failure {
        Failure::query(format!(
            "The JSONata expression '{}' specified for the field '{field}' {what}",
            self.text
        ))
    }

    /// The failure for a value of the wrong JSON type.
    pub fn unexpected(&self, field: &str, expected: &str, got: &Value) -> Failure {
        self.failure(
            field,
            format!(
                "returned an unexpected result type. Expected '{expected}', but was '{}' for value: {got}",
                json_type(got)
            ),
        )
    }
}

/// JSON's type names, as the error texts give them.
pub fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A field's JSON in which every `{% … %}` string is an expression.
#[derive(Debug)]
pub enum Template {
    Lit(Value),
    Expr(Expr),
    Obj(Vec<(String, Template)>),
    Arr(Vec<Template>),
}

impl Template {
    pub fn compile(v: &Value) -> Result<Template, DefinitionError> {
        fold::compile(v)
    }

    /// The value, `field` naming where it is (`Output/result`) in errors.
    pub fn eval(&self, field: &str, st: &States) -> Result<Value, Failure> {
        match self {
            Template::Lit(v) => Ok(v.clone()),
            Template::Expr(e) => e.eval(field, st),
            Template::Obj(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    out.insert(k.clone(), t.eval(&format!("{field}/{k}"), st)?);
                }
                Ok(Value::Object(out))
            }
            Template::Arr(items) => items
                .iter()
                .enumerate()
                .map(|(i, t)| t.eval(&format!("{field}/{i}"), st))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
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
    /// Keys are plain in JSONata: every member is compiled as JSON.
    fn member(_: &str, _: &Value) -> Result<Option<(String, Self)>, DefinitionError> {
        Ok(None)
    }
    /// A `{% … %}` string is an expression; any other scalar is literal.
    fn scalar(v: &Value) -> Result<Self, DefinitionError> {
        match v.as_str().and_then(Expr::from_template) {
            Some(e) => Ok(Template::Expr(e?)),
            None => Ok(Template::Lit(v.clone())),
        }
    }
}

/// What one evaluation sees: `$states`, the workflow's variables and the
/// engine's clock.
pub struct States<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    pub result: Option<&'a Value>,
    pub error_output: Option<&'a Value>,
    pub vars: &'a Vars,
    pub now: DateTime<Utc>,
    states: OnceCell<Val>,
}

impl<'a> States<'a> {
    pub fn new(input: &'a Value, context: &'a Value, vars: &'a Vars, now: DateTime<Utc>) -> Self {
        States {
            input,
            context,
            result: None,
            error_output: None,
            vars,
            now,
            states: OnceCell::new(),
        }
    }
    pub fn with_result(mut self, result: &'a Value) -> Self {
        self.result = Some(result);
        self
    }
    pub fn with_error_output(mut self, error: &'a Value) -> Self {
        self.error_output = Some(error);
        self
    }
}

impl Host for States<'_> {
    fn variable(&self, name: &str) -> Option<Val> {
        if name != "states" {
            return self.vars.get(name).map(Val::from_json);
        }
        let v = self.states.get_or_init(|| {
            let mut m = Map::new();
            m.insert("input".into(), self.input.clone());
            m.insert("context".into(), self.context.clone());
            if let Some(r) = self.result {
                m.insert("result".into(), r.clone());
            }
            if let Some(e) = self.error_output {
                m.insert("errorOutput".into(), e.clone());
            }
            Val::from_json(&Value::Object(m))
        });
        Some(v.clone())
    }

    fn function(&self, name: &str) -> Option<(usize, NativeFn)> {
        let f: (usize, NativeFn) = match name {
            "partition" => (2, partition),
            "range" => (3, range),
            "hash" => (2, hash),
            "random" => (1, random),
            "uuid" => (0, |_, _| {
                Ok(Some(Val::str(&uuid::Uuid::new_v4().to_string())))
            }),
            "parse" => (1, parse),
            _ => return None,
        };
        Some(f)
    }

    fn now(&self) -> DateTime<Utc> {
        self.now
    }
}

type R = Result<Option<Val>, jsonata::Error>;

fn fn_error(name: &str, why: impl std::fmt::Display) -> jsonata::Error {
    jsonata::Error::new("States.QueryEvaluationError", format!("${name}: {why}"))
}

fn int_arg(name: &str, a: &[Option<Val>], i: usize) -> Result<i64, jsonata::Error> {
    match a.get(i).and_then(Option::as_ref).and_then(Val::as_num) {
        Some(n) if n.fract() == 0.0 => Ok(n as i64),
        _ => Err(fn_error(
            name,
            format_args!("argument {} must be an integer", i + 1),
        )),
    }
}

/// `$partition(array, size)`: the array in chunks of `size`.
fn partition(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let items = match a.first().and_then(Option::as_ref) {
        Some(Val::Arr(items, _)) => items.to_vec(),
        Some(other) => vec![other.clone()],
        None => return Err(fn_error("partition", "argument 1 must be an array")),
    };
    let size = int_arg("partition", a, 1)?;
    if size <= 0 {
        return Err(fn_error(
            "partition",
            "the chunk size must be greater than 0",
        ));
    }
    Ok(Some(Val::array(
        items
            .chunks(size as usize)
            .map(|c| Val::array(c.to_vec()))
            .collect(),
    )))
}

/// `$range(start, end, step)`: from start to end inclusive, at most 1000.
fn range(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let (start, end, step) = (
        int_arg("range", a, 0)?,
        int_arg("range", a, 1)?,
        int_arg("range", a, 2)?,
    );
    if step == 0 {
        return Err(fn_error("range", "the step must not be 0"));
    }
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i <= end) || (step < 0 && i >= end) {
        if out.len() == 1000 {
            return Err(fn_error("range", "would create more than 1000 items"));
        }
        out.push(Val::Num(i as f64));
        i += step;
    }
    Ok(Some(Val::sequence(out)))
}

/// `$hash(value, algorithm)`: hex digest, as `States.Hash`.
fn hash(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let data = match a.first().and_then(Option::as_ref) {
        Some(Val::Str(s)) => s.to_string(),
        Some(other) => other.to_json().map(|j| j.to_string()).unwrap_or_default(),
        None => return Err(fn_error("hash", "argument 1 is required")),
    };
    let algo = a
        .get(1)
        .and_then(Option::as_ref)
        .and_then(Val::as_str)
        .ok_or_else(|| fn_error("hash", "argument 2 must be an algorithm name"))?;
    crate::intrinsics::digest(data.as_bytes(), algo)
        .map(|d| Some(Val::str(&d)))
        .ok_or_else(|| {
            fn_error(
                "hash",
                format_args!("the algorithm '{algo}' is not supported"),
            )
        })
}

/// `$random([seed])`: a number in [0, 1), the same for the same seed.
fn random(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let seed = match a.first().and_then(Option::as_ref) {
        None => uuid::Uuid::new_v4().as_u64_pair().0,
        Some(_) => int_arg("random", a, 0)? as u64,
    };
    let bits = crate::intrinsics::splitmix(seed) >> 11;
    Ok(Some(Val::Num(bits as f64 / (1u64 << 53) as f64)))
}

/// `$parse(text)`: the JSON a string holds (Step Functions' `$eval`).
fn parse(_: &Eval<'_>, a: &[Option<Val>]) -> R {
    let Some(v) = a.first().and_then(Option::as_ref) else {
        return Ok(None);
    };
    let s = v
        .as_str()
        .ok_or_else(|| fn_error("parse", "argument 1 must be a string"))?;
    serde_json::from_str::<Value>(s)
        .map(|j| Some(Val::from_json(&j)))
        .map_err(|e| fn_error("parse", format_args!("'{s}' is not JSON: {e}")))
}
