//! Field types shared by many requests, each carrying its validation rule.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An email address (RFC 5321 length, `format: email`). Compared in
/// lower case, since limits per buyer must not be dodged by capitals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Email(#[schemars(email, length(min = 3, max = 254))] pub String);

impl Email {
    /// Trimmed and lower-cased: the form stored and compared.
    pub fn normalized(&self) -> String {
        self.0.trim().to_lowercase()
    }
}

impl From<&str> for Email {
    fn from(value: &str) -> Self {
        Email(value.to_owned())
    }
}

/// A first, last or full name as a person types it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct PersonName(#[schemars(length(min = 1, max = 100), regex(pattern = r"\S"))] pub String);

impl From<&str> for PersonName {
    fn from(value: &str) -> Self {
        PersonName(value.to_owned())
    }
}
