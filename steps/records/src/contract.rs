//! The contract every records adapter keeps, as a suite the adapters' tests
//! run: the same cases against SQLite here and against DynamoDB in the AWS
//! adapter's tests. Each case makes its own keys from `tag`, so cases can
//! share one store.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::clock::Clock;
use crate::port::{Condition, Position, Query, RecordStore, StoreError, Write};
use crate::table::Table;

/// The clock an adapter under test is built with, which the suite moves
/// forward to see items expire. It starts at the system's now.
pub struct SuiteClock {
    epoch_seconds: AtomicI64,
}

impl Default for SuiteClock {
    fn default() -> Self {
        SuiteClock {
            epoch_seconds: AtomicI64::new(Utc::now().timestamp()),
        }
    }
}

impl SuiteClock {
    pub fn advance(&self, by: Duration) {
        self.epoch_seconds
            .fetch_add(by.as_secs() as i64, Ordering::SeqCst);
    }

    fn seconds(&self) -> i64 {
        self.epoch_seconds.load(Ordering::SeqCst)
    }
}

impl Clock for SuiteClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.seconds(), 0).unwrap_or_default()
    }
}

/// Runs every sequential case against `store`, built with `clock`; panics
/// with the case's name on a breach.
pub async fn run(store: &dyn RecordStore, clock: &SuiteClock, tag: &str) {
    get_of_a_missing_key_is_none(store, tag).await;
    insert_then_get_returns_the_body_at_version_one(store, tag).await;
    a_second_insert_of_a_key_fails_and_changes_nothing(store, tag).await;
    versioned_writes_succeed_only_at_the_current_version(store, tag).await;
    a_batch_is_all_or_nothing(store, tag).await;
    increments_stay_within_zero_and_the_limit(store, tag).await;
    deletes_obey_their_condition(store, tag).await;
    queries_find_by_index_in_range_order(store, tag).await;
    a_scan_reads_every_record_of_its_table(store, tag).await;
    pages_resume_after_the_last_record_of_the_previous_one(store, tag).await;
    an_item_past_its_ttl_is_absent_and_can_be_created_again(store, clock, tag).await;
}

/// Runs the cases where many writers race; the store must serialize them.
pub async fn run_races(store: Arc<dyn RecordStore>, tag: &str) {
    racing_increments_never_pass_the_limit(store.clone(), tag).await;
    racing_inserts_of_one_key_have_one_winner(store, tag).await;
}

fn put(table: Table, body: Value, condition: Condition) -> Write {
    Write::Put {
        table,
        body,
        condition,
    }
}

fn team(id: &str, leader: &str, status: &str, created_at: &str) -> Value {
    json!({"teamId": id, "leaderEmail": leader, "status": status, "createdAt": created_at, "members": []})
}

fn coupon(code: &str, used: i64, limit: i64) -> Value {
    json!({"couponCode": code, "status": "active", "usageCount": used, "usageLimit": limit})
}

async fn get_of_a_missing_key_is_none(store: &dyn RecordStore, tag: &str) {
    let found = store
        .get(Table::Teams, &format!("team_{tag}_missing"))
        .await
        .expect("get");
    assert_eq!(found, None, "get of a missing key");
}

async fn insert_then_get_returns_the_body_at_version_one(store: &dyn RecordStore, tag: &str) {
    let key = format!("team_{tag}_insert");
    let body = team(
        &key,
        "a@example.com",
        "pending_payment",
        "2025-01-06T10:30:00Z",
    );
    store
        .transact(&[put(Table::Teams, body.clone(), Condition::NotExists)])
        .await
        .expect("insert");
    let item = store
        .get(Table::Teams, &key)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (item.key.as_str(), item.version, &item.body),
        (key.as_str(), 1, &body)
    );
}

async fn a_second_insert_of_a_key_fails_and_changes_nothing(store: &dyn RecordStore, tag: &str) {
    let key = format!("team_{tag}_twice");
    let first = team(
        &key,
        "first@example.com",
        "pending_payment",
        "2025-01-06T10:30:00Z",
    );
    let second = team(
        &key,
        "second@example.com",
        "pending_payment",
        "2025-01-06T10:30:00Z",
    );
    store
        .transact(&[put(Table::Teams, first.clone(), Condition::NotExists)])
        .await
        .expect("insert");
    let err = store
        .transact(&[put(Table::Teams, second, Condition::NotExists)])
        .await;
    assert_eq!(
        err,
        Err(StoreError::ConditionFailed { index: 0 }),
        "second insert"
    );
    let item = store
        .get(Table::Teams, &key)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (item.version, item.body),
        (1, first),
        "the first insert stands"
    );
}

async fn versioned_writes_succeed_only_at_the_current_version(store: &dyn RecordStore, tag: &str) {
    let key = format!("team_{tag}_versions");
    let body = |status| team(&key, "v@example.com", status, "2025-01-06T10:30:00Z");
    store
        .transact(&[put(
            Table::Teams,
            body("pending_payment"),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    store
        .transact(&[put(Table::Teams, body("fully_paid"), Condition::Version(1))])
        .await
        .expect("write at 1");
    let stale = store
        .transact(&[put(Table::Teams, body("expired"), Condition::Version(1))])
        .await;
    assert_eq!(
        stale,
        Err(StoreError::ConditionFailed { index: 0 }),
        "stale version"
    );
    let item = store
        .get(Table::Teams, &key)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (item.version, item.body["status"].as_str()),
        (2, Some("fully_paid"))
    );
    let missing = format!("team_{tag}_versions_missing");
    let absent = store
        .transact(&[put(
            Table::Teams,
            team(&missing, "v@example.com", "expired", "2025-01-06T10:30:00Z"),
            Condition::Version(1),
        )])
        .await;
    assert_eq!(
        absent,
        Err(StoreError::ConditionFailed { index: 0 }),
        "version of a missing record"
    );
    assert_eq!(store.get(Table::Teams, &missing).await.expect("get"), None);
}

async fn a_batch_is_all_or_nothing(store: &dyn RecordStore, tag: &str) {
    let taken = format!("SAVE{tag}TAKEN").to_uppercase();
    let fresh = format!("SAVE{tag}FRESH").to_uppercase();
    store
        .transact(&[put(
            Table::Coupons,
            coupon(&taken, 0, 5),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    let result = store
        .transact(&[
            put(Table::Coupons, coupon(&fresh, 0, 5), Condition::NotExists),
            Write::Increment {
                table: Table::Coupons,
                key: taken.clone(),
                field: "usageCount",
                by: 1,
                limit_field: Some("usageLimit"),
            },
            put(Table::Coupons, coupon(&taken, 0, 9), Condition::NotExists),
        ])
        .await;
    assert_eq!(
        result,
        Err(StoreError::ConditionFailed { index: 2 }),
        "the third write fails"
    );
    assert_eq!(
        store.get(Table::Coupons, &fresh).await.expect("get"),
        None,
        "the first write was undone"
    );
    let item = store
        .get(Table::Coupons, &taken)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (item.version, item.body["usageCount"].as_i64()),
        (1, Some(0)),
        "the second write was undone"
    );
}

async fn increments_stay_within_zero_and_the_limit(store: &dyn RecordStore, tag: &str) {
    let code = format!("LIMIT{tag}").to_uppercase();
    store
        .transact(&[put(
            Table::Coupons,
            coupon(&code, 0, 2),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    let increment = |by| Write::Increment {
        table: Table::Coupons,
        key: code.clone(),
        field: "usageCount",
        by,
        limit_field: Some("usageLimit"),
    };
    store.transact(&[increment(1)]).await.expect("0 -> 1");
    store.transact(&[increment(1)]).await.expect("1 -> 2");
    assert_eq!(
        store.transact(&[increment(1)]).await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "past the limit"
    );
    store.transact(&[increment(-2)]).await.expect("2 -> 0");
    assert_eq!(
        store.transact(&[increment(-1)]).await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "below zero"
    );
    let item = store
        .get(Table::Coupons, &code)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (item.version, item.body["usageCount"].as_i64()),
        (4, Some(0))
    );
    let missing = Write::Increment {
        table: Table::Coupons,
        key: format!("{code}MISSING"),
        field: "usageCount",
        by: 1,
        limit_field: None,
    };
    assert_eq!(
        store.transact(&[missing]).await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "missing record"
    );
}

async fn deletes_obey_their_condition(store: &dyn RecordStore, tag: &str) {
    let key = format!("team_{tag}_delete");
    store
        .transact(&[put(
            Table::Teams,
            team(&key, "d@example.com", "expired", "2025-01-06T10:30:00Z"),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    let stale = store
        .transact(&[Write::Delete {
            table: Table::Teams,
            key: key.clone(),
            condition: Condition::Version(7),
        }])
        .await;
    assert_eq!(
        stale,
        Err(StoreError::ConditionFailed { index: 0 }),
        "delete at a wrong version"
    );
    assert!(
        store.get(Table::Teams, &key).await.expect("get").is_some(),
        "still there"
    );
    store
        .transact(&[Write::Delete {
            table: Table::Teams,
            key: key.clone(),
            condition: Condition::Version(1),
        }])
        .await
        .expect("delete");
    assert_eq!(
        store.get(Table::Teams, &key).await.expect("get"),
        None,
        "gone"
    );
}

async fn queries_find_by_index_in_range_order(store: &dyn RecordStore, tag: &str) {
    let leader = format!("leader.{tag}@example.com");
    let status = format!("status_{tag}");
    let teams = [
        team(
            &format!("team_{tag}_q3"),
            &leader,
            &status,
            "2025-01-08T00:00:00Z",
        ),
        team(
            &format!("team_{tag}_q1"),
            &leader,
            &status,
            "2025-01-06T00:00:00Z",
        ),
        team(
            &format!("team_{tag}_q2"),
            &leader,
            &status,
            "2025-01-07T00:00:00Z",
        ),
        team(
            &format!("team_{tag}_other"),
            "someone.else@example.com",
            "other",
            "2025-01-07T00:00:00Z",
        ),
    ];
    let writes: Vec<Write> = teams
        .iter()
        .map(|body| put(Table::Teams, body.clone(), Condition::NotExists))
        .collect();
    store.transact(&writes).await.expect("insert");

    let by_leader = Query {
        table: Table::Teams,
        index: Table::Teams.index("leaderEmail-index").expect("index"),
        hash_value: json!(leader),
        range_from: None,
        after: None,
        limit: None,
    };
    let mut keys: Vec<String> = store
        .query(&by_leader)
        .await
        .expect("query")
        .into_iter()
        .map(|item| item.key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            format!("team_{tag}_q1"),
            format!("team_{tag}_q2"),
            format!("team_{tag}_q3")
        ]
    );

    let by_status_since = Query {
        table: Table::Teams,
        index: Table::Teams.index("status-createdAt-index").expect("index"),
        hash_value: json!(status),
        range_from: Some("2025-01-07T00:00:00Z".into()),
        after: None,
        limit: None,
    };
    let keys: Vec<String> = store
        .query(&by_status_since)
        .await
        .expect("query")
        .into_iter()
        .map(|item| item.key)
        .collect();
    assert_eq!(
        keys,
        [format!("team_{tag}_q2"), format!("team_{tag}_q3")],
        "from the 7th, oldest first"
    );

    // A numeric index key (the seed's selectedCluster is type N).
    let email = format!("plan.{tag}@example.com");
    let plan =
        |id: &str, cluster: i64| json!({"planId": id, "email": email, "selectedCluster": cluster});
    store
        .transact(&[
            put(
                Table::PersonalizedPlans,
                plan(&format!("plan_{tag}_a"), 3),
                Condition::NotExists,
            ),
            put(
                Table::PersonalizedPlans,
                plan(&format!("plan_{tag}_b"), 2),
                Condition::NotExists,
            ),
        ])
        .await
        .expect("insert plans");
    let by_cluster = Query {
        table: Table::PersonalizedPlans,
        index: Table::PersonalizedPlans
            .index("selectedCluster-index")
            .expect("index"),
        hash_value: json!(3),
        range_from: None,
        after: None,
        limit: None,
    };
    let found = store.query(&by_cluster).await.expect("query");
    assert!(
        found.iter().any(|item| item.key == format!("plan_{tag}_a")),
        "cluster 3 plan found"
    );
    assert!(
        found
            .iter()
            .all(|item| item.body["selectedCluster"] == json!(3)),
        "only cluster 3"
    );
}

async fn a_scan_reads_every_record_of_its_table(store: &dyn RecordStore, tag: &str) {
    let prefix = format!("team_{tag}_scan_");
    let bodies: Vec<Value> = (0..3)
        .map(|n| {
            team(
                &format!("{prefix}{n}"),
                &format!("scan{n}.{tag}@example.com"),
                "pending_payment",
                "2025-01-06T10:30:00Z",
            )
        })
        .collect();
    let writes: Vec<Write> = bodies
        .iter()
        .map(|body| put(Table::Teams, body.clone(), Condition::NotExists))
        .collect();
    store.transact(&writes).await.expect("insert");
    store
        .transact(&[put(
            Table::Coupons,
            coupon(&format!("SCAN{tag}").to_uppercase(), 0, 1),
            Condition::NotExists,
        )])
        .await
        .expect("insert coupon");
    let mut found: Vec<Value> = store
        .scan(Table::Teams)
        .await
        .expect("scan")
        .into_iter()
        .filter(|item| item.key.starts_with(&prefix))
        .map(|item| item.body)
        .collect();
    found.sort_by(|a, b| a["teamId"].as_str().cmp(&b["teamId"].as_str()));
    assert_eq!(
        found, bodies,
        "a scan finds every record of the table, and only its own"
    );
}

async fn an_item_past_its_ttl_is_absent_and_can_be_created_again(
    store: &dyn RecordStore,
    clock: &SuiteClock,
    tag: &str,
) {
    let key = format!("team_{tag}_ttl");
    let leader = format!("ttl.{tag}@example.com");
    let ttl = clock.seconds() + 60;
    let expiring = |status: &str, ttl: i64| {
        let mut body = team(&key, &leader, status, "2025-01-06T10:30:00Z");
        body["ttl"] = json!(ttl);
        body
    };
    store
        .transact(&[put(
            Table::Teams,
            expiring("pending_payment", ttl),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    // A table without a TTL keeps an item whatever its `ttl` field says.
    let code = format!("KEEP{tag}").to_uppercase();
    let mut kept = coupon(&code, 0, 1);
    kept["ttl"] = json!(ttl);
    store
        .transact(&[put(Table::Coupons, kept, Condition::NotExists)])
        .await
        .expect("insert coupon");
    let by_leader = Query {
        table: Table::Teams,
        index: Table::Teams.index("leaderEmail-index").expect("index"),
        hash_value: json!(leader),
        range_from: None,
        after: None,
        limit: None,
    };

    clock.advance(Duration::from_secs(60));
    assert!(
        store.get(Table::Teams, &key).await.expect("get").is_some(),
        "present while its ttl is now"
    );

    clock.advance(Duration::from_secs(1));
    assert_eq!(
        store.get(Table::Teams, &key).await.expect("get"),
        None,
        "absent once its ttl has passed"
    );
    assert_eq!(
        store.query(&by_leader).await.expect("query"),
        [],
        "queries skip it"
    );
    assert!(
        !store
            .scan(Table::Teams)
            .await
            .expect("scan")
            .iter()
            .any(|item| item.key == key),
        "scans skip it"
    );
    assert_eq!(
        store
            .transact(&[put(
                Table::Teams,
                expiring("fully_paid", ttl),
                Condition::Version(1)
            )])
            .await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "a versioned write finds no record"
    );
    assert_eq!(
        store
            .transact(&[Write::Increment {
                table: Table::Teams,
                key: key.clone(),
                field: "paidMembers",
                by: 1,
                limit_field: None,
            }])
            .await,
        Err(StoreError::ConditionFailed { index: 0 }),
        "an increment finds no record"
    );
    assert!(
        store
            .get(Table::Coupons, &code)
            .await
            .expect("get")
            .is_some(),
        "the coupon table has no TTL"
    );

    let again = expiring("pending_payment", clock.seconds() + 60);
    store
        .transact(&[put(Table::Teams, again.clone(), Condition::NotExists)])
        .await
        .expect("an insert over the expired item");
    let item = store
        .get(Table::Teams, &key)
        .await
        .expect("get")
        .expect("present");
    assert_eq!((item.version, item.body), (1, again), "a new record");
    let found = store.query(&by_leader).await.expect("query");
    assert_eq!(found.len(), 1, "queries find the new one");
}

async fn racing_increments_never_pass_the_limit(store: Arc<dyn RecordStore>, tag: &str) {
    const LIMIT: i64 = 10;
    const BUYERS: usize = 40;
    let code = format!("RACE{tag}").to_uppercase();
    store
        .transact(&[put(
            Table::Coupons,
            coupon(&code, 0, LIMIT),
            Condition::NotExists,
        )])
        .await
        .expect("insert");
    let tasks: Vec<_> = (0..BUYERS)
        .map(|_| {
            let store = store.clone();
            let code = code.clone();
            tokio::spawn(async move {
                let write = Write::Increment {
                    table: Table::Coupons,
                    key: code,
                    field: "usageCount",
                    by: 1,
                    limit_field: Some("usageLimit"),
                };
                store.transact(&[write]).await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(()) => won += 1,
            Err(StoreError::ConditionFailed { .. }) => {}
            Err(other) => panic!("unexpected {other}"),
        }
    }
    let item = store
        .get(Table::Coupons, &code)
        .await
        .expect("get")
        .expect("present");
    assert_eq!(
        (won, item.body["usageCount"].as_i64()),
        (LIMIT, Some(LIMIT)),
        "exactly the limit, never more"
    );
}

async fn racing_inserts_of_one_key_have_one_winner(store: Arc<dyn RecordStore>, tag: &str) {
    let key = format!("evt_{tag}_race");
    let tasks: Vec<_> = (0..20)
        .map(|attempt| {
            let store = store.clone();
            let key = key.clone();
            tokio::spawn(async move {
                let body = json!({"eventId": key, "attempt": attempt});
                store
                    .transact(&[Write::Put {
                        table: Table::WebhookEvents,
                        body,
                        condition: Condition::NotExists,
                    }])
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.expect("task").is_ok() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "one insert wins");
}

/// Paging an index: each page starts after the previous page's last record
/// (`Position::of`), so pages of any size cover every record once, in
/// range order, including records with equal range values split across a
/// page boundary and a resume point before `range_from`.
async fn pages_resume_after_the_last_record_of_the_previous_one(
    store: &dyn RecordStore,
    tag: &str,
) {
    let status = format!("paging_{tag}");
    // Nine teams over five days, three of them on the 3rd.
    let days = [1, 2, 3, 3, 3, 4, 5, 5, 6];
    let writes: Vec<Write> = days
        .iter()
        .enumerate()
        .map(|(n, day)| {
            put(
                Table::Teams,
                json!({
                    "teamId": format!("team_{tag}_p{n}"),
                    "leaderEmail": "paging@example.com",
                    "status": status,
                    "createdAt": format!("2025-02-0{day}T00:00:00Z"),
                }),
                Condition::NotExists,
            )
        })
        .collect();
    store.transact(&writes).await.expect("insert");
    let index = Table::Teams.index("status-createdAt-index").expect("index");
    let query = |range_from: Option<&str>, after: Option<Position>, limit| Query {
        table: Table::Teams,
        index,
        hash_value: json!(status),
        range_from: range_from.map(str::to_owned),
        after,
        limit: Some(limit),
    };
    let day_of = |item: &crate::port::Item| {
        item.body["createdAt"].as_str().expect("a time")[8..10].to_owned()
    };
    for (range_from, expected) in [(None, 9), (Some("2025-02-03T00:00:00Z"), 7)] {
        for limit in [1, 2, 3, 4, 10] {
            let mut seen = Vec::new();
            let mut after = None;
            for _ in 0..20 {
                let page = store
                    .query(&query(range_from, after.clone(), limit))
                    .await
                    .expect("query");
                assert!(page.len() <= limit, "a page holds at most its limit");
                let Some(last) = page.last() else { break };
                after = Some(Position::of(last, index));
                seen.extend(page);
            }
            let mut keys: Vec<&str> = seen.iter().map(|item| item.key.as_str()).collect();
            assert_eq!(
                keys.len(),
                expected,
                "from {range_from:?} by {limit}: {keys:?}"
            );
            let days_seen: Vec<String> = seen.iter().map(day_of).collect();
            let mut sorted = days_seen.clone();
            sorted.sort();
            assert_eq!(
                days_seen, sorted,
                "in range order, from {range_from:?} by {limit}"
            );
            keys.sort();
            keys.dedup();
            assert_eq!(
                keys.len(),
                expected,
                "each once, from {range_from:?} by {limit}"
            );
        }
    }
    // A resume point before `range_from` (the record it names is no
    // longer in range) starts at `range_from`.
    let first = store.query(&query(None, None, 1)).await.expect("query");
    let from_the_2nd = store
        .query(&query(
            Some("2025-02-02T00:00:00Z"),
            Some(Position::of(&first[0], index)),
            10,
        ))
        .await
        .expect("query");
    let from_the_4th = store
        .query(&query(
            Some("2025-02-04T00:00:00Z"),
            Some(Position::of(&first[0], index)),
            10,
        ))
        .await
        .expect("query");
    assert_eq!(from_the_2nd.len(), 8);
    assert_eq!(
        from_the_4th.iter().map(day_of).collect::<Vec<_>>(),
        ["04", "05", "05", "06"]
    );
}
