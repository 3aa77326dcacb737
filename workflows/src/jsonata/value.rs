//! JSONata values: JSON plus functions, and arrays that remember whether
//! they are sequences (a path's results, which collapse to their only item)
//! or constructed with `[…]` (which never flatten into a path's results).

use super::Error;
use super::parser::Lambda;
use indexmap::IndexMap;
use serde_json::{Map, Number, Value};
use std::rc::Rc;
use std::sync::Arc;

pub type Object = IndexMap<String, Val>;

/// A value during evaluation. `undefined` is `None` around it.
#[derive(Clone, Debug)]
pub enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<Val>>, Flags),
    Obj(Rc<Object>),
    Func(Rc<Func>),
}

/// How an array came to be.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Flags {
    /// The results of a path or a function: one item stands for itself.
    pub sequence: bool,
    /// Built with `[…]`: kept whole inside a path's results.
    pub cons: bool,
    /// A sequence marked with `[]`: stays an array even with one item.
    pub keep: bool,
}

/// A native function: the evaluator (to call function arguments back) and
/// the arguments, `None` for undefined.
pub type NativeFn = fn(&super::eval::Eval<'_>, &[Option<Val>]) -> Result<Option<Val>, Error>;

pub enum Func {
    Lambda {
        def: Arc<Lambda>,
        env: Rc<super::eval::Env>,
        input: Option<Val>,
    },
    Native {
        arity: usize,
        f: NativeFn,
    },
    Regex(Arc<regex_lite::Regex>),
}

impl std::fmt::Debug for Func {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Func::Lambda { def, .. } => write!(f, "lambda({:?})", def.params),
            Func::Native { .. } => write!(f, "native function"),
            Func::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

impl Func {
    /// How many arguments the function declares (higher-order functions
    /// pass a callback only that many of item, index and array).
    pub fn arity(&self) -> usize {
        match self {
            Func::Lambda { def, .. } => def.params.len(),
            Func::Native { arity, .. } => *arity,
            Func::Regex(_) => 1,
        }
    }
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(Rc::from(s))
    }
    pub fn array(items: Vec<Val>) -> Val {
        Val::Arr(Rc::new(items), Flags::default())
    }
    pub fn sequence(items: Vec<Val>) -> Val {
        Val::Arr(
            Rc::new(items),
            Flags {
                sequence: true,
                ..Flags::default()
            },
        )
    }

    pub fn from_json(v: &Value) -> Val {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => Val::str(s),
            Value::Array(a) => Val::array(a.iter().map(Val::from_json).collect()),
            Value::Object(o) => Val::Obj(Rc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// The JSON a result stands for; `None` if it holds a function.
    pub fn to_json(&self) -> Option<Value> {
        Some(match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => number(*n)?,
            Val::Str(s) => Value::String(s.to_string()),
            Val::Arr(a, _) => Value::Array(a.iter().map(Val::to_json).collect::<Option<_>>()?),
            Val::Obj(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| Some((k.clone(), v.to_json()?)))
                    .collect::<Option<Map<_, _>>>()?,
            ),
            Val::Func(_) => return None,
        })
    }

    pub fn as_array(&self) -> Option<&[Val]> {
        match self {
            Val::Arr(a, _) => Some(a),
            _ => None,
        }
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Val::Arr(..))
    }

    pub fn as_num(&self) -> Option<f64> {
        match self {
            Val::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// JSONata's type names, as `$type` and error messages give them.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "boolean",
            Val::Num(_) => "number",
            Val::Str(_) => "string",
            Val::Arr(..) => "array",
            Val::Obj(_) => "object",
            Val::Func(_) => "function",
        }
    }
}

/// A JSON number: integral values as integers, as JavaScript prints them.
pub fn number(n: f64) -> Option<Value> {
    if !n.is_finite() {
        return None;
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Some(Value::Number(Number::from(n as i64)));
    }
    Number::from_f64(n).map(Value::Number)
}

/// Deep equality, numbers by value.
pub fn deep_equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Arr(x, _), Val::Arr(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Val::Obj(x), Val::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Val::Func(x), Val::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// JSONata's truthiness (`$boolean`); `None` stays undefined.
pub fn truthy(v: &Val) -> bool {
    match v {
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Num(n) => *n != 0.0,
        Val::Str(s) => !s.is_empty(),
        Val::Arr(a, _) => match a.len() {
            0 => false,
            1 => truthy(&a[0]),
            _ => a.iter().any(truthy),
        },
        Val::Obj(o) => !o.is_empty(),
        Val::Func(_) => false,
    }
}

/// A number as JSONata prints it: 15 significant digits, integers bare.
pub fn format_number(n: f64) -> String {
    let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(n);
    if rounded.fract() == 0.0 && rounded.abs() < 1e21 {
        format!("{}", rounded as i128)
    } else {
        let s = format!("{rounded}");
        if rounded.abs() >= 1e21 || (rounded != 0.0 && rounded.abs() < 1e-6) {
            format!("{rounded:e}")
                .replace("e", "e+")
                .replace("e+-", "e-")
        } else {
            s
        }
    }
}

/// `$string`: strings as they are, functions as "", everything else as
/// JSON (numbers to 15 significant digits).
pub fn stringify(v: &Val, pretty: bool) -> Result<String, Error> {
    match v {
        Val::Str(s) => Ok(s.to_string()),
        Val::Func(_) => Ok(String::new()),
        Val::Num(n) if !n.is_finite() => Err(Error::new(
            "D3001",
            "Attempting to invoke string function on Infinity or NaN",
        )),
        other => {
            let json = to_json_lossy(other);
            Ok(if pretty {
                serde_json::to_string_pretty(&json).unwrap_or_default()
            } else {
                json.to_string()
            })
        }
    }
}

/// JSON for printing: functions as "", numbers to 15 significant digits.
fn to_json_lossy(v: &Val) -> Value {
    match v {
        Val::Num(n) => {
            let rounded: f64 = format!("{n:.14e}").parse().unwrap_or(*n);
            number(rounded).unwrap_or(Value::Null)
        }
        Val::Arr(a, _) => Value::Array(a.iter().map(to_json_lossy).collect()),
        Val::Obj(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), to_json_lossy(v)))
                .collect(),
        ),
        Val::Func(_) => Value::String(String::new()),
        other => other.to_json().unwrap_or(Value::Null),
    }
}
