//! The simulator's state in a SQLite file: each operation's changes in one
//! transaction, read back whole at start.
//!
//! One file, WAL journal, `synchronous=NORMAL`: a killed process loses no
//! committed transaction, and a transaction is all or nothing.
//!
//! | table | key | holds |
//! |---|---|---|
//! | `objects` | (kind, id) | sessions, PaymentIntents, charges, refunds, disputes, idempotency keys, deliveries not yet acknowledged (JSON) |
//! | `events` | position | every event, in order (JSON) |
//! | `whole` | name | the webhook endpoints and the catalog, each saved whole (JSON) |

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use rusqlite::{Connection, params};
use serde::de::DeserializeOwned;

use crate::catalog::Catalog;
use crate::sim::Saver;
use crate::store::{Changes, Store, kind};

/// The layout this code writes (`PRAGMA user_version`).
const VERSION: i64 = 1;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS objects (
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS events (
        position INTEGER PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS whole (
        name TEXT PRIMARY KEY,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
";

#[derive(Debug)]
pub struct SqliteSaver {
    connection: Connection,
    path: PathBuf,
}

impl SqliteSaver {
    /// Opens (or creates) the file and reads the state it holds.
    pub fn open(path: &Path) -> anyhow::Result<(SqliteSaver, Store)> {
        let what = || format!("the Stripe simulator's state in {}", path.display());
        let connection = Connection::open(path).with_context(what)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
            )
            .with_context(what)?;
        let version: i64 = connection
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .with_context(what)?;
        match version {
            0 => connection
                .execute_batch(&format!(
                    "BEGIN; {SCHEMA} PRAGMA user_version = {VERSION}; COMMIT;"
                ))
                .with_context(what)?,
            VERSION => {}
            other => bail!(
                "{}: layout version {other}, this build reads version {VERSION}",
                what()
            ),
        }
        let store = load(&connection).with_context(what)?;
        Ok((
            SqliteSaver {
                connection,
                path: path.to_owned(),
            },
            store,
        ))
    }
}

fn load(connection: &Connection) -> anyhow::Result<Store> {
    let mut sessions = Vec::new();
    let mut intents = Vec::new();
    let mut charges = Vec::new();
    let mut refunds = Vec::new();
    let mut disputes = Vec::new();
    let mut idempotency = Vec::new();
    let mut deliveries = Vec::new();
    let mut rows = connection.prepare("SELECT kind, id, body FROM objects")?;
    let mut rows = rows.query([])?;
    while let Some(row) = rows.next()? {
        let (kind, id, body): (String, String, String) = (row.get(0)?, row.get(1)?, row.get(2)?);
        let context = || format!("{kind} {id}");
        match kind.as_str() {
            kind::SESSION => sessions.push(parse(&body).with_context(context)?),
            kind::INTENT => intents.push(parse(&body).with_context(context)?),
            kind::CHARGE => charges.push(parse(&body).with_context(context)?),
            kind::REFUND => refunds.push(parse(&body).with_context(context)?),
            kind::DISPUTE => disputes.push(parse(&body).with_context(context)?),
            kind::IDEMPOTENCY => {
                idempotency.push((id.clone(), parse(&body).with_context(context)?));
            }
            kind::DELIVERY => deliveries.push(parse(&body).with_context(context)?),
            other => bail!("an object of unknown kind {other:?}"),
        }
    }
    let mut events = Vec::new();
    let mut rows = connection.prepare("SELECT position, body FROM events ORDER BY position")?;
    let mut rows = rows.query([])?;
    while let Some(row) = rows.next()? {
        let (position, body): (i64, String) = (row.get(0)?, row.get(1)?);
        events.push(parse(&body).with_context(|| format!("event {position}"))?);
    }
    let whole = |name: &str| -> anyhow::Result<Option<String>> {
        let mut statement = connection.prepare("SELECT body FROM whole WHERE name = ?1")?;
        let mut rows = statement.query([name])?;
        Ok(match rows.next()? {
            Some(row) => Some(row.get(0)?),
            None => None,
        })
    };
    let endpoints = match whole(kind::ENDPOINTS)? {
        Some(body) => parse(&body).context("the webhook endpoints")?,
        None => Vec::new(),
    };
    let catalog: Catalog = match whole(kind::CATALOG)? {
        Some(body) => parse(&body).context("the catalog")?,
        None => Catalog::default(),
    };
    Ok(Store::loaded(
        sessions,
        intents,
        charges,
        refunds,
        disputes,
        idempotency,
        deliveries,
        events,
        endpoints,
        catalog,
    ))
}

fn parse<T: DeserializeOwned>(body: &str) -> anyhow::Result<T> {
    Ok(serde_json::from_str(body)?)
}

impl Saver for SqliteSaver {
    fn save(&mut self, changes: &Changes) -> anyhow::Result<()> {
        let path = self.path.display().to_string();
        let transaction = self.connection.transaction().context(path.clone())?;
        {
            let mut put = transaction.prepare_cached(
                "INSERT INTO objects (kind, id, body) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body",
            )?;
            let mut delete =
                transaction.prepare_cached("DELETE FROM objects WHERE kind = ?1 AND id = ?2")?;
            for (kind, id, body) in &changes.objects {
                match body {
                    Some(body) => put.execute(params![kind, id, body])?,
                    None => delete.execute(params![kind, id])?,
                };
            }
            let mut event = transaction.prepare_cached(
                "INSERT INTO events (position, body) VALUES (?1, ?2)
                 ON CONFLICT (position) DO UPDATE SET body = excluded.body",
            )?;
            for (position, body) in &changes.events {
                event.execute(params![i64::try_from(*position)?, body])?;
            }
            let mut whole = transaction.prepare_cached(
                "INSERT INTO whole (name, body) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body",
            )?;
            for (name, body) in &changes.whole {
                whole.execute(params![name, body])?;
            }
        }
        transaction.commit().context(path)?;
        Ok(())
    }
}
