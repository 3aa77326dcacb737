//! Campaign rules: pure, deterministic, no I/O.
//!
//! Everything here is plain data in, plain data out: no clock, no randomness,
//! no network, no AWS or Stripe types. Handlers read the world (the time, the
//! records), call these rules, and store or send what they return. Types that
//! are also records or API bodies use the seed's field names.

pub mod campaign;
pub mod catalog;
pub mod cluster;
pub mod coupon;
pub mod email;
pub mod gst;
pub mod money;
pub mod retention;
pub mod scholarship;
pub mod stats;
pub mod team;
pub mod time_zone;
