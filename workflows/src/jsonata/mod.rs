//! JSONata 2.0, the query language Step Functions recommends: a parser and
//! an evaluator over JSON values, with the standard function library.
//! What a host (the ASL engine) adds — variables such as `$states` and its
//! own functions — comes through [`Host`].

mod eval;
mod functions;
mod parser;
mod value;

pub use eval::Eval;
pub use value::{NativeFn, Val};

use chrono::{DateTime, Utc};
use serde_json::Value;

/// An error of the language, with the reference implementation's code
/// (`T1006`, `D3030`, …) and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub code: &'static str,
    pub message: String,
}

impl Error {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// What an expression sees beyond its input and the built-in functions.
pub trait Host {
    /// A variable (`$name` without the `$`) the expression did not bind itself.
    fn variable(&self, name: &str) -> Option<Val>;
    /// A function the host adds or replaces, with its arity.
    fn function(&self, name: &str) -> Option<(usize, NativeFn)>;
    /// The instant `$now()` and `$millis()` report.
    fn now(&self) -> DateTime<Utc>;
}

/// A parsed expression, ready to be evaluated many times.
#[derive(Debug)]
pub struct Expression {
    root: parser::Node,
}

/// What an evaluation gives: a JSON value, nothing (`undefined`), or a
/// function or a value holding one (which has no JSON form).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Value(Value),
    Undefined,
    Function,
}

impl Expression {
    pub fn parse(text: &str) -> Result<Expression, Error> {
        Ok(Expression {
            root: parser::parse(text)?,
        })
    }

    /// Evaluates against `input` (the context `$` and root `$$`).
    pub fn evaluate(&self, input: Option<&Value>, host: &dyn Host) -> Result<Outcome, Error> {
        let ev = Eval::new(host, input.map(Val::from_json));
        Ok(match ev.run(&self.root)? {
            None => Outcome::Undefined,
            // Arithmetic refuses non-finite numbers, so only a function
            // has no JSON form.
            Some(v) => v.to_json().map_or(Outcome::Function, Outcome::Value),
        })
    }
}

#[cfg(test)]
mod tests;
