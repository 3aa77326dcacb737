use campaigns_core::money::Cents;
use proptest::prelude::*;
use serde::Deserialize;
use serde::de::value::{Error as ValueError, F64Deserializer};

fn parse(json: &str) -> Result<Cents, serde_json::Error> {
    serde_json::from_str(json)
}

#[test]
fn displays_two_decimals() {
    assert_eq!(Cents(9967).to_string(), "99.67");
    assert_eq!(Cents(29_900).to_string(), "299.00");
    assert_eq!(Cents(5).to_string(), "0.05");
    assert_eq!(Cents(0).to_string(), "0.00");
    assert_eq!(Cents(-50).to_string(), "-0.50");
    assert_eq!(Cents(-12_345).to_string(), "-123.45");
}

#[test]
fn formats_for_emails() {
    assert_eq!(Cents(9967).to_aud_string(), "$99.67 AUD");
    assert_eq!(Cents::from_dollars(299).to_aud_string(), "$299.00 AUD");
}

#[test]
fn whole_dollars_are_hundreds_of_cents() {
    assert_eq!(Cents::from_dollars(49), Cents(4_900));
    assert_eq!(Cents::from_dollars(0), Cents::ZERO);
}

#[test]
fn adds_subtracts_and_sums_exactly() {
    assert_eq!(Cents(9967) + Cents(33), Cents(10_000));
    assert_eq!(Cents(10_000) - Cents(33), Cents(9967));
    let shares = [Cents(9967), Cents(9967), Cents(9966)];
    assert_eq!(shares.into_iter().sum::<Cents>(), Cents(29_900));
}

#[test]
fn serializes_as_dollars() {
    assert_eq!(serde_json::to_string(&Cents(9967)).unwrap(), "99.67");
    assert_eq!(serde_json::to_string(&Cents(5)).unwrap(), "0.05");
    assert_eq!(serde_json::to_string(&Cents(29_900)).unwrap(), "299");
    assert_eq!(serde_json::to_string(&Cents(0)).unwrap(), "0");
}

#[test]
fn parses_dollar_amounts() {
    assert_eq!(parse("99.67").unwrap(), Cents(9967));
    assert_eq!(parse("299.00").unwrap(), Cents(29_900));
    assert_eq!(parse("299").unwrap(), Cents(29_900));
    assert_eq!(parse("0").unwrap(), Cents::ZERO);
    assert_eq!(parse("-0.0").unwrap(), Cents::ZERO);
    // Float noise below the tolerance is still a whole cent.
    assert_eq!(parse("0.30000000000000004").unwrap(), Cents(30));
    assert_eq!(parse("999999999.99").unwrap(), Cents(99_999_999_999));
}

#[test]
fn rejects_fractions_of_a_cent() {
    let err = parse("99.675").unwrap_err().to_string();
    assert!(err.contains("whole number of cents"), "{err}");
    assert!(parse("0.001").is_err());
    // Just outside the 1e-6 tolerance, and just inside.
    assert!(parse("1.000002").is_err());
    assert_eq!(parse("1.0000001").unwrap(), Cents(100));
}

#[test]
fn rejects_negative_amounts() {
    assert!(parse("-1").unwrap_err().to_string().contains("negative"));
    assert!(parse("-0.01").unwrap_err().to_string().contains("negative"));
}

#[test]
fn rejects_huge_amounts_at_the_limit() {
    assert_eq!(
        parse("1000000000").unwrap(),
        Cents::from_dollars(Cents::MAX_DOLLARS)
    );
    assert!(parse("1000000001").is_err());
    assert!(parse("1000000000.01").is_err());
    assert!(parse("1e300").is_err());
    assert!(parse("18446744073709551615").is_err());
}

#[test]
fn rejects_non_numbers() {
    assert!(parse("\"99.67\"").is_err());
    assert!(parse("null").is_err());
}

#[test]
fn rejects_nan_and_infinity() {
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let result = Cents::deserialize(F64Deserializer::<ValueError>::new(value));
        let err = result.unwrap_err().to_string();
        assert!(err.contains("finite"), "{value}: {err}");
    }
}

#[test]
fn schema_is_a_non_negative_number() {
    let schema = serde_json::to_value(schemars::schema_for!(Cents)).unwrap();
    assert_eq!(schema["type"], "number");
    assert_eq!(schema["minimum"], 0);
    assert_eq!(schema["maximum"], Cents::MAX_DOLLARS);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_amount_round_trips_through_json(cents in 0..=Cents::MAX_DOLLARS * 100) {
        let json = serde_json::to_string(&Cents(cents)).unwrap();
        prop_assert_eq!(parse(&json).unwrap(), Cents(cents));
    }

    #[test]
    fn display_reads_back_as_the_same_amount(cents in 0..=Cents::MAX_DOLLARS * 100) {
        let shown = Cents(cents).to_string();
        prop_assert_eq!(parse(&shown).unwrap(), Cents(cents));
    }
}
