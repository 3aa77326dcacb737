//! The time handlers see: the system's on AWS, the engine's (virtual in
//! tests) on one machine. It is the records port's clock: the adapters read
//! the same time to tell whether an item's `ttl` has passed.

pub use campaigns_records::clock::{Clock, SystemClock};
