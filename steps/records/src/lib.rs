//! The records port: where journeys keep their state.
//!
//! The port is deliberately small — get, query an index, scan a table (for an
//! operator's rare search), and an all-or-nothing
//! batch of conditional writes — because that is what DynamoDB and SQLite can
//! both do atomically. Every limit (coupon uses, exam seats, one event id once)
//! is one such batch, so it holds however many requests race for it.
//!
//! - [`clock`]: the time the adapters judge an item's `ttl` by;
//! - [`table`]: the tables, their keys and indexes (the seed's, plus ours);
//! - [`port`]: the [`RecordStore`] trait and its write and error types;
//! - [`typed`]: [`Records`], typed access over any store, with optimistic updates;
//! - [`optimistic`]: the one read-modify-write loop every racing writer runs;
//! - [`retention`]: how long each record of personal data is kept (its `ttl`);
//! - `sqlite` (feature `sqlite`): the embedded adapter.

pub mod clock;
pub mod optimistic;
pub mod port;
pub mod retention;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod table;
pub mod typed;

#[cfg(feature = "contract-suite")]
pub mod contract;

pub use clock::{Clock, SystemClock};
pub use port::{Condition, Item, Position, RecordStore, StoreError, Write};
pub use table::{IndexDef, Table, TableDef};
pub use typed::{Page, Record, Records, Versioned};
