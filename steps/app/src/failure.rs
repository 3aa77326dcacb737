//! Why a request failed, as an HTTP status and the API's error body.

use campaigns_contracts::api::ApiError;
use campaigns_records::StoreError;
use campaigns_records::typed::UpdateError;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiFailure {
    pub status: u16,
    pub error: ApiError,
}

impl ApiFailure {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        ApiFailure {
            status,
            error: ApiError::new(code, message),
        }
    }

    /// A malformed request or one against its schema (the error names the field).
    pub fn bad_request(error: ApiError) -> Self {
        ApiFailure { status: 400, error }
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::new(401, "UNAUTHORIZED", message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, "NOT_FOUND", format!("no such {what}"))
    }

    pub fn conflict(code: &str, message: impl Into<String>) -> Self {
        Self::new(409, code, message)
    }

    /// A well-formed request that breaks a campaign rule.
    pub fn rule(code: &str, message: impl Into<String>) -> Self {
        Self::new(422, code, message)
    }

    /// Names the request field at fault; the rule is the error's code.
    pub fn with_field(mut self, field: &str) -> Self {
        self.error.rule = Some(self.error.code.clone());
        self.error.field = Some(field.to_owned());
        self
    }

    /// A dependency (store, Stripe, mail) failed; the client may retry.
    pub fn unavailable(message: impl std::fmt::Display) -> Self {
        Self::new(503, "SERVICE_UNAVAILABLE", message.to_string())
    }
}

impl From<StoreError> for ApiFailure {
    fn from(err: StoreError) -> Self {
        tracing::error!(error = %err, "records store failed");
        ApiFailure::unavailable("the records store is unavailable; try again")
    }
}

impl<E: Into<ApiFailure>> From<UpdateError<E>> for ApiFailure {
    fn from(err: UpdateError<E>) -> Self {
        match err {
            UpdateError::NotFound => ApiFailure::not_found("record"),
            UpdateError::Rejected(reason) => reason.into(),
            UpdateError::Store(store) => store.into(),
        }
    }
}

impl From<campaigns_payments::PaymentsError> for ApiFailure {
    fn from(err: campaigns_payments::PaymentsError) -> Self {
        tracing::error!(error = %err, "payments failed");
        ApiFailure::unavailable("the payment provider is unavailable; try again")
    }
}
