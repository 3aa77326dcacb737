//! Optimistic read-modify-write: read, decide, and write under conditions on
//! what was read; when another writer got there first, read again. Every
//! loop that races other writers runs through [`until_written`], so all of
//! them give up after the same number of lost races, with the same error.

use std::future::Future;

use crate::port::{RecordStore, StoreError, Write};

/// Races lost in a row before giving up. Each lost race means another
/// writer succeeded, so the system as a whole makes progress; a caller
/// that gives up is answered "unavailable" and retries later.
pub const ATTEMPTS: usize = 16;

/// What one attempt decided, from what it read.
pub enum Attempt<T> {
    /// Nothing to write: the records already say it. The answer.
    Done(T),
    /// Write this batch; the answer once it is written.
    Write(Vec<Write>, T),
}

/// Reads with `read`, lets `decide` choose from what was read (answer at
/// once, or a batch conditioned on the read), and writes the batch, until
/// it is written or `decide` answers without writing. When a condition of
/// the batch fails, `lost(index)` says what that means: `None`, another
/// writer changed what was read (read again); `Some(error)`, a limit the
/// batch tested is reached (the answer).
///
/// Reading is async and deciding is not, so the read's future owns or
/// borrows only what outlives the call, and the whole stays `Send`.
pub async fn until_written<R, T, E, Read>(
    store: &dyn RecordStore,
    what: &str,
    read: impl Fn() -> Read,
    mut decide: impl FnMut(R) -> Result<Attempt<T>, E>,
    lost: impl Fn(usize) -> Option<E>,
) -> Result<T, E>
where
    Read: Future<Output = Result<R, StoreError>>,
    E: From<StoreError>,
{
    for _ in 0..ATTEMPTS {
        let (writes, answer) = match decide(read().await?)? {
            Attempt::Done(answer) => return Ok(answer),
            Attempt::Write(writes, answer) => (writes, answer),
        };
        match store.transact(&writes).await {
            Ok(()) => return Ok(answer),
            Err(StoreError::ConditionFailed { index }) => {
                if let Some(reached) = lost(index) {
                    return Err(reached);
                }
            }
            Err(other) => return Err(other.into()),
        }
    }
    Err(StoreError::Unavailable(format!("{what} kept changing under {ATTEMPTS} attempts")).into())
}

/// For batches whose every condition is on what was read: any failure is
/// a lost race.
pub fn always_retry<E>(_index: usize) -> Option<E> {
    None
}
