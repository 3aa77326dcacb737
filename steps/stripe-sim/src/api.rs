//! Stripe's HTTP API for the part the product uses: form-encoded requests, JSON
//! responses, API-key check, Stripe's errors and Idempotency-Key semantics.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::form;
use crate::params::Params;
use crate::sim::Simulator;
use crate::store::{Replay, Store};

/// The `/v1` routes.
pub fn routes(sim: Simulator) -> Router {
    Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .route("/v1/checkout/sessions/{id}", get(get_session))
        .route("/v1/checkout/sessions/{id}/line_items", get(get_line_items))
        .route("/v1/checkout/sessions/{id}/expire", post(expire_session))
        .route("/v1/payment_intents/{id}", get(get_intent))
        .route("/v1/payment_intents/{id}/capture", post(capture))
        .route("/v1/payment_intents/{id}/cancel", post(cancel))
        .route("/v1/refunds", post(create_refund))
        .route("/v1/refunds/{id}", get(get_refund))
        .route("/v1/charges/{id}", get(get_charge))
        .route("/v1/disputes/{id}", get(get_dispute).post(update_dispute))
        .route("/v1/disputes/{id}/close", post(close_dispute))
        .route("/v1/events", get(list_events))
        .route("/v1/events/{id}", get(get_event))
        .route(
            "/v1/webhook_endpoints",
            post(create_endpoint).get(list_endpoints),
        )
        .route("/v1/webhook_endpoints/{id}", delete(delete_endpoint))
        .route("/v1/products", post(create_product).get(list_products))
        .route("/v1/products/{id}", get(get_product).post(update_product))
        .route("/v1/prices", post(create_price).get(list_prices))
        .route("/v1/prices/{id}", get(get_price).post(update_price))
        .route("/v1/{*rest}", axum::routing::any(unknown_route))
        .layer(middleware::from_fn_with_state(sim.clone(), authenticate))
        .with_state(sim)
}

/// Checks the API key, then answers with an injected failure if one is queued.
async fn authenticate(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let presented = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match presented {
        None => {
            return ApiError::unauthorized(
                "You did not provide an API key. You need to provide your API key in the Authorization header, \
                 using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
            .into_response();
        }
        Some(key) if key != sim.config().api_key => {
            let shown: String = key
                .chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return ApiError::unauthorized(format!(
                "Invalid API Key provided: sk_test_****{shown}"
            ))
            .into_response();
        }
        Some(_) => {}
    }
    if let Some(fault) = sim.with_store(|store, _| store.faults.pop_front()) {
        return fault.into_response();
    }
    next.run(request).await
}

/// Runs a mutating operation under Stripe's idempotency rules: a key replays its first
/// successful response for the same request and parameters, and is refused for others.
fn mutate(
    sim: &Simulator,
    headers: &HeaderMap,
    request: String,
    body: &Bytes,
    op: impl FnOnce(&mut Store, &Params, i64, &str) -> Result<Value, ApiError>,
) -> Response {
    let params = match form::parse(body) {
        Ok(params) => Params(params),
        Err(error) => return error.into_response(),
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let base = sim.public_url();
    sim.with_store(|store, now| {
        if let Some(key) = &key
            && let Some(replay) = store.idempotency.get(key)
        {
            if replay.request != request || replay.params != params.0 {
                return ApiError::idempotency(key).into_response();
            }
            let mut response = json_response(replay.status, replay.body.clone());
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return response;
        }
        match op(store, &params, now, &base) {
            Ok(body) => {
                if let Some(key) = key {
                    store.idempotency.insert(
                        key,
                        Replay {
                            request,
                            params: params.0,
                            status: 200,
                            body: body.clone(),
                        },
                    );
                }
                json_response(200, body)
            }
            Err(error) => error.into_response(),
        }
    })
}

fn read(sim: &Simulator, op: impl FnOnce(&Store) -> Result<Value, ApiError>) -> Response {
    match sim.with_store(|store, _| op(store)) {
        Ok(body) => json_response(200, body),
        Err(error) => error.into_response(),
    }
}

fn json_response(status: u16, body: Value) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        axum::Json(body),
    )
        .into_response()
}

fn list(data: Vec<Value>, url: &str) -> Value {
    json!({ "object": "list", "data": data, "has_more": false, "url": url })
}

async fn create_session(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    mutate(
        &sim,
        &headers,
        "POST /v1/checkout/sessions".into(),
        &body,
        |store, p, now, base| store.create_session(p, now, base),
    )
}

async fn get_session(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    read_query(&sim, query, |store, p| store.session_json(&id, p))
}

async fn get_line_items(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.line_items(&id))
}

async fn expire_session(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/checkout/sessions/{id}/expire"),
        &body,
        |store, p, now, _| {
            p.only(&[])?;
            store.expire_session(&id, now)
        },
    )
}

async fn get_intent(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.intent(&id))
}

async fn capture(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/payment_intents/{id}/capture"),
        &body,
        |store, p, now, _| store.capture(&id, p, now),
    )
}

async fn cancel(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/payment_intents/{id}/cancel"),
        &body,
        |store, p, now, _| store.cancel(&id, p, now),
    )
}

async fn create_refund(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    mutate(
        &sim,
        &headers,
        "POST /v1/refunds".into(),
        &body,
        |store, p, now, _| store.create_refund(p, now),
    )
}

async fn get_refund(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.refund(&id))
}

async fn get_charge(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    read_query(&sim, query, |store, p| store.charge(&id, p))
}

async fn get_dispute(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.dispute(&id))
}

async fn update_dispute(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/disputes/{id}"),
        &body,
        |store, p, now, _| store.update_dispute(&id, p, now),
    )
}

async fn close_dispute(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/disputes/{id}/close"),
        &body,
        |store, p, now, _| store.close_dispute(&id, p, now),
    )
}

async fn get_event(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.event(&id))
}

async fn list_events(State(sim): State<Simulator>) -> Response {
    read(&sim, |store| {
        Ok(list(
            store.events.iter().rev().cloned().collect(),
            "/v1/events",
        ))
    })
}

async fn create_endpoint(
    State(sim): State<Simulator>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        "POST /v1/webhook_endpoints".into(),
        &body,
        |store, p, now, _| store.create_endpoint(p, now),
    )
}

async fn list_endpoints(State(sim): State<Simulator>) -> Response {
    read(&sim, |store| {
        Ok(list(
            store.endpoints.iter().map(|e| e.json(false)).collect(),
            "/v1/webhook_endpoints",
        ))
    })
}

async fn delete_endpoint(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    let response = sim.with_store(|store, _| store.delete_endpoint(&id));
    match response {
        Ok(body) => json_response(200, body),
        Err(error) => error.into_response(),
    }
}

async fn create_product(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    mutate(
        &sim,
        &headers,
        "POST /v1/products".into(),
        &body,
        |store, p, now, _| store.catalog.edit().create_product(p, now),
    )
}

async fn get_product(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.catalog.product(&id))
}

async fn update_product(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/products/{id}"),
        &body,
        |store, p, now, _| store.catalog.edit().update_product(&id, p, now),
    )
}

async fn list_products(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    read_query(&sim, query, |store, p| store.catalog.list_products(p))
}

async fn create_price(State(sim): State<Simulator>, headers: HeaderMap, body: Bytes) -> Response {
    mutate(
        &sim,
        &headers,
        "POST /v1/prices".into(),
        &body,
        |store, p, now, _| store.catalog.edit().create_price(p, now),
    )
}

async fn get_price(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    read(&sim, |store| store.catalog.price(&id))
}

async fn update_price(
    State(sim): State<Simulator>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    mutate(
        &sim,
        &headers,
        format!("POST /v1/prices/{id}"),
        &body,
        |store, p, _, _| store.catalog.edit().update_price(&id, p),
    )
}

async fn list_prices(State(sim): State<Simulator>, RawQuery(query): RawQuery) -> Response {
    read_query(&sim, query, |store, p| store.catalog.list_prices(p))
}

/// A read whose parameters come in the query string (lists).
fn read_query(
    sim: &Simulator,
    query: Option<String>,
    op: impl FnOnce(&Store, &Params) -> Result<Value, ApiError>,
) -> Response {
    let params = match form::parse(query.unwrap_or_default().as_bytes()) {
        Ok(params) => Params(params),
        Err(error) => return error.into_response(),
    };
    read(sim, |store| op(store, &params))
}

async fn unknown_route(method: Method, Path(rest): Path<String>) -> Response {
    ApiError {
        status: 404,
        ..ApiError::invalid(
            format!("Unrecognized request URL ({method}: /v1/{rest})."),
            None,
        )
    }
    .into_response()
}
