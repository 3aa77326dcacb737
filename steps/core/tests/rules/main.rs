//! The campaign rules, tested through the crate's public API: every threshold
//! from both sides, and property tests for the invariants.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod catalog;
mod cluster;
mod coupon;
mod email;
mod gst;
mod money;
mod retention;
mod schemas;
mod scholarship;
mod stats;
mod team;
mod time_zone;
