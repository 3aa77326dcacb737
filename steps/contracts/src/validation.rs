//! Request parsing: JSON syntax, then the type's JSON Schema, then serde.
//!
//! The schema is derived from the Rust type with schemars, so the rules a
//! client reads in `schemas/` and the rules the API enforces are one and the
//! same (API Gateway validates against the same files in production). A
//! failure names the field (JSON Pointer) and the rule (schema keyword); a
//! missing or unexpected property is named itself (`/id`), not its object.
//! The validator is [`crate::json_schema`], ours, for the binary's size.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::ApiError;
use crate::json_schema::Validator;

/// Parses and validates a request body of type `T`.
pub fn parse_body<T>(body: &[u8]) -> Result<T, ApiError>
where
    T: DeserializeOwned + JsonSchema + 'static,
{
    let value: Value = serde_json::from_slice(body).map_err(|err| {
        ApiError::new(
            "INVALID_JSON",
            format!("the request body is not valid JSON: {err}"),
        )
    })?;
    parse_value(value)
}

/// Validates an already-parsed JSON value and converts it to `T`.
pub fn parse_value<T>(value: Value) -> Result<T, ApiError>
where
    T: DeserializeOwned + JsonSchema + 'static,
{
    let validator = validator_for::<T>();
    if let Err(err) = validator.validate(&value) {
        let field = err.field();
        let shown = if field.is_empty() { "the body" } else { &field };
        let message = format!("{shown}: {err}");
        return Err(ApiError::new("VALIDATION_FAILED", message).with_field(field, err.keyword));
    }
    // The schema accepted it, so a serde error here means the schema is
    // weaker than the type (e.g. cent precision); report it the same way.
    serde_json::from_value(value)
        .map_err(|err| ApiError::new("VALIDATION_FAILED", err.to_string()).with_field("", "type"))
}

/// The schema that requests of type `T` are validated against.
pub fn schema_of<T: JsonSchema>() -> Value {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.to_value()
}

/// Compiled validators, one per type, built on first use.
fn validator_for<T: JsonSchema + 'static>() -> Arc<Validator> {
    static CACHE: OnceLock<RwLock<HashMap<TypeId, Arc<Validator>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = TypeId::of::<T>();
    if let Some(found) = cache.read().expect("validator cache poisoned").get(&key) {
        return found.clone();
    }
    let compiled = Arc::new(
        Validator::new(&schema_of::<T>()).expect("schemas derived from our types compile"),
    );
    cache
        .write()
        .expect("validator cache poisoned")
        .entry(key)
        .or_insert(compiled)
        .clone()
}
