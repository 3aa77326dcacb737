//! The embedded default: the whole product on one machine, with no account.
//!
//! [`Embedded`] wires the application to the embedded adapters — the ASL
//! engine running the journeys' definitions, SQLite records, the Stripe
//! simulator, the outbox folder, a local upload folder, the access events'
//! folder and their optional signed POSTs — and [`router`]
//! serves it over HTTP as API Gateway would. `campaigns serve` and the
//! end-to-end tests both start it.

pub mod access_events;
pub mod client;
pub mod console;
pub mod definitions;
pub mod demo;
pub mod embedded;
pub mod engine_ports;
pub mod files;
pub mod frontend;
mod refusals;
pub mod router;
pub mod sfn_api;
pub mod time;

pub use embedded::{Embedded, Options};
