//! The records contract on DynamoDB, with the tables created from their
//! definitions (production creates them with Terraform), and the
//! idempotency keys' leases on it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use campaigns_app::ApiResponse;
use campaigns_app::idempotency::{CLAIM_LEASE_SECS, replay_or_run};
use campaigns_aws::{AwsSettings, DynamoRecords};
use campaigns_records::contract::SuiteClock;
use campaigns_records::port::Query;
use campaigns_records::table::TTL;
use campaigns_records::{Clock, Condition, RecordStore, Records, StoreError, Table, Write};
use serde_json::json;
use tokio::sync::OnceCell;

use crate::common::{sdk_config, settings, unique};

/// The seed declares `selectedCluster` a number; every other key is a string.
fn attribute_type(name: &str) -> ScalarAttributeType {
    match name {
        "selectedCluster" => ScalarAttributeType::N,
        _ => ScalarAttributeType::S,
    }
}

fn key(attribute: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(attribute)
        .key_type(key_type)
        .build()
        .expect("key schema")
}

/// Creates every table with its indexes and TTL, unless it exists.
pub(crate) async fn create_tables(sdk: &SdkConfig, settings: &AwsSettings) {
    let client = Client::new(sdk);
    for table in Table::ALL {
        let def = table.def();
        let name = settings.table_name(table);
        let mut attributes = vec![def.key];
        let mut request = client
            .create_table()
            .table_name(name)
            .billing_mode(BillingMode::PayPerRequest)
            .key_schema(key(def.key, KeyType::Hash));
        for index in def.indexes {
            let mut schema = vec![key(index.hash, KeyType::Hash)];
            attributes.push(index.hash);
            if let Some(range) = index.range {
                schema.push(key(range, KeyType::Range));
                attributes.push(range);
            }
            request = request.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .set_key_schema(Some(schema))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .expect("index"),
            );
        }
        attributes.sort();
        attributes.dedup();
        for attribute in attributes {
            request = request.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attribute)
                    .attribute_type(attribute_type(attribute))
                    .build()
                    .expect("attribute"),
            );
        }
        match request.send().await {
            Ok(_) => {}
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|err| err.is_resource_in_use_exception()) =>
            {
                continue;
            }
            Err(err) => panic!("create {name}: {err:?}"),
        }
        if def.ttl {
            client
                .update_time_to_live()
                .table_name(name)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(TTL)
                        .enabled(true)
                        .build()
                        .expect("ttl"),
                )
                .send()
                .await
                .expect("ttl");
        }
    }
}

/// A store over the tables, created once per test binary, on `clock`. Each
/// test builds its own client: a client's connections belong to the runtime
/// (here, the test) that opened them.
async fn store_on(clock: Arc<dyn Clock>) -> DynamoRecords {
    static TABLES: OnceCell<()> = OnceCell::const_new();
    let sdk = sdk_config().await;
    let settings = settings();
    TABLES.get_or_init(|| create_tables(&sdk, &settings)).await;
    DynamoRecords::new(&sdk, &settings, clock)
}

async fn store() -> DynamoRecords {
    store_on(Arc::new(SuiteClock::default())).await
}

#[tokio::test]
async fn the_records_contract_holds_on_dynamodb() {
    let clock = Arc::new(SuiteClock::default());
    let store = store_on(clock.clone()).await;
    campaigns_records::contract::run(&store, &clock, &unique("t")).await;
}

/// A create that claimed `key` and died in its handler (a killed process, a
/// Lambda timeout): the claim stays, with nothing to end it.
async fn crash_after_claiming(records: &Records, clock: &SuiteClock, key: &str, body: &[u8]) {
    let (started, claimed) = tokio::sync::oneshot::channel();
    let request = replay_or_run(
        records,
        clock.now(),
        "createPurchase",
        key,
        body,
        || async {
            let _ = started.send(());
            std::future::pending().await
        },
    );
    tokio::select! {
        _ = request => panic!("the handler never answers"),
        _ = claimed => {}
    }
}

#[tokio::test]
async fn a_claim_left_by_a_crash_is_taken_over_once_after_its_lease() {
    let clock = Arc::new(SuiteClock::default());
    let records = Records::new(Arc::new(store_on(clock.clone()).await));
    let key = unique("crashed-");
    let body = br#"{"productId":"full-6months"}"#;
    crash_after_claiming(&records, &clock, &key, body).await;

    let runs = AtomicUsize::new(0);
    let retry = || {
        replay_or_run(
            &records,
            clock.now(),
            "createPurchase",
            &key,
            body,
            || async {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Ok(ApiResponse {
                    status: 201,
                    body: json!({"purchaseId": "pur_taken_over"}),
                })
            },
        )
    };
    let code = |answer: &campaigns_app::http::Handled| match answer {
        Ok(response) => response.status.to_string(),
        Err(failure) => failure.error.code.clone(),
    };

    clock.advance(Duration::from_secs(CLAIM_LEASE_SECS as u64 - 1));
    assert_eq!(
        code(&retry().await),
        "REQUEST_IN_PROGRESS",
        "within the lease"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    clock.advance(Duration::from_secs(1));
    let (first, second) = tokio::join!(retry(), retry());
    let mut answers = [code(&first), code(&second)];
    answers.sort();
    assert_eq!(
        (answers, runs.load(Ordering::SeqCst)),
        (["201".to_owned(), "REQUEST_IN_PROGRESS".to_owned()], 1),
        "two retries after the lease: one takes the key over and runs"
    );

    let replayed = retry().await.expect("the kept answer");
    assert_eq!(
        (
            replayed.status,
            &replayed.body["purchaseId"],
            runs.load(Ordering::SeqCst)
        ),
        (201, &json!("pur_taken_over"), 1),
        "replayed, not run again"
    );
}

#[tokio::test]
async fn items_keep_the_body_as_attributes_and_the_version_beside_it() {
    let store = store().await;
    let id = unique("plan_");
    store
        .transact(&[Write::Put {
            table: Table::PersonalizedPlans,
            body: json!({"planId": id, "selectedCluster": 2, "scores": {"clinical": 48.5}}),
            condition: Condition::NotExists,
        }])
        .await
        .expect("insert");
    let raw = Client::new(&sdk_config().await)
        .get_item()
        .table_name(settings().table_name(Table::PersonalizedPlans))
        .key("planId", aws_sdk_dynamodb::types::AttributeValue::S(id))
        .send()
        .await
        .expect("get")
        .item
        .expect("item");
    assert_eq!(raw["selectedCluster"].as_n().map(String::as_str), Ok("2"));
    assert_eq!(raw["recordVersion"].as_n().map(String::as_str), Ok("1"));
    assert!(raw["scores"].is_m(), "nested objects are maps");
}

#[tokio::test]
async fn writes_dynamodb_cannot_make_atomic_are_refused() {
    let store = store().await;
    let code = unique("BULK").to_uppercase();
    store
        .transact(&[Write::Put {
            table: Table::Coupons,
            body: json!({"couponCode": code, "usageCount": 0, "usageLimit": 5}),
            condition: Condition::NotExists,
        }])
        .await
        .expect("insert");
    let by_two = Write::Increment {
        table: Table::Coupons,
        key: code.clone(),
        field: "usageCount",
        by: 2,
        limit_field: Some("usageLimit"),
    };
    assert!(matches!(
        store.transact(&[by_two]).await,
        Err(StoreError::Invalid(_))
    ));
    let blind = Write::Put {
        table: Table::Coupons,
        body: json!({"couponCode": code}),
        condition: Condition::Always,
    };
    assert!(matches!(
        store.transact(&[blind]).await,
        Err(StoreError::Invalid(_))
    ));
}

#[tokio::test]
async fn queries_page_through_results_up_to_the_limit() {
    let store = store().await;
    let status = unique("paged_");
    let writes: Vec<Write> = (0..7)
        .map(|n| Write::Put {
            table: Table::Teams,
            body: json!({
                "teamId": format!("{status}_{n}"),
                "leaderEmail": "paged@example.com",
                "status": status,
                "createdAt": format!("2025-01-0{}T00:00:00Z", n + 1),
            }),
            condition: Condition::NotExists,
        })
        .collect();
    store.transact(&writes).await.expect("insert");
    let query = |limit| Query {
        table: Table::Teams,
        index: Table::Teams.index("status-createdAt-index").expect("index"),
        hash_value: json!(status),
        range_from: Some("2025-01-02T00:00:00Z".into()),
        after: None,
        limit,
    };
    let keys = |items: Vec<campaigns_records::Item>| -> Vec<String> {
        items.into_iter().map(|item| item.key).collect()
    };
    assert_eq!(
        keys(store.query(&query(Some(3))).await.expect("query")),
        [1, 2, 3].map(|n| format!("{status}_{n}"))
    );
    assert_eq!(store.query(&query(None)).await.expect("query").len(), 6);
}
