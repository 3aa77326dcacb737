//! Typed access to any [`RecordStore`]: records in, records out.

use std::sync::Arc;

use campaigns_contracts::records::{
    AccessGrant, CouponRecord, CouponUsage, DiscountPurchase, IdempotencyRecord, JourneyStart,
    MockExam, MockRegistration, MockStatistics, OwedAccessEvent, PaymentWait, PersonalizedPlan,
    Scholarship, Team, WebhookEvent,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::optimistic::{self, Attempt};
use crate::port::{Condition, Item, Position, Query, RecordStore, StoreError, Write};
use crate::retention::Retained;
use crate::table::{TTL, Table};
use campaigns_core::retention;
use chrono::{DateTime, Utc};

/// A record type and the table it lives in.
pub trait Record: Serialize + DeserializeOwned + Send + Sync + 'static {
    const TABLE: Table;

    /// Until when a record of personal data is kept: every [`put`] writes
    /// it as the record's [`TTL`]. `None` for records that carry their own
    /// `ttl` or hold nobody's data.
    fn kept_until(&self) -> Option<DateTime<Utc>> {
        None
    }
}

macro_rules! records {
    ($($record:ty => $table:ident),* $(,)?) => {
        $(impl Record for $record { const TABLE: Table = Table::$table; })*
    };
}

/// Records of personal data, kept as `campaigns_core::retention` says.
macro_rules! retained_records {
    ($($record:ty => $table:ident),* $(,)?) => {
        $(impl Record for $record {
            const TABLE: Table = Table::$table;
            fn kept_until(&self) -> Option<DateTime<Utc>> {
                Some(retention::kept_until(Retained::standing(self)))
            }
        })*
    };
}

retained_records! {
    Team => Teams,
    Scholarship => Scholarships,
    CouponUsage => CouponUsage,
    DiscountPurchase => DiscountPurchases,
    PersonalizedPlan => PersonalizedPlans,
    MockRegistration => MockRegistrations,
}

records! {
    CouponRecord => Coupons,
    MockExam => MockExams,
    MockStatistics => MockStatistics,
    WebhookEvent => WebhookEvents,
    PaymentWait => PaymentWaits,
    AccessGrant => AccessGrants,
    IdempotencyRecord => IdempotencyKeys,
    JourneyStart => JourneyStarts,
    OwedAccessEvent => AccessEvents,
}

/// A page of records, and where the next one starts (`None` on the last).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub records: Vec<T>,
    pub next: Option<Position>,
}

/// A record as read, with the version a conditional write must name.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<T> {
    pub record: T,
    pub version: u64,
}

/// Why an optimistic update did not happen.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum UpdateError<E> {
    #[error("no such record")]
    NotFound,
    /// The change itself refused (e.g. the record is in the wrong state).
    #[error("the change was refused")]
    Rejected(E),
    #[error(transparent)]
    Store(StoreError),
}

impl<E> From<StoreError> for UpdateError<E> {
    fn from(err: StoreError) -> Self {
        UpdateError::Store(err)
    }
}

/// The typed face of a store; cheap to clone.
#[derive(Clone)]
pub struct Records {
    store: Arc<dyn RecordStore>,
}

impl Records {
    pub fn new(store: Arc<dyn RecordStore>) -> Self {
        Records { store }
    }

    pub fn store(&self) -> &dyn RecordStore {
        self.store.as_ref()
    }

    pub async fn get<T: Record>(&self, key: &str) -> Result<Option<Versioned<T>>, StoreError> {
        match self.store.get(T::TABLE, key).await? {
            None => Ok(None),
            Some(item) => Ok(Some(decode(item)?)),
        }
    }

    /// Creates the record; `ConditionFailed` if its key is taken.
    pub async fn insert<T: Record>(&self, record: &T) -> Result<(), StoreError> {
        self.store
            .transact(&[put(record, Condition::NotExists)?])
            .await
    }

    /// Records of `T`'s table by one of its indexes.
    pub async fn query<T: Record>(
        &self,
        index: &str,
        hash_value: impl Into<Value>,
        range_from: Option<String>,
    ) -> Result<Vec<T>, StoreError> {
        let index = T::TABLE
            .index(index)
            .ok_or_else(|| StoreError::Invalid(format!("{:?} has no index {index}", T::TABLE)))?;
        let query = Query {
            table: T::TABLE,
            index,
            hash_value: hash_value.into(),
            range_from,
            after: None,
            limit: None,
        };
        let items = self.store.query(&query).await?;
        items
            .into_iter()
            .map(|item| Ok(decode::<T>(item)?.record))
            .collect()
    }

    /// One page of [`Records::query`]: at most `limit` records after
    /// `after`, and where the next page starts if there is one.
    pub async fn query_page<T: Record>(
        &self,
        index: &str,
        hash_value: impl Into<Value>,
        range_from: Option<String>,
        after: Option<Position>,
        limit: usize,
    ) -> Result<Page<T>, StoreError> {
        let index = T::TABLE
            .index(index)
            .ok_or_else(|| StoreError::Invalid(format!("{:?} has no index {index}", T::TABLE)))?;
        let limit = limit.max(1);
        // One more than the page, to know whether another follows.
        let query = Query {
            table: T::TABLE,
            index,
            hash_value: hash_value.into(),
            range_from,
            after,
            limit: Some(limit + 1),
        };
        let mut items = self.store.query(&query).await?;
        let next = (items.len() > limit).then(|| Position::of(&items[limit - 1], index));
        items.truncate(limit);
        let records = items
            .into_iter()
            .map(|item| Ok(decode::<T>(item)?.record))
            .collect::<Result<_, StoreError>>()?;
        Ok(Page { records, next })
    }

    /// Reads the record, applies `change`, and writes it back only if nobody
    /// wrote in between; on a lost race it re-reads and tries again.
    pub async fn update<T, E>(
        &self,
        key: &str,
        mut change: impl FnMut(&mut T) -> Result<(), E> + Send,
    ) -> Result<T, UpdateError<E>>
    where
        T: Record,
    {
        let what = format!("{:?}/{key}", T::TABLE);
        optimistic::until_written(
            self.store(),
            &what,
            || self.get::<T>(key),
            |found| {
                let Some(Versioned {
                    mut record,
                    version,
                }) = found
                else {
                    return Err(UpdateError::NotFound);
                };
                change(&mut record).map_err(UpdateError::Rejected)?;
                let write = put(&record, Condition::Version(version))?;
                Ok(Attempt::Write(vec![write], record))
            },
            optimistic::always_retry,
        )
        .await
    }
}

/// A write that stores `record` in its table if `condition` holds.
pub fn put<T: Record>(record: &T, condition: Condition) -> Result<Write, StoreError> {
    let mut body = serde_json::to_value(record)
        .map_err(|err| StoreError::Invalid(format!("{:?} record: {err}", T::TABLE)))?;
    if let (Some(until), Some(fields)) = (record.kept_until(), body.as_object_mut()) {
        fields.insert(TTL.into(), until.timestamp().into());
    }
    Ok(Write::Put {
        table: T::TABLE,
        body,
        condition,
    })
}

fn decode<T: Record>(item: Item) -> Result<Versioned<T>, StoreError> {
    let record = serde_json::from_value(item.body).map_err(|err| {
        StoreError::Invalid(format!(
            "stored {:?}/{} does not parse: {err}",
            T::TABLE,
            item.key
        ))
    })?;
    Ok(Versioned {
        record,
        version: item.version,
    })
}
