//! Every refusal of the local server in the API's error body,
//! `{"error": {"code", "message"}}`, so a client branches on a code whichever
//! part of the server refused.
//!
//! The handlers answer their own refusals in it. What axum refuses before a
//! handler runs — a path that is not UTF-8, a method a route lacks, a body too
//! large or of the wrong type — comes as plain text or with no body at all;
//! [`as_json`] rewrites those, with a code named after the status
//! (`BAD_REQUEST`, `METHOD_NOT_ALLOWED`, `PAYLOAD_TOO_LARGE`, …). Bodies that
//! are already JSON (the API's, Stripe's, Step Functions') or HTML (the
//! console's, the checkout page's) pass untouched.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use campaigns_app::ApiFailure;
use campaigns_app::http::ApiResponse;

/// axum's rejection texts are one sentence; a longer body is cut here.
const MESSAGE_LIMIT: usize = 4096;

/// An answer of the API as an HTTP response.
pub fn json_response(response: ApiResponse) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let location = response
        .location()
        .and_then(|location| axum::http::HeaderValue::from_str(location).ok());
    let mut answer = (status, axum::Json(response.body)).into_response();
    if let Some(location) = location {
        answer
            .headers_mut()
            .insert(axum::http::header::LOCATION, location);
    }
    answer
}

/// A refusal as an HTTP response.
pub fn refuse(status: u16, code: &str, message: impl Into<String>) -> Response {
    json_response(ApiResponse::from(ApiFailure::new(status, code, message)))
}

/// The fallback of every path no route serves.
pub async fn route_not_found() -> Response {
    refuse(404, "ROUTE_NOT_FOUND", "no such route")
}

/// A refusal in plain text or without a body, as axum's rejections come,
/// rewritten as the API's error body; headers such as `Allow` are kept.
/// Everything else passes untouched.
pub async fn as_json(response: Response) -> Response {
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|kind| kind.as_bytes().starts_with(b"text/plain"));
    if !(response.status().is_client_error() || response.status().is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, MESSAGE_LIMIT)
        .await
        .unwrap_or_default();
    let message = match String::from_utf8_lossy(&text).trim() {
        "" => parts
            .status
            .canonical_reason()
            .unwrap_or("refused")
            .to_owned(),
        text => text.to_owned(),
    };
    let mut rewritten = refuse(parts.status.as_u16(), &code_of(parts.status), message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().append(name, value.clone());
        }
    }
    rewritten
}

/// `METHOD_NOT_ALLOWED` for 405, `PAYLOAD_TOO_LARGE` for 413, …
fn code_of(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("refused")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_")
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::HeaderValue;

    use super::*;

    async fn rewritten(response: Response) -> (StatusCode, Option<HeaderValue>, serde_json::Value) {
        let response = as_json(response).await;
        let status = response.status();
        let allow = response.headers().get(header::ALLOW).cloned();
        let kind = response.headers()[header::CONTENT_TYPE].clone();
        assert_eq!(kind, "application/json");
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        (
            status,
            allow,
            serde_json::from_slice(&body).expect("a JSON body"),
        )
    }

    #[tokio::test]
    async fn plain_and_empty_refusals_become_the_error_body() {
        let (status, _, body) =
            rewritten((StatusCode::BAD_REQUEST, "Invalid URL: not UTF-8").into_response()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"]["code"], "BAD_REQUEST");
        assert_eq!(body["error"]["message"], "Invalid URL: not UTF-8");

        let empty = Response::builder()
            .status(StatusCode::METHOD_NOT_ALLOWED)
            .header(header::ALLOW, "GET,HEAD")
            .body(Body::empty())
            .expect("a response");
        let (status, allow, body) = rewritten(empty).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            allow.as_ref().map(HeaderValue::as_bytes),
            Some(&b"GET,HEAD"[..])
        );
        assert_eq!(body["error"]["code"], "METHOD_NOT_ALLOWED");
        assert_eq!(body["error"]["message"], "Method Not Allowed");

        let (_, _, body) =
            rewritten((StatusCode::PAYLOAD_TOO_LARGE, "too big").into_response()).await;
        assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    }

    #[tokio::test]
    async fn answers_that_are_not_plain_refusals_pass_untouched() {
        let html = as_json(
            (
                StatusCode::UNAUTHORIZED,
                axum::response::Html("<p>sign in</p>"),
            )
                .into_response(),
        )
        .await;
        assert_eq!(
            html.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );
        let ok = as_json("fine".into_response()).await;
        assert!(
            ok.headers()[header::CONTENT_TYPE]
                .as_bytes()
                .starts_with(b"text/plain")
        );
        let aws = Response::builder()
            .status(StatusCode::BAD_REQUEST)
            .header(header::CONTENT_TYPE, "application/x-amz-json-1.0")
            .body(Body::from("{}"))
            .expect("a response");
        let aws = as_json(aws).await;
        assert_eq!(
            aws.headers()[header::CONTENT_TYPE],
            "application/x-amz-json-1.0"
        );
    }
}
