//! A person's data across every table, found by email: what an operator's
//! lookup lists, an export returns and an erasure deletes or pseudonymizes
//! (docs/decisions.md, "Privacy").
//!
//! A person is found by scanning each table for any string that is one of
//! their addresses (case and `+tag` variants are one person), wherever it
//! sits: a record's own field, a team member, an owed access event's
//! detail, a coupon use's key (`CODE#key#n`), a stored response. No index
//! covers all of those, and an operator's search is rare.
//!
//! Erasure keeps the financial facts: a record a payment was taken for, and
//! the records shared with others or telling what was granted (teams,
//! coupon uses, access grants, owed events and journey starts), are kept
//! with the person's address replaced by a pseudonym and their own fields
//! (names, statement, notes, their time zone, a scholarship's application)
//! replaced or removed; every other record naming them is deleted.

use std::convert::Infallible;

use campaigns_contracts::records::{Scholarship, ScholarshipStatus};
use campaigns_core::email::canonical_key;
use campaigns_core::retention;
use campaigns_records::typed::UpdateError;
use campaigns_records::{Condition, Item, Records, StoreError, Table, Write};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::context::App;

/// Whose data: the canonical key of their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    key: String,
}

impl Person {
    pub fn new(email: &str) -> Person {
        Person {
            key: canonical_key(email),
        }
    }

    /// Whether `text` is one of the person's addresses.
    pub fn is(&self, text: &str) -> bool {
        text.contains('@') && canonical_key(text) == self.key
    }

    /// Whether `text` is an address of the person or a key made of `#`
    /// separated parts with one among them.
    fn named_in(&self, text: &str) -> bool {
        text.split('#').any(|part| self.is(part))
    }

    /// `text` with each of its `#` separated parts that is the person's
    /// address replaced by `pseudonym`.
    fn replaced_in(&self, text: &str, pseudonym: &str) -> String {
        text.split('#')
            .map(|part| if self.is(part) { pseudonym } else { part })
            .collect::<Vec<_>>()
            .join("#")
    }

    /// What stands for the person in the records an erasure keeps: the same
    /// for them every time, not reversible without the server's secret, and
    /// no address anyone receives mail at (`.invalid` is reserved).
    pub fn pseudonym(&self, app: &App) -> String {
        let digest = app.tokens.derive(&format!("erasure:{}", self.key));
        format!("erased-{}@erased.invalid", hex::encode(&digest[..8]))
    }
}

/// A record that names the person.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub table: Table,
    pub item: Item,
}

/// Every record of every table that names the person.
pub async fn find(records: &Records, person: &Person) -> Result<Vec<Found>, StoreError> {
    let mut found = Vec::new();
    for table in Table::ALL {
        for item in records.store().scan(table).await? {
            if names(&item.body, person) {
                found.push(Found { table, item });
            }
        }
    }
    Ok(found)
}

fn names(value: &Value, person: &Person) -> bool {
    match value {
        Value::String(text) => person.named_in(text),
        Value::Array(values) => values.iter().any(|value| names(value, person)),
        Value::Object(fields) => fields.values().any(|value| names(value, person)),
        _ => false,
    }
}

/// What an erasure does with a record that names the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Delete,
    Pseudonymize,
}

/// Keeps what is shared with others or tells what was paid or granted;
/// deletes the rest.
pub fn fate(table: Table, body: &Value) -> Fate {
    match table {
        Table::Teams
        | Table::CouponUsage
        | Table::AccessGrants
        | Table::AccessEvents
        | Table::JourneyStarts => Fate::Pseudonymize,
        Table::Scholarships
        | Table::DiscountPurchases
        | Table::PersonalizedPlans
        | Table::MockRegistrations
            if took_payment(body) =>
        {
            Fate::Pseudonymize
        }
        _ => Fate::Delete,
    }
}

fn took_payment(body: &Value) -> bool {
    body.get("paymentIntentId").is_some_and(|id| !id.is_null())
}

/// What the records an erasure keeps of a table still hold.
pub fn kept_facts(table: Table) -> &'static [&'static str] {
    match table {
        Table::Teams => &[
            "the team and every other member",
            "shares and amounts",
            "statuses and dates",
            "Stripe ids",
        ],
        Table::Scholarships => &[
            "the decision and percentage",
            "price and amounts",
            "dates",
            "Stripe ids",
        ],
        Table::DiscountPurchases | Table::PersonalizedPlans | Table::MockRegistrations => {
            &["product and amounts", "statuses and dates", "Stripe ids"]
        }
        Table::CouponUsage => &["the coupon use and its purchase", "dates"],
        Table::AccessGrants => &["product and period", "Stripe ids"],
        Table::AccessEvents | Table::JourneyStarts => &["what is owed, for whom by pseudonym"],
        _ => &[],
    }
}

/// Fields that are the person's own, by the field holding their address in
/// the same object: names get a placeholder (records require one), the
/// other fields are removed.
const NAMES_BESIDE: [(&str, &[&str]); 2] = [
    ("email", &["firstName", "lastName", "name"]),
    ("leaderEmail", &["leaderFirstName", "leaderLastName"]),
];
const REMOVED_BESIDE: [&str; 5] = [
    "statement",
    "reviewerNote",
    "timeZone",
    "application",
    "scoreReportKey",
];
const ERASED_NAME: &str = "Erased";

/// `body` with the person's address replaced by `pseudonym` everywhere and
/// their own fields replaced or removed.
pub fn pseudonymized(body: &Value, person: &Person, pseudonym: &str) -> Value {
    match body {
        Value::String(text) if person.named_in(text) => {
            Value::String(person.replaced_in(text, pseudonym))
        }
        Value::Array(values) => Value::Array(
            values
                .iter()
                .map(|value| pseudonymized(value, person, pseudonym))
                .collect(),
        ),
        Value::Object(fields) => Value::Object(pseudonymized_object(fields, person, pseudonym)),
        other => other.clone(),
    }
}

fn pseudonymized_object(
    fields: &Map<String, Value>,
    person: &Person,
    pseudonym: &str,
) -> Map<String, Value> {
    let theirs: Vec<&str> = fields
        .iter()
        .filter(|(_, value)| value.as_str().is_some_and(|text| person.is(text)))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut out: Map<String, Value> = fields
        .iter()
        .map(|(name, value)| (name.clone(), pseudonymized(value, person, pseudonym)))
        .collect();
    if theirs.is_empty() {
        return out;
    }
    for (address_field, names) in NAMES_BESIDE {
        if theirs.contains(&address_field) {
            for name in names {
                if out.contains_key(*name) {
                    out.insert((*name).into(), ERASED_NAME.into());
                }
            }
        }
    }
    if theirs.contains(&"email") {
        for removed in REMOVED_BESIDE {
            out.remove(removed);
        }
        // A scholarship's calculation explains the application point by point.
        if let Some(components) = out
            .get_mut("calculation")
            .and_then(|calculation| calculation.get_mut("components"))
        {
            *components = Value::Array(Vec::new());
        }
    }
    out
}

/// The writes that erase one record: a delete, or the pseudonymized body
/// (under a new key when its key named the person, as a coupon use's does).
pub fn erasure_writes(
    found: &Found,
    person: &Person,
    pseudonym: &str,
) -> Result<(Fate, Vec<Write>), StoreError> {
    let Found { table, item } = found;
    let delete = Write::Delete {
        table: *table,
        key: item.key.clone(),
        condition: Condition::Version(item.version),
    };
    match fate(*table, &item.body) {
        Fate::Delete => Ok((Fate::Delete, vec![delete])),
        Fate::Pseudonymize => {
            let body = pseudonymized(&item.body, person, pseudonym);
            let key = table
                .key_of(&body)
                .ok_or_else(|| StoreError::Invalid(format!("{table:?} record without its key")))?;
            let writes = if key == item.key {
                vec![Write::Put {
                    table: *table,
                    body,
                    condition: Condition::Version(item.version),
                }]
            } else {
                vec![
                    delete,
                    Write::Put {
                        table: *table,
                        body,
                        condition: Condition::NotExists,
                    },
                ]
            };
            Ok((Fate::Pseudonymize, writes))
        }
    }
}

/// What a redaction sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Redacted {
    /// Scholarships whose sensitive fields were removed.
    pub scholarships: u32,
}

/// Removes the sensitive fields — the application (income, employment,
/// refugee status), the statement, the reviewer's note and the calculation's
/// components — of every scholarship decided at least 90 days before `now`,
/// keeping its decision and price. A sweep runs it daily on AWS (a loop
/// does on one machine): no TTL can remove some fields of an item.
pub async fn redact_scholarships(app: &App, now: DateTime<Utc>) -> Result<Redacted, StoreError> {
    use ScholarshipStatus::*;
    let mut redacted = Redacted::default();
    for status in [
        Approved,
        Declined,
        Paid,
        Expired,
        Failed,
        Refunded,
        PaymentReview,
    ] {
        let decided: Vec<Scholarship> = app
            .records
            .query("status-index", super::api::status_text(&status), None)
            .await?;
        for scholarship in decided {
            let due = scholarship
                .decided_at
                .is_some_and(|at| retention::sensitive_scholarship_until(at) <= now);
            if !due || !sensitive(&scholarship) {
                continue;
            }
            let updated = app
                .records
                .update::<Scholarship, Infallible>(&scholarship.scholarship_id, |stored| {
                    stored.application = None;
                    stored.statement = None;
                    stored.reviewer_note = None;
                    stored.calculation.components.clear();
                    Ok(())
                })
                .await;
            match updated {
                Ok(_) => redacted.scholarships += 1,
                // Erased or expired meanwhile: nothing left to redact.
                Err(UpdateError::NotFound) => {}
                Err(UpdateError::Store(err)) => return Err(err),
                Err(UpdateError::Rejected(never)) => match never {},
            }
        }
    }
    if redacted.scholarships > 0 {
        tracing::info!(
            scholarships = redacted.scholarships,
            "removed the sensitive fields of scholarships decided 90 days ago"
        );
    }
    Ok(redacted)
}

fn sensitive(scholarship: &Scholarship) -> bool {
    scholarship.application.is_some()
        || scholarship.statement.is_some()
        || scholarship.reviewer_note.is_some()
        || !scholarship.calculation.components.is_empty()
}
