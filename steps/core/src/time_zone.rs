//! Time zones: an exam's local day and the times people read.
//!
//! Instants are stored and scheduled in UTC; a zone only changes how an
//! instant is named. Every exam has an IANA zone (default
//! `Australia/Sydney`), and a candidate may give their own. The IANA
//! database is compiled in (chrono-tz), so the rules of daylight saving
//! travel with the binary and nothing here reads the machine's zone.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use chrono_tz::{OffsetName, Tz};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The JSON Schema `format` of a zone name. The API's validator checks it
/// against the compiled-in database, so an unknown zone is refused with
/// the field named, like any other format.
pub const FORMAT: &str = "iana-time-zone";

/// An IANA time zone, written by its name (`Australia/Sydney`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(Tz);

/// An exam's zone unless it says otherwise: ProDentHub's candidates sit
/// exams on Sydney time.
impl Default for TimeZone {
    fn default() -> Self {
        TimeZone(chrono_tz::Australia::Sydney)
    }
}

impl TimeZone {
    /// The zone of an IANA name, exactly as the database spells it.
    pub fn parse(name: &str) -> Option<TimeZone> {
        Tz::from_str(name).ok().map(TimeZone)
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The calendar day `at` falls on here: an exam's `examDate`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// `at` as read here: the offset in force then, and its abbreviation.
    pub fn local(&self, at: DateTime<Utc>) -> LocalTime {
        let local = at.with_timezone(&self.0);
        let abbreviation = abbreviation(&local);
        LocalTime {
            text: format!(
                "{}, {} {abbreviation}",
                local.format("%A %-d %B %Y"),
                local.format("%-I:%M %p")
            ),
            date_time: local.fixed_offset(),
            abbreviation,
        }
    }

    /// `at` as this zone reads it, with `viewer`'s reading beside it when
    /// the viewer gave a zone that reads it otherwise: `Saturday 4 April
    /// 2026, 9:00 AM AEDT (Saturday 4 April 2026, 3:30 AM IST your time)`.
    pub fn display_for(&self, at: DateTime<Utc>, viewer: Option<TimeZone>) -> String {
        let here = self.local(at).text;
        match viewer.map(|viewer| viewer.local(at).text) {
            Some(theirs) if theirs != here => format!("{here} ({theirs} your time)"),
            _ => here,
        }
    }
}

/// The zone's abbreviation then (AEST, AEDT); zones the database names only
/// by offset read as `UTC+04:00`.
fn abbreviation(local: &DateTime<Tz>) -> String {
    match local.offset().abbreviation() {
        Some(name) if name.starts_with(|c: char| c.is_ascii_alphabetic()) => name.to_owned(),
        _ => format!("UTC{}", local.format("%:z")),
    }
}

/// An instant as read in a zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalTime {
    /// RFC 3339 with the zone's offset then: `2026-04-04T09:00:00+11:00`.
    pub date_time: DateTime<FixedOffset>,
    /// The zone's abbreviation then: `AEDT`.
    pub abbreviation: String,
    /// As emails show it: `Saturday 4 April 2026, 9:00 AM AEDT`.
    pub text: String,
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = Cow::<str>::deserialize(deserializer)?;
        TimeZone::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("{name:?} is not an IANA time zone name"))
        })
    }
}

impl JsonSchema for TimeZone {
    fn schema_name() -> Cow<'static, str> {
        "TimeZone".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": FORMAT,
            "minLength": 1,
            "maxLength": 64,
            "description": "An IANA time zone name, e.g. Australia/Sydney.",
            "examples": ["Australia/Sydney"]
        })
    }
}
