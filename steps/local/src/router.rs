//! The HTTP face of the embedded default, as API Gateway would expose it:
//! every route of the route table under `/v1`, the OpenAPI document, the
//! Stripe simulator under `/stripe`, and presigned uploads under `/uploads`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, on, put};
use campaigns_app::App;
use campaigns_app::http::{ApiRequest, ApiResponse, dispatch};
use campaigns_contracts::routes::{self, Route};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::files::{LocalFiles, UploadRefusal};

/// What the handlers share.
#[derive(Clone)]
pub struct Served {
    pub app: App,
    pub files: Arc<LocalFiles>,
    /// The engine, records and outbox the console and `/sfn` work on.
    pub ops: crate::console::Ops,
}

/// The product's router; `simulator` is nested under `/stripe`.
pub fn router(served: Served, simulator: Router) -> Router {
    let mut api: BTreeMap<&'static str, MethodRouter<Served>> = BTreeMap::new();
    for route in routes::routes() {
        let path = route.path;
        let method = match route.method {
            routes::Method::Get => axum::routing::MethodFilter::GET,
            routes::Method::Post => axum::routing::MethodFilter::POST,
        };
        let route = Arc::new(route);
        let handler = on(method, move |state, params, headers, body| {
            api_call(route.clone(), state, params, headers, body)
        });
        let merged = match api.remove(path) {
            Some(existing) => existing.merge(handler),
            None => handler,
        };
        api.insert(path, merged);
    }
    let mut v1 = Router::new().route("/openapi.json", axum::routing::get(openapi));
    for (path, handler) in api {
        v1 = v1.route(path, handler);
    }
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::exact(
            HeaderValue::from_str(served.app.settings.frontend_url.trim_end_matches('/'))
                .unwrap_or(HeaderValue::from_static("null")),
        ))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-access-token"),
            header::HeaderName::from_static("idempotency-key"),
        ]);
    let (console, sfn) = (
        crate::console::router(served.ops.clone(), served.app.clone()),
        crate::sfn_api::router(served.ops.engine.clone()),
    );
    Router::new()
        .nest("/v1", v1.layer(cors).fallback(not_found))
        .route("/uploads/{*key}", put(upload))
        .with_state(served)
        .nest("/stripe", simulator)
        .nest("/console", console)
        .merge(sfn)
}

async fn api_call(
    route: Arc<Route>,
    State(served): State<Served>,
    params: RawPathParams,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // An unreadable or oversized body is answered like every other refusal:
    // the JSON error body, nothing changed.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status().as_u16();
            let code = if status == 413 {
                "PAYLOAD_TOO_LARGE"
            } else {
                "BODY_UNREADABLE"
            };
            return json_response(ApiResponse::from(campaigns_app::ApiFailure::new(
                status,
                code,
                rejection.body_text(),
            )));
        }
    };
    let request = ApiRequest {
        path_params: params
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        headers: headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect(),
        body: body.to_vec(),
    };
    json_response(dispatch(&served.app, &route, request).await)
}

fn json_response(response: ApiResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(response.body)).into_response()
}

async fn openapi() -> Response {
    axum::Json(campaigns_contracts::openapi::document()).into_response()
}

async fn not_found() -> Response {
    json_response(ApiResponse::from(campaigns_app::ApiFailure::new(
        404,
        "ROUTE_NOT_FOUND",
        "no such route",
    )))
}

async fn upload(
    State(served): State<Served>,
    axum::extract::Path(key): axum::extract::Path<String>,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    match served.files.accept(&key, &query, content_type, &body) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(UploadRefusal::Forbidden(reason)) => (StatusCode::FORBIDDEN, reason).into_response(),
        Err(UploadRefusal::Failed(reason)) => {
            tracing::error!(reason, key, "upload failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the upload could not be stored",
            )
                .into_response()
        }
    }
}
