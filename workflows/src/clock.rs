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
