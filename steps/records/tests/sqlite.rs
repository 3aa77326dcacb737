//! The records contract against the SQLite adapter, plus what only a file
//! store can show: records survive reopening.

use std::sync::Arc;

use campaigns_contracts::Example;
use campaigns_contracts::records::{Team, TeamStatus};
use campaigns_records::sqlite::SqliteStore;
use campaigns_records::typed::UpdateError;
use campaigns_records::{RecordStore, Records, contract};

#[tokio::test]
async fn the_sqlite_store_keeps_the_contract() {
    let store = SqliteStore::in_memory().expect("opens");
    contract::run(&store, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_sqlite_store_serializes_racing_writers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn RecordStore> =
        Arc::new(SqliteStore::open(&dir.path().join("records.db")).expect("opens"));
    contract::run_races(store, "sqlite").await;
}

#[tokio::test]
async fn records_survive_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("records.db");
    let team = Team::example();
    {
        let records = Records::new(Arc::new(SqliteStore::open(&path).expect("opens")));
        records.insert(&team).await.expect("insert");
    }
    let records = Records::new(Arc::new(SqliteStore::open(&path).expect("reopens")));
    let found = records
        .get::<Team>(&team.team_id)
        .await
        .expect("get")
        .expect("present");
    assert_eq!((found.record, found.version), (team, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn optimistic_updates_lose_no_change_under_contention() {
    let records = Records::new(Arc::new(SqliteStore::in_memory().expect("opens")));
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
    let records = Records::new(Arc::new(SqliteStore::in_memory().expect("opens")));
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
