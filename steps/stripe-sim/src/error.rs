//! Stripe's error responses: `{"error": {"type", "code", "message", "param", ...}}`
//! with the status codes Stripe uses.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An error as Stripe reports it (strings boxed to keep `Result`s small).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `invalid_request_error`, `card_error`, `idempotency_error` or `api_error`.
    pub error_type: Box<str>,
    /// Machine-readable code, e.g. `resource_missing`.
    pub code: Option<Box<str>>,
    /// Issuer's reason, for card errors.
    pub decline_code: Option<Box<str>>,
    /// Human-readable message.
    pub message: Box<str>,
    /// The parameter at fault.
    pub param: Option<Box<str>>,
}

impl ApiError {
    fn new(status: u16, error_type: &str, code: Option<&str>, message: impl Into<String>) -> Self {
        Self {
            status,
            error_type: error_type.into(),
            code: code.map(Into::into),
            decline_code: None,
            message: message.into().into(),
            param: None,
        }
    }

    /// 400 `invalid_request_error` without a code.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        Self {
            param: param.map(Into::into),
            ..Self::new(400, "invalid_request_error", None, message)
        }
    }

    /// 400 `invalid_request_error` with `code` and `param`.
    pub fn param(code: &str, param: &str, message: impl Into<String>) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(400, "invalid_request_error", Some(code), message)
        }
    }

    /// 400 `parameter_missing`.
    pub fn missing(param: &str) -> Self {
        Self::param(
            "parameter_missing",
            param,
            format!("Missing required param: {param}."),
        )
    }

    /// 400 `parameter_unknown`.
    pub fn unknown(param: &str) -> Self {
        Self::param(
            "parameter_unknown",
            param,
            format!("Received unknown parameter: {param}"),
        )
    }

    /// 404 `resource_missing`.
    pub fn missing_resource(object: &str, id: &str, param: &str) -> Self {
        Self {
            param: Some(param.into()),
            ..Self::new(
                404,
                "invalid_request_error",
                Some("resource_missing"),
                format!("No such {object}: '{id}'"),
            )
        }
    }

    /// 400 for an object in the wrong state, e.g. `payment_intent_unexpected_state`.
    pub fn state(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", Some(code), message)
    }

    /// 401 for a missing or wrong API key.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "invalid_request_error", None, message)
    }

    /// 400 `idempotency_error`: a key reused with other parameters.
    pub fn idempotency(key: &str) -> Self {
        Self::new(
            400,
            "idempotency_error",
            None,
            format!(
                "Keys for idempotent requests can only be used with the same parameters they were first used with. \
                 Try using a key other than '{key}' if you meant to execute a different request."
            ),
        )
    }

    /// An injected failure: any status, type and codes.
    pub fn injected(
        status: u16,
        error_type: &str,
        code: Option<&str>,
        decline_code: Option<&str>,
    ) -> Self {
        let message = match status {
            402 => "Your card was declined.",
            429 => "Too many requests hit the API too quickly.",
            500.. => "An unknown error occurred.",
            _ => "Invalid request.",
        };
        Self {
            decline_code: decline_code.map(Into::into),
            ..Self::new(status, error_type, code, message)
        }
    }

    /// The response body.
    pub fn body(&self) -> Value {
        let mut error = json!({ "type": self.error_type, "message": self.message });
        if let Some(code) = &self.code {
            error["code"] = json!(code);
            error["doc_url"] = json!(format!(
                "https://stripe.com/docs/error-codes/{}",
                code.replace('_', "-")
            ));
        }
        if let Some(decline) = &self.decline_code {
            error["decline_code"] = json!(decline);
        }
        if let Some(param) = &self.param {
            error["param"] = json!(param);
        }
        json!({ "error": error })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body())).into_response()
    }
}
