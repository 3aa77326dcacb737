//! Typed reads of a parsed form, with Stripe's errors for missing, unknown and
//! malformed parameters.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::ApiError;

/// A request's parameters.
#[derive(Debug, Clone)]
pub struct Params(pub Value);

impl Params {
    /// Rejects any top-level parameter not in `known` (plus `expand`, which is ignored).
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        match &self.0 {
            Value::Object(map) => match map
                .keys()
                .find(|k| *k != "expand" && !known.contains(&k.as_str()))
            {
                Some(unknown) => Err(ApiError::unknown(unknown)),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// Whether anything is given at `path`.
    pub fn has(&self, path: &[&str]) -> bool {
        self.get(path).is_some()
    }

    fn get(&self, path: &[&str]) -> Option<&Value> {
        path.iter().try_fold(&self.0, |node, key| match node {
            Value::Object(map) => map.get(*key),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        })
    }

    /// An optional string at `path` (e.g. `["line_items", "0", "quantity"]`).
    pub fn str(&self, path: &[&str]) -> Option<&str> {
        self.get(path).and_then(Value::as_str)
    }

    /// A required string.
    pub fn required_str(&self, path: &[&str]) -> Result<&str, ApiError> {
        self.str(path).ok_or_else(|| ApiError::missing(&name(path)))
    }

    /// An optional integer.
    pub fn int(&self, path: &[&str]) -> Result<Option<i64>, ApiError> {
        self.str(path)
            .map(|s| {
                s.parse::<i64>().map_err(|_| {
                    ApiError::param(
                        "parameter_invalid_integer",
                        &name(path),
                        format!("Invalid integer: {s}"),
                    )
                })
            })
            .transpose()
    }

    /// A string map such as `metadata`.
    pub fn map(&self, path: &[&str]) -> BTreeMap<String, String> {
        match self.get(path) {
            Some(Value::Object(map)) => map
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect(),
            _ => BTreeMap::new(),
        }
    }

    /// A string list such as `enabled_events[]`.
    pub fn list(&self, path: &[&str]) -> Vec<String> {
        match self.get(path) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(one)) => vec![one.clone()],
            _ => Vec::new(),
        }
    }
}

/// `["a", "0", "b"]` → `a[0][b]`, as Stripe names parameters in errors.
pub fn name(path: &[&str]) -> String {
    let (first, rest) = path.split_first().expect("paths are never empty");
    rest.iter()
        .fold((*first).to_owned(), |acc, part| format!("{acc}[{part}]"))
}
