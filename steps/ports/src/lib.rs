//! The smaller ports: files, schedules, workflow control and access events.
//!
//! Records, payments and mail have crates of their own (their adapters are
//! larger); these four are a trait and a few types each. Production adapters
//! are in the AWS adapters crate; embedded ones beside the local server.

pub mod access;
pub mod files;
pub mod schedules;
pub mod workflows;
