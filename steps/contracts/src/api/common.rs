//! Field types shared by many requests, each carrying its validation rule.

use campaigns_core::email;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// An email address: an addr-spec only (`local@domain`), at most 254
/// characters. No display name, angle brackets, comment, quoted local part or
/// IP-address domain, and no whitespace or control character (CR, LF) inside;
/// spaces around it are trimmed. Stored with the domain in lower case; limits
/// per person count case and `+tag` variants of one address as one person.
// The rules are `email::ADDR_SPEC_PATTERN` and `email::LOCAL_PART_PATTERN`
// (the second in an `allOf`, since a schema has one `pattern`), so a refusal
// names the field and `pattern`. No `format: email`: its meaning differs between validators (the
// one the API used let `Name <a@example.com>` through).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Email(
    #[schemars(
        length(max = email::MAX_LENGTH),
        pattern(email::ADDR_SPEC_PATTERN),
        extend("allOf" = [{"pattern": email::LOCAL_PART_PATTERN}])
    )]
    pub String,
);

impl Email {
    /// The form stored and mailed: trimmed, domain in lower case. Limits
    /// per person count under [`email::canonical_key`] of it.
    pub fn normalized(&self) -> String {
        email::normalize(&self.0)
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
