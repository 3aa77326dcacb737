//! The records contract against the SQLite adapter, plus what only a file
//! store can show: records survive reopening, and a call that waits on the
//! file's lock leaves the async runtime free.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use campaigns_contracts::Example;
use campaigns_contracts::records::{Team, TeamStatus};
use campaigns_records::contract::SuiteClock;
use campaigns_records::sqlite::SqliteStore;
use campaigns_records::typed::UpdateError;
use campaigns_records::{RecordStore, Records, SystemClock, contract};

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path, Arc::new(SystemClock)).expect("opens")
}

fn in_memory() -> SqliteStore {
    SqliteStore::in_memory(Arc::new(SystemClock)).expect("opens")
}

#[tokio::test]
async fn the_sqlite_store_keeps_the_contract() {
    let clock = Arc::new(SuiteClock::default());
    let store = SqliteStore::in_memory(clock.clone()).expect("opens");
    contract::run(&store, &clock, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_store_serializes_racing_writers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn RecordStore> = Arc::new(open(&dir.path().join("records.db")));
    contract::run_races(store, "sqlite").await;
}

/// On a runtime with one thread, a write waits for another connection's
/// lock while a timer task keeps ticking: the wait happens on the store's
/// own thread, not on the runtime's.
#[tokio::test(flavor = "current_thread")]
async fn a_call_waiting_for_the_file_lock_leaves_the_runtime_free() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("records.db");
    let records = Records::new(Arc::new(open(&path)));
    let (locked, lock_taken) = std::sync::mpsc::channel();
    let holder = {
        let path = path.clone();
        std::thread::spawn(move || {
            let other = rusqlite::Connection::open(path).expect("a second connection");
            other.execute_batch("BEGIN IMMEDIATE").expect("lock");
            locked.send(()).expect("signal");
            std::thread::sleep(Duration::from_secs(1));
            other.execute_batch("COMMIT").expect("unlock");
        })
    };
    lock_taken.recv().expect("the lock is held");

    let ticker = tokio::spawn(async {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Instant::now()
    });
    records.insert(&Team::example()).await.expect("insert");
    let written = Instant::now();
    let ticked = ticker.await.expect("ticker");
    holder.join().expect("lock holder");
    assert!(
        ticked < written,
        "the timer ran while the write waited for the lock"
    );
}

#[tokio::test]
async fn records_survive_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("records.db");
    let team = Team::example();
    {
        let records = Records::new(Arc::new(open(&path)));
        records.insert(&team).await.expect("insert");
    }
    let records = Records::new(Arc::new(open(&path)));
    let found = records
        .get::<Team>(&team.team_id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!((found.record, found.version), (team, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn optimistic_updates_lose_no_change_under_contention() {
    let records = Records::new(Arc::new(in_memory()));
    let mut team = Team::example();
    team.total_members = 0;
    records.insert(&team).await.expect("insert");
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let records = records.clone();
            let key = team.team_id.clone();
            tokio::spawn(async move {
                records
                    .update::<Team, ()>(&key, |team| {
                        team.total_members += 1;
                        Ok(())
                    })
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task").expect("update");
    }
    let found = records
        .get::<Team>(&team.team_id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        found.record.total_members, 16,
        "every increment landed once"
    );
    assert_eq!(found.version, 17);
}

#[tokio::test]
async fn a_refused_change_writes_nothing() {
    let records = Records::new(Arc::new(in_memory()));
    let team = Team::example();
    records.insert(&team).await.expect("insert");
    let refused = records
        .update::<Team, &str>(&team.team_id, |team| {
            if team.status == TeamStatus::FullyPaid {
                return Err("already paid");
            }
            team.status = TeamStatus::Expired;
            Ok(())
        })
        .await;
    assert_eq!(refused, Err(UpdateError::Rejected("already paid")));
    let found = records
        .get::<Team>(&team.team_id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (found.record.status, found.version),
        (TeamStatus::FullyPaid, 1)
    );
    let missing = records.update::<Team, ()>("team_missing", |_| Ok(())).await;
    assert_eq!(missing, Err(UpdateError::NotFound));
}
