//! Exams at 9:00 in Sydney on both sides of each daylight-saving change of
//! 2026 (AEDT ends on Sunday 5 April, starts on Sunday 4 October): the local
//! day, the UTC instant, the reminder 24 hours before, the times as read.

use campaigns_core::time_zone::TimeZone;
use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone as _, Utc};

fn sydney() -> TimeZone {
    TimeZone::default()
}

fn zone(name: &str) -> TimeZone {
    TimeZone::parse(name).expect("a zone")
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().expect("a timestamp")
}

/// 9:00 on `day` in Sydney, as the instant an admin would send.
fn nine_in_sydney(day: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Australia::Sydney
        .from_local_datetime(&day.and_hms_opt(9, 0, 0).expect("a time"))
        .single()
        .expect("9:00 exists once")
        .with_timezone(&Utc)
}

#[test]
fn the_default_zone_is_sydney() {
    assert_eq!(sydney().name(), "Australia/Sydney");
}

#[test]
fn nine_in_sydney_around_both_daylight_saving_changes() {
    // (local day, UTC instant, abbreviation, reminder instant, reminder as read)
    let cases = [
        (
            "2026-04-04",
            "2026-04-03T22:00:00Z",
            "Saturday 4 April 2026, 9:00 AM AEDT",
            "2026-04-02T22:00:00Z",
            "Friday 3 April 2026, 9:00 AM AEDT",
        ),
        (
            "2026-04-06",
            "2026-04-05T23:00:00Z",
            "Monday 6 April 2026, 9:00 AM AEST",
            "2026-04-04T23:00:00Z",
            "Sunday 5 April 2026, 9:00 AM AEST",
        ),
        (
            "2026-10-03",
            "2026-10-02T23:00:00Z",
            "Saturday 3 October 2026, 9:00 AM AEST",
            "2026-10-01T23:00:00Z",
            "Friday 2 October 2026, 9:00 AM AEST",
        ),
        (
            "2026-10-05",
            "2026-10-04T22:00:00Z",
            "Monday 5 October 2026, 9:00 AM AEDT",
            "2026-10-03T22:00:00Z",
            "Sunday 4 October 2026, 9:00 AM AEDT",
        ),
    ];
    for (day, instant, shown, reminder, reminder_shown) in cases {
        let day: NaiveDate = day.parse().expect("a date");
        let starts_at = nine_in_sydney(day);
        assert_eq!(starts_at, utc(instant), "{day}");
        // The UTC day is the day before: examDate is the local one.
        assert_eq!(sydney().local_date(starts_at), day);
        assert_ne!(starts_at.date_naive(), day);
        assert_eq!(sydney().local(starts_at).text, shown);
        let reminder_at = starts_at - TimeDelta::hours(24);
        assert_eq!(reminder_at, utc(reminder), "{day}");
        assert_eq!(sydney().local(reminder_at).text, reminder_shown);
    }
}

#[test]
fn a_reminder_24_hours_before_a_change_reads_an_hour_off_locally() {
    // Sunday 5 April 2026 at 9:00 AEST: 24 real hours earlier was 10:00
    // AEDT, because the night between had 25 hours.
    let starts_at = nine_in_sydney("2026-04-05".parse().expect("a date"));
    assert_eq!(starts_at, utc("2026-04-04T23:00:00Z"));
    assert_eq!(
        sydney().local(starts_at - TimeDelta::hours(24)).text,
        "Saturday 4 April 2026, 10:00 AM AEDT"
    );
}

#[test]
fn the_local_time_carries_the_offset_and_abbreviation() {
    let local = sydney().local(utc("2026-04-03T22:00:00Z"));
    assert_eq!(local.date_time.to_rfc3339(), "2026-04-04T09:00:00+11:00");
    assert_eq!(local.abbreviation, "AEDT");
    let local = sydney().local(utc("2026-04-05T23:00:00Z"));
    assert_eq!(local.date_time.to_rfc3339(), "2026-04-06T09:00:00+10:00");
    assert_eq!(local.abbreviation, "AEST");
}

#[test]
fn a_candidate_in_another_zone_sees_both_times() {
    let starts_at = utc("2026-04-03T22:00:00Z");
    assert_eq!(
        sydney().display_for(starts_at, Some(zone("Asia/Kolkata"))),
        "Saturday 4 April 2026, 9:00 AM AEDT (Saturday 4 April 2026, 3:30 AM IST your time)"
    );
    // New Zealand leaves daylight saving on the same night.
    assert_eq!(
        sydney().display_for(utc("2026-04-05T23:00:00Z"), Some(zone("Pacific/Auckland"))),
        "Monday 6 April 2026, 9:00 AM AEST (Monday 6 April 2026, 11:00 AM NZST your time)"
    );
    // The viewer's day may differ from the exam's.
    assert_eq!(
        sydney().display_for(starts_at, Some(zone("America/Los_Angeles"))),
        "Saturday 4 April 2026, 9:00 AM AEDT (Friday 3 April 2026, 3:00 PM PDT your time)"
    );
}

#[test]
fn no_second_time_without_another_reading() {
    let starts_at = utc("2026-10-02T23:00:00Z");
    let alone = "Saturday 3 October 2026, 9:00 AM AEST";
    assert_eq!(sydney().display_for(starts_at, None), alone);
    assert_eq!(sydney().display_for(starts_at, Some(sydney())), alone);
    // Melbourne reads Sydney's times alike.
    assert_eq!(
        sydney().display_for(starts_at, Some(zone("Australia/Melbourne"))),
        alone
    );
}

#[test]
fn zones_named_only_by_offset_read_as_utc_offsets() {
    let local = zone("Asia/Dubai").local(utc("2026-04-03T22:00:00Z"));
    assert_eq!(local.abbreviation, "UTC+04:00");
    assert_eq!(local.text, "Saturday 4 April 2026, 2:00 AM UTC+04:00");
}

#[test]
fn names_are_parsed_exactly_and_round_trip() {
    assert_eq!(zone("Asia/Kolkata").name(), "Asia/Kolkata");
    for wrong in [
        "",
        "Sydney",
        "australia/sydney",
        "Mars/Olympus_Mons",
        "UTC+10",
    ] {
        assert!(TimeZone::parse(wrong).is_none(), "{wrong}");
    }
    let json = serde_json::to_string(&zone("Pacific/Auckland")).expect("serializes");
    assert_eq!(json, "\"Pacific/Auckland\"");
    let back: TimeZone = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, zone("Pacific/Auckland"));
    assert!(serde_json::from_str::<TimeZone>("\"Mars/Olympus_Mons\"").is_err());
}
