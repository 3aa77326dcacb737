//! The JSON Schemas describe the JSON the types actually read and write:
//! same field names, and every required field present.

use std::collections::BTreeMap;

use campaigns_core::cluster::{self, ScoreReport};
use campaigns_core::coupon::{self, Coupon, Discount, Redemption};
use campaigns_core::scholarship::{self, Applicant, EmploymentStatus};
use campaigns_core::stats::{self, ExamResult};
use schemars::{JsonSchema, schema_for};
use serde::Serialize;
use serde_json::{Value, json};

/// Top-level property names of a schema, including those of `oneOf`
/// branches (the coupon's `type` and `value`), and its required ones.
fn properties(schema: &Value) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut required = Vec::new();
    let branches = schema["oneOf"].as_array().cloned().unwrap_or_default();
    for part in std::iter::once(schema).chain(branches.iter()) {
        if let Some(props) = part["properties"].as_object() {
            names.extend(props.keys().cloned());
        }
        if let Some(req) = part["required"].as_array() {
            required.extend(req.iter().map(|r| r.as_str().unwrap().to_string()));
        }
    }
    (names, required)
}

fn check<T: JsonSchema + Serialize>(sample: &T) {
    let schema = serde_json::to_value(schema_for!(T)).unwrap();
    let (names, required) = properties(&schema);
    let json = serde_json::to_value(sample).unwrap();
    let object = json.as_object().unwrap();
    for key in object.keys() {
        assert!(
            names.contains(key),
            "{} has no property {key}",
            T::schema_name()
        );
    }
    for key in &required {
        assert!(
            object.contains_key(key),
            "{} sample lacks {key}",
            T::schema_name()
        );
    }
}

#[test]
fn record_and_api_types_match_their_schemas() {
    let coupon: Coupon = serde_json::from_value(json!({
        "couponCode": "SAVE20", "type": "percentage", "value": 20, "minPurchase": 100,
        "maxDiscount": 50, "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2025-12-31T23:59:59Z", "usageLimit": 100, "usageCount": 45,
        "perUserLimit": 1, "applicablePlans": ["standard", "full", "premium"], "status": "active"
    }))
    .unwrap();
    check(&coupon);
    let discount: Discount = coupon::validate(
        Some(&coupon),
        &Redemption {
            now: "2025-06-01T00:00:00Z".parse().unwrap(),
            plan: campaigns_core::catalog::PlanFamily::Full,
            price: campaigns_core::money::Cents(19_900),
            user_uses: 0,
        },
    )
    .unwrap();
    check(&discount);

    let applicant = Applicant {
        household_income: 42_000,
        household_size: 3,
        country: "Egypt".into(),
        employment_status: EmploymentStatus::PartTime,
        refugee_or_asylum_seeker: false,
        latest_exam_score: Some(58.0),
    };
    check(&applicant);
    check(&scholarship::calculate(&applicant).unwrap());

    let report = ScoreReport {
        clinical_percent: 52.0,
        theory_percent: 66.0,
        overall_percent: 59.0,
        questions_answered: 148,
        questions_total: 150,
        time_used_minutes: 190,
        time_allowed_minutes: 210,
    };
    check(&report);
    let assessment = cluster::assess(&report).unwrap();
    check(&assessment);
    check(&assessment.fits[0]);
    check(&assessment.fits[0].roadmap);

    let result = ExamResult {
        registration_id: "reg_1".into(),
        score: 68.5,
        section_scores: BTreeMap::from([("clinical".into(), 64.0)]),
        answers: Some(vec![true, false]),
    };
    check(&result);
    let statistics = stats::compute(&[result], 60.0).unwrap();
    check(&statistics);
    check(&statistics.item_analysis.unwrap());
}

#[test]
fn coupon_schema_carries_the_value_rules() {
    let coupon = serde_json::to_value(schema_for!(Coupon)).unwrap();
    assert_eq!(coupon["properties"]["applicablePlans"]["minItems"], 1);
    assert_eq!(coupon["properties"]["minPurchase"]["type"], "number");
    let percentage = &coupon["oneOf"][0]["properties"]["value"];
    assert_eq!(
        (
            percentage["minimum"].as_i64(),
            percentage["maximum"].as_i64()
        ),
        (Some(1), Some(100))
    );
}
