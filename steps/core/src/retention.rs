//! How long personal data is kept (DESIGN.md, "Privacy"): a record a
//! payment was taken for is a financial record, kept five years (the ATO's
//! period); a record that never took a payment is kept a short while after
//! it ended (for the customer's questions); a record still open is kept at
//! most a year, so nothing stranded lives forever; a scholarship's
//! sensitive fields go 90 days after its decision.
//!
//! Each rule answers an instant; the records carry it as their `ttl`, after
//! which both stores read them as absent and DynamoDB deletes them.

use chrono::{DateTime, Months, TimeDelta, Utc};

/// Financial records: five years after the payment.
pub const FINANCIAL_RECORD_MONTHS: u32 = 60;
/// A record that ended without a payment (declined, expired, failed,
/// released).
pub const UNPAID_DAYS: i64 = 90;
/// A record still open (waiting for a payment or a reviewer), or one that
/// served access without a payment (a free exam seat and its results).
pub const OPEN_DAYS: i64 = 365;
/// A scholarship's income, employment and refugee status, after its decision.
pub const SENSITIVE_SCHOLARSHIP_DAYS: i64 = 90;

/// Where a record stands, for its retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A payment was taken at this instant (or authorized; refunds included).
    Paid(DateTime<Utc>),
    /// It ended without a payment at this instant.
    Unpaid(DateTime<Utc>),
    /// Created at this instant and not ended, or ended having served
    /// access no payment bought.
    Open(DateTime<Utc>),
}

/// Until when a record of that standing is kept.
pub fn kept_until(standing: Standing) -> DateTime<Utc> {
    match standing {
        Standing::Paid(at) => at
            .checked_add_months(Months::new(FINANCIAL_RECORD_MONTHS))
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
        Standing::Unpaid(at) => at + TimeDelta::days(UNPAID_DAYS),
        Standing::Open(at) => at + TimeDelta::days(OPEN_DAYS),
    }
}

/// When a scholarship decided at `decided_at` loses its sensitive fields.
pub fn sensitive_scholarship_until(decided_at: DateTime<Utc>) -> DateTime<Utc> {
    decided_at + TimeDelta::days(SENSITIVE_SCHOLARSHIP_DAYS)
}
