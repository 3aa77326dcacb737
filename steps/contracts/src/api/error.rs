//! The one error body every route returns on a 4xx or 5xx.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Example;

/// `{"error": {...}}`: what the frontend shows and what a program branches on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorResponse {
    pub error: ApiError,
}

/// A machine-readable `code`, a sentence for people, and for input errors the
/// field (a JSON Pointer into the request body) and the rule it broke.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiError {
    /// Stable, SCREAMING_SNAKE_CASE; clients branch on it.
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The JSON Schema keyword (`required`, `format`, `minimum`, …) or the
    /// campaign rule that the field broke.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl ApiError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            field: None,
            rule: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, rule: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self.rule = Some(rule.into());
        self
    }
}

impl Example for ErrorResponse {
    fn example() -> Self {
        ErrorResponse {
            error: ApiError::new("VALIDATION_FAILED", "\"leaderEmail\" is not a \"email\"")
                .with_field("/leaderEmail", "format"),
        }
    }
}
