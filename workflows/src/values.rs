//! Small helpers on JSON values shared by paths, intrinsics and Choice rules.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// JSON equality where numbers compare by value (1 == 1.0).
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// How Step Functions (a Java service) prints a value inside a string:
/// strings bare, objects as `{k=v, …}`, arrays as `[a, b]`.
pub fn java_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(java_string).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(o) => format!(
            "{{{}}}",
            o.iter()
                .map(|(k, v)| format!("{k}={}", java_string(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => other.to_string(),
    }
}

/// A value as it appears inside an error message: strings bare, else JSON.
pub fn message_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// ISO-8601 extended offset date-time (RFC 3339), as Wait and Choice accept.
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    // The States Language's profile of RFC 3339: an uppercase 'T' between date
    // and time, an uppercase 'Z' for UTC; chrono also takes a space and
    // lowercase letters.
    if !s.contains('T') || s.contains(['t', 'z']) {
        return None;
    }
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Timestamps as Step Functions prints them in the context object.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Size limit of any state's input or output (256 KiB).
pub const MAX_PAYLOAD_BYTES: usize = 256 * 1024;

pub fn payload_size(v: &Value) -> usize {
    serde_json::to_vec(v).map(|b| b.len()).unwrap_or(usize::MAX)
}
