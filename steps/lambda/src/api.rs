//! API Gateway proxy events in and out, through the same dispatcher the
//! local server uses.

use std::collections::BTreeMap;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::HeaderMap;
use aws_lambda_events::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_TYPE, HeaderValue, LOCATION,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use campaigns_app::http::{ApiRequest, ApiResponse, dispatch};
use campaigns_app::{ApiFailure, App};
use campaigns_contracts::routes::routes;
use lambda_runtime::{Diagnostic, LambdaEvent};
use tracing::Instrument;

pub async fn handle(
    app: &App,
    lambda: &str,
    event: LambdaEvent<ApiGatewayProxyRequest>,
) -> Result<ApiGatewayProxyResponse, Diagnostic> {
    let request = event.payload;
    let method = request.http_method.as_str().to_owned();
    let resource = request.resource.clone().unwrap_or_default();
    let span =
        tracing::info_span!("api", %method, %resource, request_id = event.context.request_id);
    let response = async {
        let route = routes().into_iter().find(|route| {
            route.lambda == lambda && route.method.as_str() == method && route.path == resource
        });
        match route {
            Some(route) => dispatch(app, &route, api_request(&request)).await,
            None => ApiResponse::from(ApiFailure::new(404, "ROUTE_NOT_FOUND", "no such route")),
        }
    }
    .instrument(span.clone())
    .await;
    if response.status >= 500 {
        span.in_scope(|| {
            tracing::error!(
                alarm = SERVER_ERROR_ALARM,
                status = response.status,
                "answered with a server error"
            );
        });
    }
    Ok(proxy_response(app, response))
}

/// The `alarm` field of the error logged for every 5xx answer: an answered
/// failure (a store or Stripe unavailable) is no Lambda error, so the
/// function's error-rate alarm counts these lines too (`infra/alarms.tf`).
pub const SERVER_ERROR_ALARM: &str = "server_error";

fn api_request(request: &ApiGatewayProxyRequest) -> ApiRequest {
    let body = match (&request.body, request.is_base64_encoded) {
        (Some(text), false) => text.as_bytes().to_vec(),
        // Stripe's body arrives base64-encoded when API Gateway treats it as
        // binary; the signature is over the original bytes.
        (Some(text), true) => BASE64
            .decode(text)
            .unwrap_or_else(|_| text.as_bytes().to_vec()),
        (None, _) => Vec::new(),
    };
    ApiRequest {
        path_params: request
            .path_parameters
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect::<BTreeMap<_, _>>(),
        query: request
            .query_string_parameters
            .iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect(),
        headers: request
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((
                    name.as_str().to_ascii_lowercase(),
                    value.to_str().ok()?.to_owned(),
                ))
            })
            .collect(),
        body,
    }
}

fn proxy_response(app: &App, response: ApiResponse) -> ApiGatewayProxyResponse {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(origin) = app.settings.cors_origin()
        && let Ok(origin) = HeaderValue::from_str(&origin)
    {
        headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    }
    if let Some(location) = response.location()
        && let Ok(location) = HeaderValue::from_str(location)
    {
        headers.insert(LOCATION, location);
    }
    let mut proxied = ApiGatewayProxyResponse::default();
    proxied.status_code = i64::from(response.status);
    proxied.headers = headers;
    proxied.body = Some(Body::Text(response.body.to_string()));
    proxied
}
