//! The OpenAPI 3.1 document of the HTTP API, built from the route table.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use crate::Example;
use crate::api::ErrorResponse;
use crate::routes::{Access, Route, routes};

/// Ids are random, URL-safe and short; anything else is refused early.
const ID_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

/// The whole document, as written to `schemas/openapi.json`.
pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|settings| settings.definitions_path = "#/components/schemas/".into())
        .into_generator();
    let error_schema = generator.subschema_for::<ErrorResponse>().to_value();
    let error_example = serde_json::to_value(ErrorResponse::example()).expect("serializes");

    let mut paths = Map::new();
    for route in routes() {
        let operation = operation(&route, &mut generator, &error_schema, &error_example);
        let item = paths
            .entry(route.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        item[route.method.as_str().to_lowercase()] = operation;
    }

    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "ProDentHub campaigns API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Team plans, scholarships, coupons, personalized plans and mock exams. Amounts are AUD with two decimals; the server computes every price."
        },
        "servers": [
            {"url": "https://api.prodenthub.com.au/v1", "description": "production"},
            {"url": "http://127.0.0.1:8080/v1", "description": "campaigns serve"}
        ],
        "paths": paths,
        "components": {
            "schemas": generator.take_definitions(true),
            "securitySchemes": {
                "accessToken": {"type": "apiKey", "in": "header", "name": "X-Access-Token", "description": "The accessToken returned when the record was created."},
                "admin": {"type": "http", "scheme": "bearer", "description": "IAM (SigV4) on API Gateway; a bearer token on the local server."},
                "stripeSignature": {"type": "apiKey", "in": "header", "name": "Stripe-Signature", "description": "Stripe's v1 HMAC-SHA256 signature of the raw body."}
            }
        }
    })
}

/// One `in: query` parameter per property of the query's schema, its
/// references pointed at the document's components.
fn query_parameters(schema: &Value) -> Vec<Value> {
    let text = schema
        .to_string()
        .replace("#/$defs/", "#/components/schemas/");
    let schema: Value = serde_json::from_str(&text).expect("a schema re-parses");
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    schema["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| {
            let mut property = property.clone();
            let description = property
                .as_object_mut()
                .and_then(|fields| fields.remove("description"));
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": property,
            });
            if let Some(description) = description {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

fn operation(
    route: &Route,
    generator: &mut SchemaGenerator,
    error_schema: &Value,
    error_example: &Value,
) -> Value {
    let mut parameters: Vec<Value> = route
        .path_params()
        .into_iter()
        .map(|name| {
            json!({
                "name": name, "in": "path", "required": true,
                "schema": {"type": "string", "pattern": ID_PATTERN},
                "example": "team_01JH3Z8Q4W6T2V9K5M7N1P3R"
            })
        })
        .collect();
    if let Some(query) = &route.query {
        // Registers the types the properties refer to among the components.
        (query.schema)(generator);
        parameters.extend(query_parameters(&(query.standalone)()));
    }
    if route.idempotent_create {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": false,
            "description": "Repeating a request with the same key returns the first response; another body with the same key is a 409.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255}
        }));
    }

    let mut responses = Map::new();
    responses.insert(
        route.success_status.to_string(),
        json!({
            "description": "Success",
            "content": {"application/json": {
                "schema": (route.response.schema)(generator).to_value(),
                "example": (route.response.example)()
            }}
        }),
    );
    let error = |description: &str| {
        json!({
            "description": description,
            "content": {"application/json": {"schema": error_schema, "example": error_example}}
        })
    };
    responses.insert(
        "400".into(),
        error("The request is malformed or breaks its schema; nothing was changed"),
    );
    // A query may carry a token (a cancel link's) and name a record.
    let in_query = |name: &str| {
        route
            .query
            .as_ref()
            .is_some_and(|query| (query.standalone)()["properties"].get(name).is_some())
    };
    if route.access != Access::Public || in_query("token") {
        responses.insert("401".into(), error("Missing or wrong credentials"));
    }
    if !route.path_params().is_empty() || route.body_names_record || in_query("recordId") {
        responses.insert("404".into(), error("No such record"));
    }
    if route.method == crate::routes::Method::Post {
        responses.insert("409".into(), error("Conflicts with the record's state, a limit, or an earlier request with the same Idempotency-Key"));
        responses.insert(
            "422".into(),
            error("Breaks a campaign rule; the code says which"),
        );
    }
    if route.request.is_some() {
        responses.insert(
            "413".into(),
            error("The body is larger than the API accepts; nothing was changed"),
        );
    }
    responses.insert("429".into(), error("Too many requests"));

    let mut operation = json!({
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.lambda],
        "parameters": parameters,
        "responses": responses,
    });
    if let Some(request) = &route.request {
        operation["requestBody"] = json!({
            "required": true,
            "content": {"application/json": {
                "schema": (request.schema)(generator).to_value(),
                "example": (request.example)()
            }}
        });
    }
    let security = match route.access {
        Access::Public => None,
        Access::RecordToken => Some(json!([{"accessToken": []}])),
        Access::Admin => Some(json!([{"admin": []}])),
        Access::StripeSignature => Some(json!([{"stripeSignature": []}])),
    };
    if let Some(security) = security {
        operation["security"] = security;
    }
    operation
}
