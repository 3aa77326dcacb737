//! The records contract on DynamoDB, with the tables created from their
//! definitions (production creates them with Terraform).

use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};
use campaigns_aws::{AwsSettings, DynamoRecords};
use campaigns_records::port::Query;
use campaigns_records::{Condition, RecordStore, StoreError, Table, Write};
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
async fn create_tables(sdk: &SdkConfig, settings: &AwsSettings) {
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
                        .attribute_name("ttl")
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

/// A store over the tables, created once per test binary. Each test builds
/// its own client: a client's connections belong to the runtime (here, the
/// test) that opened them.
async fn store() -> DynamoRecords {
    static TABLES: OnceCell<()> = OnceCell::const_new();
    let sdk = sdk_config().await;
    let settings = settings();
    TABLES.get_or_init(|| create_tables(&sdk, &settings)).await;
    DynamoRecords::new(&sdk, &settings)
}

#[tokio::test]
async fn the_records_contract_holds_on_dynamodb() {
    campaigns_records::contract::run(&store().await, &unique("t")).await;
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
