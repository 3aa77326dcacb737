//! Realistic example values, published in the OpenAPI document.
//!
//! Every request example must pass the API's own validation and every
//! response example must match its schema; `tests/` checks both, so the
//! documentation cannot drift from what the API accepts and returns.

/// A realistic instance of a contract type.
pub trait Example: Sized {
    fn example() -> Self;
}
