//! The HTTP face of the embedded default, as API Gateway would expose it:
//! every route of the route table under `/v1`, the OpenAPI document, the
//! Stripe simulator under `/stripe`, presigned uploads under `/uploads`, and
//! the reference client at `/app`.
//!
//! Every route answers only requests addressed to this machine by name
//! (`stripe_sim::guard::LocalGuard`, against DNS rebinding), and every
//! refusal is the API's JSON error body ([`crate::refusals`]).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, RawPathParams, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, on, put};
use campaigns_app::http::{ApiRequest, dispatch};
use campaigns_app::{ApiFailure, App};
use campaigns_contracts::api::MAX_SCORE_REPORT_BYTES;
use campaigns_contracts::routes::{self, Route};
use stripe_sim::guard::LocalGuard;
use tower_http::cors::CorsLayer;
use tower_http::limit::RequestBodyLimitLayer;

use crate::files::{LocalFiles, UploadRefusal};
use crate::refusals::{self, json_response, refuse};

/// What the handlers share.
#[derive(Clone)]
pub struct Served {
    pub app: App,
    pub files: Arc<LocalFiles>,
    /// The engine, records and outbox the console and `/sfn` work on.
    pub ops: crate::console::Ops,
}

/// The largest API request body (axum's default, said once): a body
/// declared larger is refused from its `Content-Length` before any of it is
/// read, one sent without a length when it passes the limit.
const API_BODY_LIMIT: usize = 2 * 1024 * 1024;

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
        let handler = on(method, move |state, params, query, headers, body| {
            api_call(route.clone(), state, params, query, headers, body)
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
    let mut cors = CorsLayer::new()
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            header::HeaderName::from_static("x-access-token"),
            header::HeaderName::from_static("idempotency-key"),
        ]);
    if let Some(origin) = served
        .app
        .settings
        .cors_origin()
        .and_then(|origin| HeaderValue::from_str(&origin).ok())
    {
        cors = cors.allow_origin(origin);
    }
    let guard = LocalGuard::new(bound_address(&served.app.settings.api_base_url));
    let (console, sfn) = (
        crate::console::router(served.ops.clone(), served.app.clone()),
        crate::sfn_api::router(served.ops.engine.clone()),
    );
    let upload_limit = usize::try_from(MAX_SCORE_REPORT_BYTES).unwrap_or(usize::MAX);
    let routes = Router::new()
        .nest(
            "/v1",
            v1.layer(DefaultBodyLimit::max(API_BODY_LIMIT))
                .layer(RequestBodyLimitLayer::new(API_BODY_LIMIT))
                .layer(cors)
                .fallback(refusals::route_not_found),
        )
        .route(
            "/uploads/{*key}",
            put(upload).layer(DefaultBodyLimit::max(upload_limit)),
        )
        .with_state(served)
        .nest("/stripe", simulator)
        .nest("/console", console)
        .merge(crate::frontend::router())
        .merge(sfn)
        .fallback(refusals::route_not_found)
        .layer(middleware::map_response(refusals::as_json));
    guard.protect(routes)
}

/// The address the server is bound to, as its API base URL names it.
fn bound_address(api_base_url: &str) -> IpAddr {
    reqwest::Url::parse(api_base_url)
        .ok()
        .and_then(|url| {
            url.host_str()?
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse()
                .ok()
        })
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

async fn api_call(
    route: Arc<Route>,
    State(served): State<Served>,
    params: RawPathParams,
    Query(query): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = ApiRequest {
        path_params: params
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        query,
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

async fn openapi() -> Response {
    axum::Json(campaigns_contracts::openapi::document()).into_response()
}

/// `PUT /uploads/{key}`: bodies up to the largest report the API issues a URL for.
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
        Err(UploadRefusal::Forbidden(reason)) => refuse(403, "UPLOAD_FORBIDDEN", reason),
        Err(UploadRefusal::Failed(reason)) => {
            tracing::error!(reason, key, "upload failed");
            json_response(
                ApiFailure::unavailable("the upload could not be stored; try again").into(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_address_comes_from_the_api_base_url() {
        assert_eq!(
            bound_address("http://127.0.0.1:8080/v1"),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
        assert_eq!(
            bound_address("http://[::1]:8080/v1"),
            "::1".parse::<IpAddr>().expect("an address")
        );
        assert_eq!(
            bound_address("http://192.168.1.5:8080/v1"),
            IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5))
        );
        assert_eq!(
            bound_address("https://api.example/v1"),
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        );
    }
}
