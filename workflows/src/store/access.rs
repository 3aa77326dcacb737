//! How the engine reaches its store without holding tokio's async workers,
//! and how it waits after a store error.
//!
//! A store whose calls block (SQLite: file I/O, fsync at checkpoints, a
//! lock held by another connection) gets one dedicated thread: async code
//! queues a call and awaits its answer, so an async worker never waits on
//! the disk. One thread because the connection serves one call at a time
//! anyway: thousands of executions queue in order on it instead of parking
//! a blocking-pool thread each on the connection's lock. The synchronous
//! operations (describe, list, schedules) call the store in place, after
//! telling a multi-threaded runtime that this worker blocks.

use super::{Store, StoreError};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

pub(crate) struct StoreAccess {
    store: Arc<dyn Store>,
    /// The dedicated thread's queue, for a store whose calls block.
    thread: Option<mpsc::Sender<Job>>,
}

impl StoreAccess {
    pub fn new(store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let mut thread = None;
        if store.blocks() {
            let (jobs, queue) = mpsc::channel::<Job>();
            std::thread::Builder::new()
                .name("workflows-store".into())
                .spawn(move || {
                    // Ends when the engine (the queue's sender) is gone. A
                    // call that panics answers an error; the thread goes on.
                    for job in queue {
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                    }
                })
                .map_err(|e| StoreError(format!("cannot start the store thread: {e}")))?;
            thread = Some(jobs);
        }
        Ok(StoreAccess { store, thread })
    }

    /// Runs `f` against the store off the async workers and awaits its
    /// answer. A call whose caller stopped waiting still completes, in
    /// order with the calls queued after it.
    pub async fn run<R, E, F>(&self, f: F) -> Result<R, E>
    where
        F: FnOnce(&dyn Store) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let Some(thread) = &self.thread else {
            return f(&*self.store);
        };
        let (answer, answered) = oneshot::channel();
        let store = self.store.clone();
        let job: Job = Box::new(move || {
            let _ = answer.send(f(&*store));
        });
        let stopped = || StoreError("the store thread stopped during the call".into()).into();
        if thread.send(job).is_err() {
            return Err(stopped());
        }
        answered.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Runs `f` against the store from a synchronous operation.
    pub fn run_sync<R, E>(&self, f: impl FnOnce(&dyn Store) -> Result<R, E>) -> Result<R, E> {
        if self.thread.is_none() {
            return f(&*self.store);
        }
        match Handle::try_current() {
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(|| f(&*self.store))
            }
            _ => f(&*self.store),
        }
    }
}

/// The pause before trying again after a store error, in real time (a
/// disk fills and empties, a lock is released, whatever an engine clock
/// says): 50 ms, doubling up to 10 s.
pub(crate) struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(Duration::from_millis(50))
    }
}

impl Backoff {
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.0).await;
        self.0 = (self.0 * 2).min(Duration::from_secs(10));
    }

    /// How long the next wait lasts.
    pub fn next(&self) -> Duration {
        self.0
    }
}
