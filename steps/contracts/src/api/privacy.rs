//! A person's data, found by email: an operator's lookup of a customer, the
//! export of everything held about them, and its erasure (docs/operations.md,
//! "Erasing or exporting a person's data"). The email travels in the body,
//! never in a URL, so it does not land in access logs.

use std::collections::BTreeMap;

use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::Email;
use crate::Example;

/// Whose data: an email, matched as limits match a person (case and `+tag`
/// variants of one address are one person).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonRequest {
    pub email: Email,
}

/// A customer's records, one line each, newest first: what an operator's
/// table shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerRecords {
    pub records: Vec<CustomerRecordSummary>,
}

/// One record that names the customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerRecordSummary {
    /// The table (its default name, e.g. `prodenthub-discount-purchases`).
    pub table: String,
    pub kind: RecordKind,
    /// The record's key (for a team, the team's id).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<CampaignId>,
    /// The record's status as stored (`paid`, `pending_review`, …); a team
    /// member's is their share's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// What the customer pays or paid, in dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Cents>,
    /// Refunded so far, in dollars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_refunded: Option<Cents>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    /// The latest instant the record names (paid, decided, refunded, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// What a record is to the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// A team the customer leads.
    TeamLeader,
    /// A team the customer pays a share of.
    TeamMember,
    Scholarship,
    DiscountPurchase,
    PersonalizedPlan,
    MockRegistration,
    CouponUse,
    AccessGrant,
}

/// Every record held about an email, whole, by table; the uploaded score
/// reports by key; the messages in the outbox (on AWS, SES keeps none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonalDataExport {
    pub email: String,
    pub exported_at: DateTime<Utc>,
    /// Table (default name) => the records in it that name the email.
    pub records: BTreeMap<String, Vec<serde_json::Value>>,
    /// Keys of the uploaded score reports of the email's plans.
    pub score_reports: Vec<String>,
    pub outbox: Vec<OutboxMessage>,
}

/// A message kept in the outbox (one machine only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OutboxMessage {
    pub message_id: String,
    pub to: String,
    pub subject: String,
}

/// What an erasure did. Records with no financial fact are deleted; the
/// financial records (a payment was taken: amounts, dates, Stripe ids,
/// invoice numbers) are kept with the person's fields replaced by the
/// pseudonym. Sent again, it finds nothing more to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ErasureReport {
    /// What now stands for the email in the records kept: the same for one
    /// person every time, and no address anyone receives mail at.
    pub pseudonym: String,
    pub erased_at: DateTime<Utc>,
    /// One line per table that held something of the person.
    pub tables: Vec<TableErasure>,
    /// Uploaded score reports deleted.
    pub score_reports_deleted: u32,
    /// Outbox messages deleted.
    pub outbox_messages_deleted: u32,
}

/// What an erasure did in one table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TableErasure {
    pub table: String,
    /// Records removed whole.
    pub deleted: u32,
    /// Records kept, the person's fields replaced.
    pub pseudonymized: u32,
    /// What the kept records still hold (the financial facts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<String>,
}

impl Example for PersonRequest {
    fn example() -> Self {
        PersonRequest {
            email: "buyer@example.com".into(),
        }
    }
}

impl Example for CustomerRecords {
    fn example() -> Self {
        CustomerRecords {
            records: vec![
                CustomerRecordSummary {
                    table: "prodenthub-discount-purchases".into(),
                    kind: RecordKind::DiscountPurchase,
                    id: "pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
                    campaign_id: Some(CampaignId::DiscountPurchase),
                    status: Some("paid".into()),
                    amount: Some(Cents(15_920)),
                    amount_refunded: None,
                    created_at: Some("2025-03-10T08:00:00Z".parse().expect("valid timestamp")),
                    updated_at: Some("2025-03-10T08:04:12Z".parse().expect("valid timestamp")),
                },
                CustomerRecordSummary {
                    table: "prodenthub-access-grants".into(),
                    kind: RecordKind::AccessGrant,
                    id: "grant_pur_01JH3Z8Q4W6T2V9K5M7N1P3R".into(),
                    campaign_id: Some(CampaignId::DiscountPurchase),
                    status: Some("active".into()),
                    amount: None,
                    amount_refunded: None,
                    created_at: Some("2025-03-10T08:04:12Z".parse().expect("valid timestamp")),
                    updated_at: None,
                },
            ],
        }
    }
}

impl Example for PersonalDataExport {
    fn example() -> Self {
        let purchase = serde_json::to_value(crate::records::DiscountPurchase::example())
            .expect("records serialize");
        PersonalDataExport {
            email: "buyer@example.com".into(),
            exported_at: "2025-04-01T09:00:00Z".parse().expect("valid timestamp"),
            records: BTreeMap::from([("prodenthub-discount-purchases".into(), vec![purchase])]),
            score_reports: vec![],
            outbox: vec![OutboxMessage {
                message_id: "20250310T080412.123456789Z-4242-7".into(),
                to: "buyer@example.com".into(),
                subject: "Tax invoice INV-2025-000123".into(),
            }],
        }
    }
}

impl Example for ErasureReport {
    fn example() -> Self {
        ErasureReport {
            pseudonym: "erased-3f9a1c0d5e7b2a46@erased.invalid".into(),
            erased_at: "2025-04-01T09:00:00Z".parse().expect("valid timestamp"),
            tables: vec![
                TableErasure {
                    table: "prodenthub-discount-purchases".into(),
                    deleted: 1,
                    pseudonymized: 1,
                    kept: vec![
                        "amounts".into(),
                        "dates".into(),
                        "Stripe ids".into(),
                        "status".into(),
                    ],
                },
                TableErasure {
                    table: "prodenthub-idempotency-keys".into(),
                    deleted: 2,
                    pseudonymized: 0,
                    kept: vec![],
                },
            ],
            score_reports_deleted: 0,
            outbox_messages_deleted: 3,
        }
    }
}
