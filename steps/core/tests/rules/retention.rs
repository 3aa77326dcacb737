//! How long personal data is kept: five years from a payment (the ATO's
//! period, calendar months, so a payment on 29 February ends on 28
//! February), 90 days after an unpaid end, a year from an open record's
//! creation, and a scholarship's sensitive fields 90 days after its decision.

use campaigns_core::retention::{Standing, kept_until, sensitive_scholarship_until};
use chrono::{DateTime, Utc};

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("an instant")
}

#[test]
fn a_financial_record_is_kept_five_years_from_its_payment() {
    assert_eq!(
        kept_until(Standing::Paid(at("2025-03-10T08:04:12Z"))),
        at("2030-03-10T08:04:12Z")
    );
    assert_eq!(
        kept_until(Standing::Paid(at("2028-02-29T12:00:00Z"))),
        at("2033-02-28T12:00:00Z")
    );
}

#[test]
fn an_unpaid_record_is_kept_90_days_after_it_ended() {
    assert_eq!(
        kept_until(Standing::Unpaid(at("2025-03-10T08:00:00Z"))),
        at("2025-06-08T08:00:00Z")
    );
}

#[test]
fn an_open_record_is_kept_a_year_from_its_creation() {
    assert_eq!(
        kept_until(Standing::Open(at("2025-03-10T08:00:00Z"))),
        at("2026-03-10T08:00:00Z")
    );
}

#[test]
fn a_scholarships_sensitive_fields_go_90_days_after_the_decision() {
    assert_eq!(
        sensitive_scholarship_until(at("2025-02-03T09:15:00Z")),
        at("2025-05-04T09:15:00Z")
    );
}
