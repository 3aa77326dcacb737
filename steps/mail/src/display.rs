//! How emails show times and scores. Amounts use `Cents::to_aud_string`.
//!
//! Records keep UTC; emails read times as ProDentHub's Australian customers
//! do. A mock exam's times are in the exam's own zone (its emails use
//! `campaigns_core::time_zone` directly); every other time — a deadline, an
//! access period, a tax invoice's date — is on the seller's clock, Sydney's,
//! with AEST or AEDT said.

use campaigns_core::time_zone::TimeZone;
use chrono::{DateTime, Utc};

/// The seller's zone: ProDentHub is in Sydney.
fn seller_zone() -> TimeZone {
    TimeZone::default()
}

/// `Saturday 22 March 2025, 11:00 AM AEDT`.
pub(crate) fn date_time(at: DateTime<Utc>) -> String {
    seller_zone().local(at).text
}

/// The seller's day of `at`, as a tax invoice's date of issue: `10 March
/// 2025`.
pub(crate) fn date(at: DateTime<Utc>) -> String {
    seller_zone().local_date(at).format("%-d %B %Y").to_string()
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
    fn times_are_sydneys_with_daylight_saving_said() {
        let summer = "2025-01-12T10:30:00Z".parse().unwrap();
        assert_eq!(date_time(summer), "Sunday 12 January 2025, 9:30 PM AEDT");
        let winter = "2025-07-12T10:30:00Z".parse().unwrap();
        assert_eq!(date_time(winter), "Saturday 12 July 2025, 8:30 PM AEST");
    }

    #[test]
    fn dates_are_sydneys_day() {
        // 10:59:59 on 11 March in Sydney (AEDT).
        let at = "2025-03-10T23:59:59Z".parse().unwrap();
        assert_eq!(date(at), "11 March 2025");
    }

    #[test]
    fn percentages_have_one_decimal() {
        assert_eq!(percent(71.25), "71.2%");
        assert_eq!(percent(60.0), "60.0%");
    }
}
