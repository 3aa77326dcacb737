//! The application: API handlers and journey steps, over the ports.
//!
//! Nothing here knows which adapters it runs on: the same [`App`] serves
//! behind Lambda entry points on AWS and behind the local server, with the
//! embedded engine calling the same step functions that Step Functions
//! invokes in production.
//!
//! - [`context`]: [`App`], the ports and settings every handler gets;
//! - [`http`]: a framework-neutral request and response, and the dispatcher
//!   from an operation id of the route table to its handler;
//! - [`api`]: one module per campaign's routes, plus the webhook;
//! - [`steps`]: the journeys' Task handlers, by Lambda function name;
//! - [`payment_wait`]: the rendezvous of a waiting journey and Stripe's webhook;
//! - [`payment_check`]: whether a payment is the one its record asked for;
//! - [`metrics`]: the business metrics, as CloudWatch EMF lines on stdout;
//! - [`wiring`]: the ports each handler declares, and the stand-in for the rest.

pub mod access;
pub mod api;
pub mod checkout;
pub mod clock;
pub mod context;
pub mod coupon_uses;
pub mod disputes;
pub mod exam_seats;
pub mod exam_statistics;
pub mod failure;
#[cfg(feature = "faults")]
pub mod faults;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod journey_starts;
pub mod metrics;
pub mod notify;
pub mod payment_check;
pub mod payment_wait;
pub mod privacy;
pub mod refunds;
pub mod settings;
pub mod steps;
pub mod tokens;
pub mod wiring;

pub use context::App;
pub use failure::ApiFailure;
pub use http::{ApiRequest, ApiResponse};
pub use settings::Settings;

/// Every file under `schemas/`, by path relative to it, with its content: the
/// contracts' (API bodies, records, the OpenAPI document) and the steps'
/// inputs and outputs.
pub fn schema_files() -> std::collections::BTreeMap<String, String> {
    let mut files = campaigns_contracts::export::files();
    files.extend(steps::schema_files());
    files
}
