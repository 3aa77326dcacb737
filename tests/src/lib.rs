//! Shared support for the cross-crate integration tests.
