//! Typed contracts: the shapes that cross a process boundary.
//!
//! - [`records`]: the nine DynamoDB records of the seed, with its field names;
//! - [`events`]: the access events published to the main platform;
//! - [`api`]: every HTTP request and response body, and the error body;
//! - [`routes`]: the route table (method, path, access, bodies) that the
//!   OpenAPI document, the servers and the infrastructure checks all read;
//! - [`validation`]: request parsing that checks a body against the JSON
//!   Schema derived from its type before deserializing it, with the
//!   validator of [`json_schema`];
//! - [`openapi`] and [`export`]: the generated documents under `schemas/`.
//!
//! Types here are plain data. Rules live in `campaigns-core`; adapters own
//! the DTOs of the systems they talk to (Stripe, AWS).

pub mod api;
pub mod events;
pub mod example;
pub mod export;
pub mod json_schema;
pub mod openapi;
pub mod records;
pub mod routes;
pub mod validation;

pub use example::Example;
