//! Our HTTP client for Stripe's API, plugged into async-stripe as its
//! `StripeClient`, so async-stripe's request types (paths, form encoding,
//! API version) are sent through it.
//!
//! Why not async-stripe's own client: it reads every error body into
//! Stripe's full error type, which holds the PaymentIntent, PaymentMethod and
//! Source it concerns, so the deserializers of Stripe's whole object graph —
//! 5 MB of every binary that calls Stripe — were linked for the few fields
//! we read. Here an error body is read into [`ApiError`], and the adapter
//! reads answers into its own small types ([`StripeTransport::call`]).

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use stripe_client_core::{
    CustomizedStripeRequest, RequestBuilder, StripeClient, StripeClientErr, StripeMethod,
};

use campaigns_https::https_connector;

use crate::error::{ErrorDetail, PaymentsError};
use crate::stripe_adapter::{STRIPE_API_VERSION, StripeConfig};

/// Sends requests to Stripe (or a server speaking its API): one attempt
/// each, within the configured timeout. Retrying is the caller's (a state
/// machine's Retry), always with the same idempotency key.
#[derive(Clone)]
pub struct StripeTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    authorization: HeaderValue,
    /// Ends with `/`; requests go to `{api_base}v1{path}`.
    api_base: String,
    timeout: Duration,
}

impl std::fmt::Debug for StripeTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeTransport")
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Stripe's answer to a failed request, as far as we read it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ApiError {
    #[serde(rename = "type", default)]
    pub kind: String,
    pub code: Option<String>,
    pub message: Option<String>,
    pub decline_code: Option<String>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ApiError,
}

/// Why a request failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// Stripe answered with an error status.
    #[error("Stripe answered {status}: {}", .error.message.as_deref().unwrap_or(&.error.kind))]
    Api { status: u16, error: ApiError },
    /// No answer: connection, TLS or timeout.
    #[error("Stripe could not be reached: {0}")]
    Unreachable(String),
    /// An answer we could not read.
    #[error("unreadable answer from Stripe: {0}")]
    Unreadable(String),
    /// A request that cannot be sent as it stands (bad key or idempotency key).
    #[error("invalid Stripe request: {0}")]
    Invalid(String),
}

impl StripeClientErr for TransportError {
    fn deserialize_err(msg: impl std::fmt::Display) -> Self {
        TransportError::Unreadable(msg.to_string())
    }
}

impl StripeClient for StripeTransport {
    type Err = TransportError;

    async fn execute(&self, request: CustomizedStripeRequest) -> Result<Bytes, TransportError> {
        let (request, overrides) = request.into_pieces();
        let key = overrides
            .request_strategy
            .and_then(|strategy| strategy.get_key());
        self.send(request, key.as_ref().map(|key| key.as_str()))
            .await
    }
}

impl StripeTransport {
    /// A transport for `config`'s key, base URL and timeout, on
    /// [`https_connector`].
    pub fn new(config: &StripeConfig) -> Result<Self, PaymentsError> {
        let connector = https_connector().map_err(|error| {
            TransportError::Invalid(format!("rustls refused ring's provider: {error}"))
        })?;
        let authorization = HeaderValue::from_str(&format!("Bearer {}", config.secret_key))
            .map_err(|_| {
                TransportError::Invalid("the secret key is not a valid header value".into())
            })?;
        let base = config
            .api_base
            .as_deref()
            .unwrap_or("https://api.stripe.com/");
        let api_base = if base.ends_with('/') {
            base.to_owned()
        } else {
            format!("{base}/")
        };
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(connector),
            authorization,
            api_base,
            timeout: config.timeout,
        })
    }

    /// Sends `request` (under `idempotency_key`, if any) and reads a
    /// successful answer into `T`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        idempotency_key: Option<&str>,
    ) -> Result<T, PaymentsError> {
        let body = self.send(request, idempotency_key).await?;
        serde_json::from_slice(&body)
            .map_err(|err| TransportError::Unreadable(err.to_string()).into())
    }

    async fn send(
        &self,
        request: RequestBuilder,
        idempotency_key: Option<&str>,
    ) -> Result<Bytes, TransportError> {
        let mut uri = format!("{}v1{}", self.api_base, request.path);
        if let Some(query) = &request.query {
            uri.push('?');
            uri.push_str(query);
        }
        let method = match request.method {
            StripeMethod::Get => Method::GET,
            StripeMethod::Post => Method::POST,
            StripeMethod::Delete => Method::DELETE,
        };
        let mut builder = Request::builder()
            .method(method)
            .uri(uri)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(USER_AGENT, "prodenthub-campaigns")
            .header("stripe-version", STRIPE_API_VERSION);
        if let Some(key) = idempotency_key {
            builder = builder.header("idempotency-key", key);
        }
        if request.body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let body = Full::new(Bytes::from(request.body.unwrap_or_default()));
        let http_request = builder
            .body(body)
            .map_err(|err| TransportError::Invalid(err.to_string()))?;
        let exchange = async {
            let response = self
                .client
                .request(http_request)
                .await
                .map_err(|err| TransportError::Unreachable(err.to_string()))?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|err| TransportError::Unreachable(err.to_string()))?
                .to_bytes();
            Ok::<_, TransportError>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| TransportError::Unreachable("timed out".into()))??;
        if status.is_success() {
            return Ok(body);
        }
        let error = serde_json::from_slice::<ErrorBody>(&body)
            .map(|body| body.error)
            .map_err(|_| {
                TransportError::Unreadable(format!(
                    "an error answer ({status}) without a Stripe error"
                ))
            })?;
        Err(TransportError::Api {
            status: status.as_u16(),
            error,
        })
    }
}

/// Classified by HTTP status and Stripe's error type.
impl From<TransportError> for PaymentsError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Api { status, error } => {
                let detail = ErrorDetail {
                    message: error
                        .message
                        .clone()
                        .unwrap_or_else(|| format!("Stripe error {}", error.kind)),
                    http_status: Some(status),
                    code: error.code,
                    decline_code: error.decline_code,
                };
                match (status, error.kind.as_str()) {
                    (_, "card_error") | (402, _) => PaymentsError::Declined(detail),
                    (429, _) => PaymentsError::RateLimited(detail),
                    (500.., _) => PaymentsError::Unavailable(detail),
                    _ => PaymentsError::InvalidRequest(detail),
                }
            }
            TransportError::Invalid(message) => {
                PaymentsError::InvalidRequest(ErrorDetail::message(message))
            }
            // Nothing says the request was wrong, and the idempotency key
            // makes repeating it safe.
            TransportError::Unreachable(message) | TransportError::Unreadable(message) => {
                PaymentsError::Unavailable(ErrorDetail::message(message))
            }
        }
    }
}
