//! Money as integer cents (AUD).
//!
//! Every price, share and discount is computed in whole cents so that sums are
//! exact: three team shares of $299.00 add up to $299.00, not $298.99. Records
//! and API bodies show amounts the way the seed's sample records do, as a JSON
//! number in dollars (`99.67`); [`Cents`] converts at that boundary only.

use std::borrow::Cow;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Sub};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of Australian dollars, in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// Largest amount accepted from JSON. Far above any price we sell, and low
    /// enough that a JSON number in dollars still resolves to an exact cent.
    pub const MAX_DOLLARS: i64 = 1_000_000_000;

    /// How far a JSON amount may be from a whole cent and still count as one:
    /// `99.67` is not exactly representable as a binary float.
    const WHOLE_CENT_TOLERANCE: f64 = 1e-6;

    /// Whole dollars, e.g. the catalog's `$49`.
    pub const fn from_dollars(dollars: i64) -> Cents {
        Cents(dollars * 100)
    }

    /// The amount for emails: `$99.67 AUD`.
    pub fn to_aud_string(self) -> String {
        format!("${self} AUD")
    }
}

/// Two decimals, no currency sign: `99.67`, `299.00`, `-0.50`.
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, other: Cents) -> Cents {
        Cents(self.0 + other.0)
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, other: Cents) -> Cents {
        Cents(self.0 - other.0)
    }
}

impl Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        iter.fold(Cents::ZERO, Add::add)
    }
}

/// A JSON number in dollars, as in the seed's records: `99.67`, and whole
/// amounts as integers (`299`), which JSON treats as equal to `299.00`.
impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            // The nearest binary float to n/100 prints back as the two-decimal
            // amount for every amount up to MAX_DOLLARS.
            serializer.serialize_f64(self.0 as f64 / 100.0)
        }
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Cents, D::Error> {
        deserializer.deserialize_f64(DollarsVisitor)
    }
}

struct DollarsVisitor;

impl Visitor<'_> for DollarsVisitor {
    type Value = Cents;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "an amount in AUD from 0 to {} with at most two decimals",
            Cents::MAX_DOLLARS
        )
    }

    fn visit_u64<E: de::Error>(self, dollars: u64) -> Result<Cents, E> {
        match i64::try_from(dollars) {
            Ok(dollars) if dollars <= Cents::MAX_DOLLARS => Ok(Cents::from_dollars(dollars)),
            _ => Err(E::custom(format!(
                "amount must be at most {}",
                Cents::MAX_DOLLARS
            ))),
        }
    }

    fn visit_i64<E: de::Error>(self, dollars: i64) -> Result<Cents, E> {
        if dollars < 0 {
            return Err(E::custom("amount must not be negative"));
        }
        self.visit_u64(dollars.unsigned_abs())
    }

    fn visit_f64<E: de::Error>(self, dollars: f64) -> Result<Cents, E> {
        if !dollars.is_finite() {
            return Err(E::custom("amount must be a finite number"));
        }
        if dollars < 0.0 {
            return Err(E::custom("amount must not be negative"));
        }
        if dollars > Cents::MAX_DOLLARS as f64 {
            return Err(E::custom(format!(
                "amount must be at most {}",
                Cents::MAX_DOLLARS
            )));
        }
        let cents = (dollars * 100.0).round();
        if (dollars - cents / 100.0).abs() > Cents::WHOLE_CENT_TOLERANCE {
            return Err(E::custom(
                "amount must be a whole number of cents (at most two decimals)",
            ));
        }
        // In range and whole, so the conversion is exact.
        Ok(Cents(cents as i64))
    }
}

impl JsonSchema for Cents {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Cents".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "number",
            "minimum": 0,
            "maximum": Cents::MAX_DOLLARS,
            "description": "Amount in AUD with at most two decimals, e.g. 99.67.",
        })
    }
}
