//! One time source for everything on one machine: the engine's clock, which
//! tests replace with a virtual one that they advance (days in
//! milliseconds). The application and the Stripe simulator read it too, so
//! a session expires when the journey's deadline says it does.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use workflows::{Clock, VirtualClock};

#[derive(Clone)]
pub enum Time {
    System,
    Virtual(Arc<VirtualClock>),
}

impl Time {
    pub fn engine_clock(&self) -> Arc<dyn Clock> {
        match self {
            Time::System => Arc::new(workflows::SystemClock),
            Time::Virtual(clock) => clock.clone(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Time::System => Utc::now(),
            Time::Virtual(clock) => clock.now(),
        }
    }

    /// Moves a virtual clock forward (and fires what falls due); `false` for
    /// the system clock.
    pub fn advance(&self, by: Duration) -> bool {
        match self {
            Time::System => false,
            Time::Virtual(clock) => {
                clock.advance(by);
                true
            }
        }
    }
}

impl campaigns_app::clock::Clock for Time {
    fn now(&self) -> DateTime<Utc> {
        Time::now(self)
    }
}

impl std::fmt::Debug for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Time::System => "Time::System",
            Time::Virtual(_) => "Time::Virtual",
        })
    }
}

impl stripe_sim::Clock for Time {
    fn now(&self) -> i64 {
        Time::now(self).timestamp()
    }

    fn advance(&self, seconds: i64) -> bool {
        Time::advance(self, Duration::from_secs(seconds.max(0) as u64))
    }
}
