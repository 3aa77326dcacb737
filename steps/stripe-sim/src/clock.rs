//! Time as the simulator sees it, so tests can make a session expire without waiting.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of unix seconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in unix seconds.
    fn now(&self) -> i64;
    /// Moves time forward by `seconds`; `false` when this clock cannot be moved.
    fn advance(&self, seconds: i64) -> bool {
        let _ = seconds;
        false
    }
}

/// Real time plus an offset that only grows.
#[derive(Debug, Default)]
pub struct VirtualClock {
    offset: AtomicI64,
}

impl VirtualClock {
    /// Starts at real time.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        real + self.offset.load(Ordering::SeqCst)
    }

    fn advance(&self, seconds: i64) -> bool {
        self.offset.fetch_add(seconds.max(0), Ordering::SeqCst);
        true
    }
}
