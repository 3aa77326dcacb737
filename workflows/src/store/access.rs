//! How the engine reaches its store without holding tokio's async workers,
//! and how it waits after a store error.
//!
//! A store whose calls block (SQLite: file I/O, fsync at checkpoints, a
//! lock held by another connection) gets one dedicated thread: async code
//! queues a call and awaits its answer, so an async worker never waits on
//! the disk. One thread because the connection serves one call at a time
//! anyway: thousands of executions queue in order on it instead of parking
//! a blocking-pool thread each on the connection's lock. The thread makes
//! the calls queued at one moment in one transaction (group commit, see
//! [`Store::begin_group`]) and answers them after its commit: a burst of
//! small writes costs one commit, and no caller hears of a write a kill
//! could still undo. The synchronous operations (describe, list,
//! schedules) call the store in place, between two groups, after telling a
//! multi-threaded runtime that this worker blocks.

use super::{Store, StoreError};
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::oneshot;

/// Sends a call's answer once its group is committed (or, given the
/// group's error, that error instead).
type Answer = Box<dyn FnOnce(Option<&StoreError>) + Send>;
/// A queued call: made on the store (or told why it cannot be), it says
/// whether it succeeded and hands back its answer, still unsent.
type Job = Box<dyn FnOnce(Result<&dyn Store, StoreError>) -> (bool, Answer) + Send>;

/// The most calls one transaction holds.
const GROUP: usize = 512;

pub(crate) struct StoreAccess {
    store: Arc<dyn Store>,
    /// The dedicated thread's queue, for a store whose calls block.
    thread: Option<mpsc::Sender<Job>>,
    /// Held by the thread for a group and by a synchronous operation for
    /// its calls, so that the latter never run inside a group's
    /// transaction (seeing, or adding to, writes not yet committed).
    turn: Arc<Mutex<()>>,
}

impl StoreAccess {
    pub fn new(store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let turn = Arc::new(Mutex::new(()));
        let mut thread = None;
        if store.blocks() {
            let (jobs, queue) = mpsc::channel::<Job>();
            let (store, turn) = (store.clone(), turn.clone());
            std::thread::Builder::new()
                .name("workflows-store".into())
                .spawn(move || {
                    // Ends when the engine (the queue's sender) is gone.
                    for first in &queue {
                        let group: Vec<Job> = std::iter::once(first)
                            .chain(queue.try_iter().take(GROUP - 1))
                            .collect();
                        let _turn = turn.lock().unwrap_or_else(PoisonError::into_inner);
                        run_group(&*store, group);
                    }
                })
                .map_err(|e| StoreError(format!("cannot start the store thread: {e}")))?;
            thread = Some(jobs);
        }
        Ok(StoreAccess {
            store,
            thread,
            turn,
        })
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
        let job: Job = Box::new(move |store| {
            let result = store.map_err(E::from).and_then(f);
            let ok = result.is_ok();
            let send: Answer = Box::new(move |group_failed| {
                let _ = answer.send(match group_failed {
                    Some(e) => Err(e.clone().into()),
                    None => result,
                });
            });
            (ok, send)
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
        let call = || {
            let _turn = self.turn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&*self.store)
        };
        match Handle::try_current() {
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(call)
            }
            _ => call(),
        }
    }
}

/// Makes `jobs` in one transaction and answers them after its commit. A
/// call that fails or panics is undone alone; when the transaction cannot
/// be opened each call is told why, and when it cannot be committed every
/// call is answered with that error (none of them is on disk).
fn run_group(store: &dyn Store, jobs: Vec<Job>) {
    if let Err(e) = store.begin_group() {
        for job in jobs {
            job(Err(e.clone())).1(None);
        }
        return;
    }
    let mut answers = Vec::with_capacity(jobs.len());
    let mut failed = None;
    for job in jobs {
        if let Err(e) = store.begin_call() {
            answers.push(job(Err(e)).1);
            continue;
        }
        // A call that panics answers an error (its sender is dropped).
        let keep = match std::panic::catch_unwind(AssertUnwindSafe(|| job(Ok(store)))) {
            Ok((ok, answer)) => {
                answers.push(answer);
                ok
            }
            Err(_) => false,
        };
        if let Err(e) = store.end_call(keep) {
            failed.get_or_insert(e);
        }
    }
    let outcome = match failed {
        None => store.end_group(true),
        Some(e) => store.end_group(false).and(Err(e)),
    };
    for answer in answers {
        answer(outcome.as_ref().err());
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
