//! The records port on DynamoDB: one item per record, its body's top-level
//! fields as the item's attributes (so the seed's GSIs index them, numbers as
//! `N`) and the record's version in [`VERSION`] beside them.
//!
//! Every batch is one `TransactWriteItems` call, so every limit the journeys
//! keep (coupon uses, exam seats, one event id once) is checked and written
//! in one atomic step: conditions are evaluated by DynamoDB on the item it
//! writes, never read first and written later.
//!
//! DynamoDB deletes an item past its `ttl` only some time later (up to days),
//! so the adapter treats it as gone itself: reads drop it, and every
//! condition counts it as absent (`attribute_not_exists(key) OR ttl < now`).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use campaigns_records::port::Query;
use campaigns_records::table::TTL;
use campaigns_records::{Clock, Condition, Item, Position, RecordStore, StoreError, Table, Write};
use serde_json::{Map, Number, Value};

use crate::settings::AwsSettings;

/// The attribute that holds a record's version; no body may use it.
pub const VERSION: &str = "recordVersion";

type Attributes = HashMap<String, AttributeValue>;

pub struct DynamoRecords {
    client: Client,
    tables: BTreeMap<Table, String>,
    /// What an item's `ttl` is compared with.
    clock: Arc<dyn Clock>,
}

impl DynamoRecords {
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings, clock: Arc<dyn Clock>) -> DynamoRecords {
        DynamoRecords {
            client: Client::new(sdk),
            tables: settings.tables.clone(),
            clock,
        }
    }

    fn now(&self) -> i64 {
        self.clock.now().timestamp()
    }

    fn table_name(&self, table: Table) -> &str {
        &self.tables[&table]
    }

    /// Sends one transaction; `indices[n]` is the batch index of its item `n`.
    async fn send(
        &self,
        items: Vec<TransactWriteItem>,
        indices: &[usize],
    ) -> Result<(), StoreError> {
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err) => Err(transaction_error(err, indices)),
        }
    }

    /// How DynamoDB performs `write` at `now` (epoch seconds).
    fn plan(&self, write: &Write, now: i64) -> Result<Planned, StoreError> {
        let refuse = |reason: &str| Err(StoreError::Invalid(reason.to_owned()));
        let (table, key) = target(write)
            .ok_or_else(|| StoreError::Invalid("a put body without its key".into()))?;
        let key_attribute = table.def().key;
        let expires = table.def().ttl;
        // A condition that needs the record also needs it unexpired.
        let live = |condition: Expression| {
            if expires {
                condition
                    .and("NOT (#ttl < :now)")
                    .name("#ttl", TTL)
                    .value(":now", now)
            } else {
                condition
            }
        };
        let absent = if expires {
            Expression::new("(attribute_not_exists(#k) OR #ttl < :now)")
                .name("#ttl", TTL)
                .value(":now", now)
        } else {
            Expression::new("attribute_not_exists(#k)")
        }
        .name("#k", key_attribute);
        let version_is = |version: u64| {
            live(
                Expression::new("#ver = :expected")
                    .name("#ver", VERSION)
                    .value(":expected", version),
            )
        };
        let (action, condition) = match write {
            Write::Put {
                body, condition, ..
            } => {
                let (version, condition) = match condition {
                    Condition::NotExists => (1, absent),
                    Condition::Version(version) => (version + 1, version_is(*version)),
                    // A blind overwrite cannot bump the version in one PutItem.
                    Condition::Always => return refuse("a put needs NotExists or Version"),
                };
                (Action::Put(attributes(body, version)?), Some(condition))
            }
            Write::Increment {
                field,
                by,
                limit_field,
                ..
            } => {
                let mut condition =
                    Expression::new("attribute_exists(#k)").name("#k", key_attribute);
                match (*by, limit_field) {
                    // DynamoDB conditions compare attributes, with no arithmetic: `#f + :by <= #l`
                    // cannot be said, `#f < #l` can.
                    (1, Some(limit)) => {
                        condition = condition.and("#f < #l").name("#f", field).name("#l", limit);
                    }
                    (by, _) if by < 0 => {
                        condition = condition
                            .and("#f >= :minus_by")
                            .name("#f", field)
                            .value(":minus_by", Number::from(-by));
                    }
                    (_, None) => {}
                    (_, Some(_)) => {
                        return refuse("an increment with a limit must be by +1 or negative");
                    }
                }
                let update =
                    Expression::new("SET #f = if_not_exists(#f, :zero) + :by, #ver = #ver + :one")
                        .name("#f", field)
                        .name("#ver", VERSION)
                        .value(":zero", Number::from(0))
                        .value(":by", Number::from(*by))
                        .value(":one", Number::from(1));
                (Action::Update(update), Some(live(condition)))
            }
            Write::Delete { condition, .. } => {
                let condition = match condition {
                    Condition::Always => None,
                    Condition::Version(version) => Some(version_is(*version)),
                    Condition::NotExists => return refuse("delete on NotExists"),
                };
                (Action::Delete, condition)
            }
        };
        Ok(Planned {
            table_name: self.table_name(table).to_owned(),
            key: HashMap::from([(key_attribute.to_owned(), AttributeValue::S(key.to_owned()))]),
            action,
            condition,
        })
    }
}

/// A JSON number as a DynamoDB `N`.
fn number(value: impl Into<Number>) -> AttributeValue {
    AttributeValue::N(value.into().to_string())
}

/// Placeholders keep attribute names (some are reserved words, like `status`)
/// out of the expression text.
#[derive(Debug, Clone, Default)]
struct Expression {
    text: String,
    names: HashMap<String, String>,
    values: Attributes,
}

impl Expression {
    fn new(text: &str) -> Expression {
        Expression {
            text: text.to_owned(),
            ..Expression::default()
        }
    }

    fn and(mut self, clause: &str) -> Expression {
        self.text = format!("{} AND {clause}", self.text);
        self
    }

    fn name(mut self, placeholder: &str, attribute: &str) -> Expression {
        self.names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    fn value(mut self, placeholder: &str, value: impl Into<Number>) -> Expression {
        self.values.insert(placeholder.to_owned(), number(value));
        self
    }
}

/// DynamoDB refuses empty name and value maps.
fn non_empty<K, V>(map: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

enum Action {
    Put(Attributes),
    Update(Expression),
    Delete,
}

/// One write as DynamoDB performs it.
struct Planned {
    table_name: String,
    key: Attributes,
    action: Action,
    condition: Option<Expression>,
}

impl Planned {
    fn write_item(self) -> Result<TransactWriteItem, StoreError> {
        let condition = self.condition.unwrap_or_default();
        let text = (!condition.text.is_empty()).then_some(condition.text);
        let item = match self.action {
            Action::Put(attributes) => TransactWriteItem::builder().put(
                Put::builder()
                    .table_name(self.table_name)
                    .set_item(Some(attributes))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(non_empty(condition.names))
                    .set_expression_attribute_values(non_empty(condition.values))
                    .build()
                    .map_err(invalid)?,
            ),
            Action::Update(update) => {
                let mut names = update.names;
                names.extend(condition.names);
                let mut values = update.values;
                values.extend(condition.values);
                TransactWriteItem::builder().update(
                    Update::builder()
                        .table_name(self.table_name)
                        .set_key(Some(self.key))
                        .update_expression(update.text)
                        .set_condition_expression(text)
                        .set_expression_attribute_names(non_empty(names))
                        .set_expression_attribute_values(non_empty(values))
                        .build()
                        .map_err(invalid)?,
                )
            }
            Action::Delete => TransactWriteItem::builder().delete(
                Delete::builder()
                    .table_name(self.table_name)
                    .set_key(Some(self.key))
                    .set_condition_expression(text)
                    .set_expression_attribute_names(non_empty(condition.names))
                    .set_expression_attribute_values(non_empty(condition.values))
                    .build()
                    .map_err(invalid)?,
            ),
        };
        Ok(item.build())
    }

    /// The write's condition alone, checked without writing; `None` if it has none.
    fn check_item(self) -> Result<Option<TransactWriteItem>, StoreError> {
        let Some(condition) = self.condition else {
            return Ok(None);
        };
        let check = ConditionCheck::builder()
            .table_name(self.table_name)
            .set_key(Some(self.key))
            .condition_expression(condition.text)
            .set_expression_attribute_names(non_empty(condition.names))
            .set_expression_attribute_values(non_empty(condition.values))
            .build()
            .map_err(invalid)?;
        Ok(Some(
            TransactWriteItem::builder().condition_check(check).build(),
        ))
    }
}

fn invalid(err: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(err.to_string())
}

/// The record a write touches.
fn target(write: &Write) -> Option<(Table, &str)> {
    match write {
        Write::Put { table, body, .. } => Some((*table, table.key_of(body)?)),
        Write::Increment { table, key, .. } | Write::Delete { table, key, .. } => {
            Some((*table, key.as_str()))
        }
    }
}

/// The first write of the batch to a record an earlier write touched: `(earlier, later)`.
fn first_repeat(writes: &[Write]) -> Option<(usize, usize)> {
    let mut seen = HashMap::new();
    writes.iter().enumerate().find_map(|(index, write)| {
        let target = target(write)?;
        seen.insert(target, index).map(|earlier| (earlier, index))
    })
}

/// Whether `later` requires the record to exist (`Some(true)`) or not.
fn requires_existing(write: &Write) -> Option<bool> {
    match write {
        Write::Put {
            condition: Condition::NotExists,
            ..
        } => Some(false),
        Write::Put {
            condition: Condition::Version(_),
            ..
        }
        | Write::Delete {
            condition: Condition::Version(_),
            ..
        }
        | Write::Increment { .. } => Some(true),
        _ => None,
    }
}

/// Whether `later` cannot hold once `earlier`, on the same record, was applied.
fn contradicts(earlier: &Write, later: &Write) -> bool {
    let exists_after = !matches!(earlier, Write::Delete { .. });
    requires_existing(later).is_some_and(|required| required != exists_after)
}

/// The port's error for a failed transaction: the first write whose
/// condition failed, else what the service said.
fn transaction_error<R: std::fmt::Debug>(
    err: SdkError<TransactWriteItemsError, R>,
    indices: &[usize],
) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    {
        let reasons = cancelled.cancellation_reasons();
        let failed = |code: &str| {
            reasons
                .iter()
                .position(|reason| reason.code() == Some(code))
        };
        if let Some(position) = failed("ConditionalCheckFailed") {
            return StoreError::ConditionFailed {
                index: indices[position],
            };
        }
        if failed("ValidationError").is_some() {
            return StoreError::Invalid(DisplayErrorContext(&err).to_string());
        }
    }
    store_error(err)
}

/// Bad requests are the caller's to fix; everything else (throttling,
/// conflicts, outages) is worth retrying.
fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let message = DisplayErrorContext(&err).to_string();
    match err.code() {
        Some("ValidationException") => StoreError::Invalid(message),
        _ => StoreError::Unavailable(message),
    }
}

/// The item that stores `body` at `version`.
fn attributes(body: &Value, version: u64) -> Result<Attributes, StoreError> {
    let Value::Object(fields) = body else {
        return Err(StoreError::Invalid(
            "a record body must be an object".into(),
        ));
    };
    if fields.contains_key(VERSION) {
        return Err(StoreError::Invalid(format!(
            "{VERSION} is the store's own attribute"
        )));
    }
    let mut item: Attributes = fields
        .iter()
        .map(|(name, value)| (name.clone(), to_attribute(value)))
        .collect();
    item.insert(VERSION.to_owned(), number(version));
    Ok(item)
}

fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(flag) => AttributeValue::Bool(*flag),
        Value::Number(value) => AttributeValue::N(value.to_string()),
        Value::String(text) => AttributeValue::S(text.clone()),
        Value::Array(values) => AttributeValue::L(values.iter().map(to_attribute).collect()),
        Value::Object(fields) => AttributeValue::M(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), to_attribute(value)))
                .collect(),
        ),
    }
}

fn from_attribute(value: &AttributeValue) -> Result<Value, StoreError> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::N(text) => Value::Number(
            text.parse()
                .map_err(|err| StoreError::Invalid(format!("number {text:?}: {err}")))?,
        ),
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::L(values) => Value::Array(
            values
                .iter()
                .map(from_attribute)
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(fields) => Value::Object(object(fields)?),
        other => {
            return Err(StoreError::Invalid(format!(
                "unsupported attribute {other:?}"
            )));
        }
    })
}

fn object(fields: &Attributes) -> Result<Map<String, Value>, StoreError> {
    fields
        .iter()
        .map(|(name, value)| Ok((name.clone(), from_attribute(value)?)))
        .collect()
}

/// The record an item of `table` holds.
fn to_item(table: Table, item: &Attributes) -> Result<Item, StoreError> {
    let mut body = object(item)?;
    let version = body
        .remove(VERSION)
        .and_then(|version| version.as_u64())
        .ok_or_else(|| StoreError::Invalid(format!("an item without {VERSION}")))?;
    let body = Value::Object(body);
    let key = table
        .key_of(&body)
        .ok_or_else(|| StoreError::Invalid(format!("{table:?} item without its key")))?
        .to_owned();
    Ok(Item { key, version, body })
}

#[async_trait]
impl RecordStore for DynamoRecords {
    async fn get(&self, table: Table, key: &str) -> Result<Option<Item>, StoreError> {
        let found = self
            .client
            .get_item()
            .table_name(self.table_name(table))
            .key(table.def().key, AttributeValue::S(key.to_owned()))
            // Read-modify-write needs the latest version.
            .consistent_read(true)
            .send()
            .await
            .map_err(store_error)?;
        let item = found.item().map(|item| to_item(table, item)).transpose()?;
        let now = self.now();
        Ok(item.filter(|item| !table.expired(&item.body, now)))
    }

    async fn query(&self, query: &Query) -> Result<Vec<Item>, StoreError> {
        let mut condition = Expression::new("#h = :h").name("#h", query.index.hash);
        condition
            .values
            .insert(":h".into(), to_attribute(&query.hash_value));
        if let (Some(range), Some(from)) = (query.index.range, &query.range_from) {
            condition = condition.and("#r >= :from").name("#r", range);
            condition
                .values
                .insert(":from".into(), AttributeValue::S(from.clone()));
        }
        let now = self.now();
        let mut items = Vec::new();
        let mut start = query
            .after
            .as_ref()
            .map(|after| start_key(query, after))
            .transpose()?
            .flatten();
        loop {
            let remaining = query.limit.map(|limit| limit - items.len());
            let page = self
                .client
                .query()
                .table_name(self.table_name(query.table))
                .index_name(query.index.name)
                .key_condition_expression(&condition.text)
                .set_expression_attribute_names(Some(condition.names.clone()))
                .set_expression_attribute_values(Some(condition.values.clone()))
                .set_limit(remaining.map(|n| i32::try_from(n).unwrap_or(i32::MAX)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(store_error)?;
            for item in page.items() {
                let item = to_item(query.table, item)?;
                if !query.table.expired(&item.body, now) {
                    items.push(item);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() || query.limit.is_some_and(|limit| items.len() >= limit) {
                return Ok(items);
            }
        }
    }

    /// Strongly consistent pages of Scan until the table's end.
    async fn scan(&self, table: Table) -> Result<Vec<Item>, StoreError> {
        let now = self.now();
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(self.table_name(table))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(store_error)?;
            for item in page.items() {
                let item = to_item(table, item)?;
                if !table.expired(&item.body, now) {
                    items.push(item);
                }
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// DynamoDB lets a transaction touch a record once. A batch whose later
    /// write to a record contradicts its earlier one (an insert after an
    /// increment, say) cannot succeed, so it is answered by checking the
    /// conditions before it, without writing; any other repeat is refused.
    async fn transact(&self, writes: &[Write]) -> Result<(), StoreError> {
        if writes.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let planned = writes
            .iter()
            .map(|write| self.plan(write, now))
            .collect::<Result<Vec<_>, _>>()?;
        match first_repeat(writes) {
            None => {
                let items = planned
                    .into_iter()
                    .map(Planned::write_item)
                    .collect::<Result<Vec<_>, _>>()?;
                let indices: Vec<usize> = (0..items.len()).collect();
                self.send(items, &indices).await
            }
            Some((earlier, later)) if contradicts(&writes[earlier], &writes[later]) => {
                let mut items = Vec::new();
                let mut indices = Vec::new();
                for (index, planned) in planned.into_iter().take(later).enumerate() {
                    if let Some(check) = planned.check_item()? {
                        items.push(check);
                        indices.push(index);
                    }
                }
                if !items.is_empty() {
                    self.send(items, &indices).await?;
                }
                Err(StoreError::ConditionFailed { index: later })
            }
            Some(_) => Err(StoreError::Invalid(
                "a batch may write a record once (a DynamoDB transaction touches an item once)"
                    .into(),
            )),
        }
    }
}

/// The `ExclusiveStartKey` that resumes `query` after `after`: the table's
/// key and the index's keys of that record. `None` when `after` lies before
/// `range_from` (the record has left the range since): every record in
/// range comes after it, and DynamoDB refuses a start key outside the key
/// condition.
fn start_key(query: &Query, after: &Position) -> Result<Option<Attributes>, StoreError> {
    let mut key = HashMap::from([
        (
            query.table.def().key.to_owned(),
            AttributeValue::S(after.key.clone()),
        ),
        (query.index.hash.to_owned(), to_attribute(&query.hash_value)),
    ]);
    if let Some(range) = query.index.range {
        let value = after.range.clone().ok_or_else(|| {
            StoreError::Invalid(format!(
                "a page of {} resumes at a range value",
                query.index.name
            ))
        })?;
        if query.range_from.as_ref().is_some_and(|from| value < *from) {
            return Ok(None);
        }
        key.insert(range.to_owned(), AttributeValue::S(value));
    }
    Ok(Some(key))
}
