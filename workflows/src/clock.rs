//! Time, replaceable: the system clock in production, a virtual clock in
//! tests (time moves only when the test advances it, which fires every
//! timer that falls due: Wait states, timeouts, retry back-off).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;

/// The latest instant the engine waits until: the last whole second that
/// RFC 3339, with its four-digit years, can write (9999-12-31T23:59:59Z),
/// so that every date the engine records can be printed and read back.
pub fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_300_799, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `t` plus `secs` seconds (to the millisecond), never past [`latest`]: a
/// wait, timeout or back-off too long to represent ends there instead of
/// overflowing.
pub fn after(t: DateTime<Utc>, secs: f64) -> DateTime<Utc> {
    // `as` saturates: an enormous or infinite delay is i64::MAX ms.
    let ms = (secs * 1000.0) as i64;
    chrono::TimeDelta::try_milliseconds(ms)
        .and_then(|d| t.checked_add_signed(d))
        .map_or_else(latest, |end| end.min(latest()))
}

pub type Sleep = Pin<Box<dyn Future<Output = ()> + Send>>;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    /// Completes once `now() >= at`.
    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep;
}

/// Wall-clock time, timers on tokio's timer.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep {
        let d = (at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        Box::pin(tokio::time::sleep(d))
    }
}

/// A clock whose time moves only through [`VirtualClock::advance`] (or
/// [`VirtualClock::advance_to_next_timer`]).
#[derive(Debug)]
pub struct VirtualClock {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    now: DateTime<Utc>,
    seq: u64,
    timers: BTreeMap<(DateTime<Utc>, u64), oneshot::Sender<()>>,
}

impl VirtualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        VirtualClock {
            inner: Mutex::new(Inner {
                now: start,
                seq: 0,
                timers: BTreeMap::new(),
            }),
        }
    }

    /// Moves time forward and fires every timer now due.
    pub fn advance(&self, by: Duration) {
        let mut g = self.inner.lock().expect("clock lock");
        let to = g.now + chrono::Duration::from_std(by).expect("duration in range");
        Self::fire(&mut g, to);
    }

    /// Jumps to the earliest pending timer and fires it; false when none.
    pub fn advance_to_next_timer(&self) -> bool {
        let mut g = self.inner.lock().expect("clock lock");
        g.timers.retain(|_, tx| !tx.is_closed());
        match g.timers.keys().next().map(|k| k.0) {
            Some(at) => {
                let to = at.max(g.now);
                Self::fire(&mut g, to);
                true
            }
            None => false,
        }
    }

    /// Timers still waiting (ignoring those whose sleeper has gone).
    pub fn pending_timers(&self) -> usize {
        let g = self.inner.lock().expect("clock lock");
        g.timers.values().filter(|tx| !tx.is_closed()).count()
    }

    fn fire(g: &mut Inner, to: DateTime<Utc>) {
        g.now = to;
        let later = g.timers.split_off(&(to, u64::MAX));
        for (_, tx) in std::mem::replace(&mut g.timers, later) {
            let _ = tx.send(());
        }
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> DateTime<Utc> {
        self.inner.lock().expect("clock lock").now
    }
    fn sleep_until(&self, at: DateTime<Utc>) -> Sleep {
        let mut g = self.inner.lock().expect("clock lock");
        if at <= g.now {
            return Box::pin(std::future::ready(()));
        }
        let (tx, rx) = oneshot::channel();
        g.seq += 1;
        let seq = g.seq;
        g.timers.insert((at, seq), tx);
        Box::pin(async move {
            let _ = rx.await;
        })
    }
}
