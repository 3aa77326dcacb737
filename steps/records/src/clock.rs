//! The time a process runs on: the system's on AWS, the engine's (virtual in
//! tests) on one machine. Handlers read it through `App::now`; the records
//! adapters read the same clock, because an item whose `ttl` has passed by
//! it reads as absent.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
