//! The typed contracts against their published documents: `schemas/` is
//! current, every example is accepted, the seed's samples round-trip, and a
//! rejected request names its field and rule.

use std::path::Path;

use campaigns_app::schema_files;
use campaigns_contracts::api::{CreateTeamRequest, ScholarshipInput};
use campaigns_contracts::records::{CouponRecord, Team};
use campaigns_contracts::routes::{Access, Method, routes};
use campaigns_contracts::validation::parse_value;
use campaigns_contracts::{Example, export, openapi};
use serde_json::{Value, json};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
}

#[test]
fn committed_schemas_are_what_the_types_generate() {
    let problems = export::differences(&workspace_root().join("schemas"), &schema_files())
        .expect("schemas/ reads");
    assert!(
        problems.is_empty(),
        "schemas/ is stale; run `cargo run -- schemas`:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_request_example_is_accepted_by_the_api() {
    for route in routes() {
        if let Some(request) = route.request {
            let example = (request.example)();
            (request.accepts)(example.clone()).unwrap_or_else(|err| {
                panic!(
                    "{} {}: example {example} refused: {err:?}",
                    route.method.as_str(),
                    route.path
                )
            });
        }
    }
}

#[test]
fn every_response_example_matches_its_schema() {
    for route in routes() {
        let schema = (route.response.standalone)();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema compiles");
        let example = (route.response.example)();
        let errors: Vec<String> = validator
            .iter_errors(&example)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", route.path);
    }
}

#[test]
fn the_openapi_document_covers_every_route_with_examples() {
    let document = openapi::document();
    for route in routes() {
        let operation = &document["paths"][route.path][route.method.as_str().to_lowercase()];
        assert_eq!(
            operation["operationId"], route.operation_id,
            "{}",
            route.path
        );
        let success = &operation["responses"][route.success_status.to_string()];
        assert!(
            success["content"]["application/json"]["example"].is_object(),
            "{}",
            route.path
        );
        if route.request.is_some() {
            assert!(operation["requestBody"]["content"]["application/json"]["example"].is_object());
        }
        let secured = operation.get("security").is_some();
        assert_eq!(secured, route.access != Access::Public, "{}", route.path);
    }
    // Every $ref points at a schema the document defines.
    let text = document.to_string();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().expect("a ref string");
        let name = target
            .strip_prefix("#/components/schemas/")
            .expect("refs point into components");
        assert!(
            document["components"]["schemas"].get(name).is_some(),
            "dangling {target}"
        );
    }
}

#[test]
fn routes_are_unique_and_cover_the_seed() {
    let all = routes();
    let mut seen = std::collections::BTreeSet::new();
    for route in &all {
        assert!(
            seen.insert((route.method.as_str(), route.path)),
            "duplicate {}",
            route.path
        );
    }
    // Seed §3, every route.
    for (method, path) in [
        (Method::Post, "/teams/create"),
        (Method::Get, "/teams/{teamId}"),
        (Method::Post, "/scholarships/calculate"),
        (Method::Post, "/scholarships/apply"),
        (Method::Get, "/scholarships/{scholarshipId}"),
        (Method::Post, "/coupons/validate"),
        (Method::Post, "/purchases/create"),
        (Method::Get, "/purchases/{purchaseId}"),
        (Method::Post, "/personalized-plans/assess"),
        (Method::Post, "/personalized-plans/create"),
        (Method::Get, "/personalized-plans/{planId}"),
        (Method::Get, "/mock-exams"),
        (Method::Post, "/mock-exams/register"),
        (Method::Get, "/mock-exams/{mockExamId}/stats"),
        (Method::Post, "/mock-exams/{mockExamId}/calculate-stats"),
        (Method::Post, "/checkout/create"),
        (Method::Post, "/checkout/verify"),
        (Method::Post, "/webhook/stripe"),
    ] {
        assert!(seen.contains(&(method.as_str(), path)), "missing {path}");
    }
}

fn round_trips<T>(fixture: &str)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let text = std::fs::read_to_string(workspace_root().join("tests/fixtures/seed").join(fixture))
        .expect("fixture reads");
    let original: Value = serde_json::from_str(&text).expect("fixture is JSON");
    let parsed: T = serde_json::from_value(original.clone()).expect("the seed's sample parses");
    let back = serde_json::to_value(&parsed).expect("serializes");
    assert_eq!(
        numbers_as_f64(back),
        numbers_as_f64(original),
        "{fixture} does not round-trip"
    );
}

/// JSON does not tell `299` from `299.00`; compare numbers by value.
fn numbers_as_f64(value: Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64().expect("finite")),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_f64(v)))
                .collect(),
        ),
        other => other,
    }
}

#[test]
fn the_seeds_sample_records_parse_and_round_trip() {
    round_trips::<Team>("team.json");
    round_trips::<CouponRecord>("coupon.json");
}

#[test]
fn a_rejected_request_names_the_field_and_the_rule() {
    let mut request = serde_json::to_value(CreateTeamRequest::example()).expect("serializes");

    request["leaderEmail"] = json!("not-an-email");
    let err = parse_value::<CreateTeamRequest>(request.clone()).expect_err("bad email");
    assert_eq!(
        (err.code.as_str(), err.field.as_deref(), err.rule.as_deref()),
        ("VALIDATION_FAILED", Some("/leaderEmail"), Some("pattern"))
    );

    request["leaderEmail"] = json!("leader@example.com");
    request["members"] = json!([]);
    let err = parse_value::<CreateTeamRequest>(request.clone()).expect_err("no members");
    assert_eq!(
        (err.field.as_deref(), err.rule.as_deref()),
        (Some("/members"), Some("minItems"))
    );

    request.as_object_mut().expect("object").remove("members");
    let err = parse_value::<CreateTeamRequest>(request.clone()).expect_err("missing members");
    assert_eq!(
        (err.field.as_deref(), err.rule.as_deref()),
        (Some("/members"), Some("required"))
    );

    let mut request = serde_json::to_value(CreateTeamRequest::example()).expect("serializes");
    request["discount"] = json!(100);
    let err = parse_value::<CreateTeamRequest>(request).expect_err("unknown field");
    assert_eq!(
        (err.field.as_deref(), err.rule.as_deref()),
        (Some("/discount"), Some("additionalProperties"))
    );

    let mut input = serde_json::to_value(ScholarshipInput::example()).expect("serializes");
    input["householdSize"] = json!(0);
    let err = parse_value::<ScholarshipInput>(input).expect_err("household of nobody");
    assert_eq!(
        (err.field.as_deref(), err.rule.as_deref()),
        (Some("/householdSize"), Some("minimum"))
    );
}

#[test]
fn amounts_with_fractions_of_a_cent_are_refused() {
    let mut example = serde_json::to_value(Team::example()).expect("serializes");
    example["totalAmount"] = json!(299.001);
    assert!(serde_json::from_value::<Team>(example).is_err());
}
