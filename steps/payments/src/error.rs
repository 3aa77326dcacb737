//! The payments port's errors: what a caller can act on, not what the provider said.

use std::fmt;

/// A failed payments call, classified so a state machine can decide between
/// retrying the step (`Retry` on the retryable names) and handling it (`Catch`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentsError {
    /// The customer's payment method was declined; retrying the same call fails again.
    #[error("payment declined: {0}")]
    Declined(ErrorDetail),
    /// The request was rejected as it stands (bad parameter, wrong state, unknown id,
    /// bad credentials); only a different request can succeed.
    #[error("invalid payments request: {0}")]
    InvalidRequest(ErrorDetail),
    /// Too many requests; the same call succeeds later.
    #[error("payments rate limited: {0}")]
    RateLimited(ErrorDetail),
    /// The provider could not be reached or answered with a server error; the same
    /// call (with the same idempotency key) is safe to repeat.
    #[error("payments provider unavailable: {0}")]
    Unavailable(ErrorDetail),
}

impl PaymentsError {
    /// Whether repeating the identical call may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::RateLimited(_) | Self::Unavailable(_))
    }

    /// The stable error name a state machine's `Retry`/`Catch` matches on.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Declined(_) => "Payments.Declined",
            Self::InvalidRequest(_) => "Payments.InvalidRequest",
            Self::RateLimited(_) => "Payments.RateLimited",
            Self::Unavailable(_) => "Payments.Unavailable",
        }
    }

    /// What the provider reported, for logs and for the failure's cause.
    pub fn detail(&self) -> &ErrorDetail {
        match self {
            Self::Declined(d)
            | Self::InvalidRequest(d)
            | Self::RateLimited(d)
            | Self::Unavailable(d) => d,
        }
    }
}

/// The provider's own description of a failure, kept for diagnosis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    /// Human-readable message.
    pub message: String,
    /// HTTP status, when a response arrived.
    pub http_status: Option<u16>,
    /// The provider's machine-readable code (Stripe's `error.code`), e.g. `resource_missing`.
    pub code: Option<String>,
    /// For declines, the issuer's reason (Stripe's `error.decline_code`).
    pub decline_code: Option<String>,
}

impl ErrorDetail {
    /// A detail carrying only a message.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..Self::default()
        }
    }
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(code) = &self.code {
            write!(f, " [code {code}]")?;
        }
        if let Some(decline) = &self.decline_code {
            write!(f, " [decline {decline}]")?;
        }
        Ok(())
    }
}
