//! How emails show times and scores. Amounts use `Cents::to_aud_string`.
//!
//! Records keep UTC. Mock exams have a zone and their emails read times in
//! it (`campaigns_core::time_zone`); the other records have none yet, so
//! their times say they are UTC rather than pretending to be local.

use chrono::{DateTime, Utc};

/// `Saturday 22 March 2025, 00:00 UTC`.
pub(crate) fn date_time(at: DateTime<Utc>) -> String {
    at.format("%A %-d %B %Y, %H:%M UTC").to_string()
}

/// The UTC day of `at`, as a tax invoice's date of issue: `10 March 2025`.
pub(crate) fn date(at: DateTime<Utc>) -> String {
    at.format("%-d %B %Y").to_string()
}

/// A score or rate in percent, to one decimal: `68.5%`.
pub(crate) fn percent(value: f64) -> String {
    format!("{value:.1}%")
}

/// `Jane Smith`; a missing part leaves no stray space.
pub(crate) fn full_name(first: &str, last: &str) -> String {
    format!("{first} {last}").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_say_they_are_utc() {
        let at = "2025-01-12T10:30:00Z".parse().unwrap();
        assert_eq!(date_time(at), "Sunday 12 January 2025, 10:30 UTC");
    }

    #[test]
    fn dates_are_the_utc_day() {
        let at = "2025-03-10T23:59:59Z".parse().unwrap();
        assert_eq!(date(at), "10 March 2025");
    }

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(percent(71.25), "71.2%");
        assert_eq!(percent(60.0), "60.0%");
    }
}
