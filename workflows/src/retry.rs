//! Retry and Catch: which errors a retrier or catcher matches, and how long
//! a retrier waits before the next attempt.

use crate::definition::{Field, Range, check_fields, field};
use crate::error::{DefinitionError, Failure, names, shape};
use crate::payload::ResultPath;
use crate::query::{self, QueryLanguage};
use serde_json::Value;

#[derive(Debug)]
pub struct Retrier {
    pub errors: Vec<String>,
    pub interval_seconds: f64,
    pub max_attempts: u32,
    pub backoff_rate: f64,
    pub max_delay_seconds: Option<f64>,
    pub full_jitter: bool,
}

#[derive(Debug)]
pub struct Catcher {
    pub errors: Vec<String>,
    pub next: String,
    pub result_path: ResultPath,
    /// JSONata's `Output` (the error output when absent).
    pub output: Option<query::Template>,
    pub assign: Option<Field>,
}

fn error_equals(v: &Value) -> Result<Vec<String>, DefinitionError> {
    match v.get("ErrorEquals").and_then(Value::as_array) {
        Some(a) if !a.is_empty() => a
            .iter()
            .map(|e| {
                e.as_str()
                    .map(String::from)
                    .ok_or_else(|| shape("ErrorEquals must hold strings"))
            })
            .collect(),
        _ => Err(shape("ErrorEquals must be a non-empty array")),
    }
}

impl Retrier {
    /// The fields' literals as the specification bounds them (an integer
    /// interval, attempts and maximum delay; a backoff rate of at least 1),
    /// so a retrier never silently waits or retries otherwise than written.
    pub fn compile(v: &Value) -> Result<Retrier, DefinitionError> {
        let num = |k: &str, range: Range| -> Result<Option<f64>, DefinitionError> {
            match v.get(k) {
                None => Ok(None),
                Some(n) => match n.as_f64() {
                    Some(x) if range.holds(x) => Ok(Some(x)),
                    _ => Err(shape(format!("{k} must be {}, got {n}", range.describe()))),
                },
            }
        };
        let jitter = v
            .get("JitterStrategy")
            .and_then(Value::as_str)
            .unwrap_or("NONE");
        if jitter != "FULL" && jitter != "NONE" {
            return Err(shape(format!(
                "JitterStrategy must be FULL or NONE, got '{jitter}'"
            )));
        }
        let backoff_rate = match v.get("BackoffRate") {
            None => 2.0,
            Some(n) => match n.as_f64() {
                Some(x) if x >= 1.0 => x,
                _ => return Err(shape(format!("BackoffRate must be at least 1.0, got {n}"))),
            },
        };
        Ok(Retrier {
            errors: error_equals(v)?,
            interval_seconds: num("IntervalSeconds", Range::RetryInterval)?.unwrap_or(1.0),
            max_attempts: num("MaxAttempts", Range::RetryAttempts)?.map_or(3, |n| n as u32),
            backoff_rate,
            max_delay_seconds: num("MaxDelaySeconds", Range::RetryMaxDelay)?,
            full_jitter: jitter == "FULL",
        })
    }

    /// Delay before retry number `attempt` (0 for the first retry); `unit`
    /// is a number in [0, 1) used for FULL jitter.
    pub fn delay_seconds(&self, attempt: u32, unit: f64) -> f64 {
        let mut d = self.interval_seconds * self.backoff_rate.powi(attempt as i32);
        if let Some(max) = self.max_delay_seconds {
            d = d.min(max);
        }
        if self.full_jitter { d * unit } else { d }
    }
}

impl Catcher {
    pub fn compile(v: &Value, lang: QueryLanguage) -> Result<Catcher, DefinitionError> {
        let o = v
            .as_object()
            .ok_or_else(|| shape("a catcher must be an object"))?;
        let mut errs = Vec::new();
        check_fields(o, lang, &mut errs);
        if let Some(e) = errs.into_iter().next() {
            return Err(shape(e).in_field("Catch"));
        }
        Ok(Catcher {
            errors: error_equals(v)?,
            next: v
                .get("Next")
                .and_then(Value::as_str)
                .ok_or_else(|| shape("a catcher needs 'Next'"))?
                .to_string(),
            result_path: ResultPath::compile(v.get("ResultPath"))?,
            output: o
                .get("Output")
                .map(query::Template::compile)
                .transpose()
                .map_err(|e| e.in_field("Output"))?,
            assign: field(o, "Assign", lang)?,
        })
    }
}

/// `States.ALL` must stand alone and come last.
pub fn validate_order(retry: &[Retrier], catch: &[Catcher]) -> Result<(), DefinitionError> {
    let lists = retry
        .iter()
        .map(|r| &r.errors)
        .chain(catch.iter().map(|c| &c.errors));
    let n = retry.len();
    for (i, errs) in lists.enumerate() {
        let last = if i < n {
            i + 1 == n
        } else {
            i + 1 == n + catch.len()
        };
        if errs.iter().any(|e| e == names::ALL) && (errs.len() > 1 || !last) {
            return Err(shape(
                "States.ALL must appear alone in the last retrier or catcher",
            ));
        }
    }
    Ok(())
}

/// Whether an `ErrorEquals` list matches a failure. `States.Runtime` is never
/// caught; `States.ALL` matches every other error except
/// `States.DataLimitExceeded`; `States.TaskFailed` all but `States.Timeout`.
pub fn matches(errors: &[String], f: &Failure) -> bool {
    let name = f.name();
    if name == names::RUNTIME {
        return false;
    }
    errors.iter().any(|e| {
        e == name
            || (e == names::ALL && name != names::DATA_LIMIT_EXCEEDED)
            || (e == names::TASK_FAILED
                && !name.is_empty()
                && ![
                    names::TIMEOUT,
                    names::DATA_LIMIT_EXCEEDED,
                    names::HEARTBEAT_TIMEOUT,
                ]
                .contains(&name)
                && !name.starts_with(names::TOLERATED_FAILURE))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backoff_is_capped() {
        let r = Retrier::compile(
            &json!({"ErrorEquals": ["X"], "IntervalSeconds": 2, "MaxDelaySeconds": 5}),
        )
        .unwrap();
        assert_eq!(r.delay_seconds(0, 0.5), 2.0);
        assert_eq!(r.delay_seconds(1, 0.5), 4.0);
        assert_eq!(r.delay_seconds(2, 0.5), 5.0);
    }

    /// Each field over the classes of value: what the specification and the
    /// developer guide take loads, anything else is refused naming the field.
    #[test]
    fn retrier_literals_are_bounded() {
        let classes = [
            ("IntervalSeconds", json!(1), true),
            ("IntervalSeconds", json!(99_999_999), true),
            ("IntervalSeconds", json!(3.0), true),
            ("IntervalSeconds", json!(0), false),
            ("IntervalSeconds", json!(-1), false),
            ("IntervalSeconds", json!(1.5), false),
            ("IntervalSeconds", json!(100_000_000), false),
            ("IntervalSeconds", json!("1"), false),
            ("MaxAttempts", json!(0), true),
            ("MaxAttempts", json!(99_999_999), true),
            ("MaxAttempts", json!(-1), false),
            ("MaxAttempts", json!(2.5), false),
            ("MaxAttempts", json!(100_000_000), false),
            ("MaxAttempts", json!(null), false),
            ("MaxDelaySeconds", json!(1), true),
            ("MaxDelaySeconds", json!(31_622_400), true),
            ("MaxDelaySeconds", json!(31_622_401), false),
            ("MaxDelaySeconds", json!(0), false),
            ("MaxDelaySeconds", json!(0.5), false),
            ("BackoffRate", json!(1), true),
            ("BackoffRate", json!(1.5), true),
            ("BackoffRate", json!(0.99), false),
            ("BackoffRate", json!("2"), false),
        ];
        for (field, value, loads) in classes {
            let mut retrier = json!({"ErrorEquals": ["X"]});
            retrier[field] = value.clone();
            match Retrier::compile(&retrier) {
                Ok(_) => assert!(loads, "{field} = {value} loaded"),
                Err(e) => {
                    assert!(!loads, "{field} = {value} refused: {e}");
                    assert!(e.to_string().contains(field), "{e}");
                }
            }
        }
        let defaults = Retrier::compile(&json!({"ErrorEquals": ["X"]})).unwrap();
        assert_eq!(
            (
                defaults.interval_seconds,
                defaults.max_attempts,
                defaults.backoff_rate
            ),
            (1.0, 3, 2.0)
        );
    }

    #[test]
    fn runtime_is_never_caught() {
        assert!(!matches(&["States.ALL".into()], &Failure::runtime("x")));
        assert!(matches(
            &["States.ALL".into()],
            &Failure::new("Custom", "c")
        ));
        assert!(!matches(
            &["States.TaskFailed".into()],
            &Failure::new(names::TIMEOUT, "c")
        ));
    }
}
