//! The thread that owns the SQLite connection. Calls are sent to it and
//! awaited, so SQLite's blocking work — disk I/O, waiting out another
//! process's lock for up to the busy timeout — never holds one of the async
//! runtime's few worker threads, and the one connection keeps the calls in
//! order without a lock.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::port::StoreError;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

pub(super) struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    /// Moves `connection` to a thread of its own, which ends when the
    /// worker is dropped (after the calls already sent).
    pub(super) fn start(connection: Connection) -> Result<Worker, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("records-sqlite".into())
            .spawn(move || {
                let mut connection = connection;
                for job in queue {
                    // A call that panics drops its reply (its caller gets an
                    // error) and rolls its transaction back as it unwinds;
                    // the calls after it still run.
                    let _ = panic::catch_unwind(AssertUnwindSafe(|| job(&mut connection)));
                }
            })
            .map_err(|err| StoreError::Unavailable(format!("records thread: {err}")))?;
        Ok(Worker { jobs })
    }

    /// Runs `work` on the connection's thread and waits for its answer
    /// without blocking the caller's thread.
    pub(super) async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Box::new(move |connection| {
                // The caller may have stopped waiting; the work is done anyway.
                let _ = reply.send(work(connection));
            }))
            .map_err(|_| lost())?;
        answer.await.map_err(|_| lost())?
    }
}

fn lost() -> StoreError {
    StoreError::Unavailable("the records thread did not answer".into())
}
