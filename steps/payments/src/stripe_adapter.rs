//! The payments port on Stripe, through async-stripe. The same adapter serves production
//! (api.stripe.com) and every other setup (the simulator, localstripe): only the base URL
//! and key differ.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, CreateCheckoutSessionPaymentIntentDataCaptureMethod,
    ExpireCheckoutSession, ProductData, RetrieveCheckoutSession,
};
use stripe_checkout::{CheckoutSessionMode, CheckoutSessionPaymentStatus};
use stripe_core::payment_intent::{CancelPaymentIntent, CapturePaymentIntent};
use stripe_core::refund::CreateRefund;
use stripe_types::Currency;

use crate::error::{ErrorDetail, PaymentsError};
use crate::idempotency;
use crate::port::{
    CaptureMode, CheckoutRequest, CheckoutSession, PaymentIntent, Payments, PaymentsFuture, Refund,
    RefundRequest, metadata_keys,
};
use crate::status::SessionStatus;

/// The Stripe API version every request is made with (async-stripe pins it); webhook
/// endpoints must be configured with the same version so events have the shapes we read.
pub const STRIPE_API_VERSION: &str = "2026-09-30.endive";

/// Where and how to reach Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    /// Secret key (`sk_...`).
    pub secret_key: String,
    /// API base URL; `None` for Stripe itself. A trailing `/` is added if missing.
    pub api_base: Option<String>,
    /// The frontend's origin (FRONTEND_URL); success and cancel pages live under it.
    pub frontend_url: String,
    /// Per-attempt timeout, after which the call fails as unavailable.
    pub timeout: Duration,
}

impl std::fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeConfig")
            .field("api_base", &self.api_base)
            .field("frontend_url", &self.frontend_url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl StripeConfig {
    /// A configuration with a 20 s timeout.
    pub fn new(
        secret_key: impl Into<String>,
        api_base: Option<String>,
        frontend_url: impl Into<String>,
    ) -> Self {
        Self {
            secret_key: secret_key.into(),
            api_base,
            frontend_url: frontend_url.into(),
            timeout: Duration::from_secs(20),
        }
    }
}

/// The payments port implemented with async-stripe.
#[derive(Clone, Debug)]
pub struct StripePayments {
    client: Client,
    frontend_url: String,
}

impl StripePayments {
    /// Builds the client; fails on an unusable key or URL.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentsError> {
        let frontend_url = config.frontend_url.trim_end_matches('/').to_owned();
        Ok(Self {
            client: build_client(config)?,
            frontend_url,
        })
    }

    fn return_url(&self, page: &str, request: &CheckoutRequest) -> String {
        // `{CHECKOUT_SESSION_ID}` is replaced by Stripe with the session id.
        format!(
            "{}/checkout/{page}?campaign={}&record={}&session_id={{CHECKOUT_SESSION_ID}}",
            self.frontend_url, request.campaign_id, request.record_id
        )
    }

    fn checkout_params(&self, request: &CheckoutRequest) -> CreateCheckoutSession {
        let mut metadata = HashMap::from([
            (
                metadata_keys::CAMPAIGN_ID.to_owned(),
                request.campaign_id.clone(),
            ),
            (
                metadata_keys::RECORD_ID.to_owned(),
                request.record_id.clone(),
            ),
        ]);
        if let Some(member) = &request.member_id {
            metadata.insert(metadata_keys::MEMBER_ID.to_owned(), member.clone());
        }
        let mut price = CreateCheckoutSessionLineItemsPriceData::new(Currency::AUD);
        price.unit_amount = Some(request.amount_cents);
        price.product_data = Some(ProductData::new(request.product_name.clone()));
        let mut item = CreateCheckoutSessionLineItems::new();
        item.price_data = Some(price);
        item.quantity = Some(1);
        let mut intent = CreateCheckoutSessionPaymentIntentData::new();
        intent.metadata = Some(metadata.clone());
        if request.capture == CaptureMode::Manual {
            intent.capture_method =
                Some(CreateCheckoutSessionPaymentIntentDataCaptureMethod::Manual);
        }
        CreateCheckoutSession::new()
            .mode(CheckoutSessionMode::Payment)
            .line_items(vec![item])
            .customer_email(request.customer_email.clone())
            .client_reference_id(request.record_id.clone())
            .metadata(metadata)
            .payment_intent_data(intent)
            .success_url(self.return_url("success", request))
            .cancel_url(self.return_url("cancel", request))
            .expires_at(request.expires_at)
    }
}

impl Payments for StripePayments {
    fn create_checkout<'a>(
        &'a self,
        request: &'a CheckoutRequest,
    ) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let session = send_idempotent(
                &self.client,
                self.checkout_params(request),
                idempotency::create_checkout(request),
            )
            .await?;
            Ok(to_session(session))
        })
    }

    fn retrieve_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let session = RetrieveCheckoutSession::new(session_id)
                .send(&self.client)
                .await
                .map_err(map_error)?;
            Ok(to_session(session))
        })
    }

    fn expire_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let session = send_idempotent(
                &self.client,
                ExpireCheckoutSession::new(session_id),
                idempotency::expire_checkout(session_id),
            )
            .await?;
            Ok(to_session(session))
        })
    }

    fn capture<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent> {
        Box::pin(async move {
            let intent = send_idempotent(
                &self.client,
                CapturePaymentIntent::new(payment_intent_id),
                idempotency::capture(record_id, payment_intent_id),
            )
            .await?;
            Ok(to_intent(intent))
        })
    }

    fn cancel<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent> {
        Box::pin(async move {
            let intent = send_idempotent(
                &self.client,
                CancelPaymentIntent::new(payment_intent_id),
                idempotency::cancel(record_id, payment_intent_id),
            )
            .await?;
            Ok(to_intent(intent))
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> PaymentsFuture<'a, Refund> {
        Box::pin(async move {
            let mut params = CreateRefund::new().payment_intent(request.payment_intent_id.clone());
            if let Some(amount) = request.amount_cents {
                params = params.amount(amount);
            }
            let refund =
                send_idempotent(&self.client, params, idempotency::refund(request)).await?;
            Ok(Refund {
                id: refund.id.to_string(),
                amount_cents: refund.amount,
                status: refund.status,
            })
        })
    }
}

fn to_session(session: stripe_checkout::CheckoutSession) -> CheckoutSession {
    CheckoutSession {
        id: session.id.to_string(),
        url: session.url,
        status: session.status.as_ref().map_or_else(
            || SessionStatus::Other(String::new()),
            |s| s.as_str().into(),
        ),
        payment_status: CheckoutSessionPaymentStatus::as_str(&session.payment_status).into(),
        payment_intent_id: session.payment_intent.map(|pi| pi.id().to_string()),
        amount_total_cents: session.amount_total,
        expires_at: session.expires_at,
        metadata: session
            .metadata
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
    }
}

fn to_intent(intent: stripe_core::PaymentIntent) -> PaymentIntent {
    PaymentIntent {
        id: intent.id.to_string(),
        status: intent.status.as_str().into(),
        amount_cents: intent.amount,
        amount_capturable_cents: intent.amount_capturable,
        amount_received_cents: intent.amount_received,
    }
}

/// Sends `request` once under the idempotency key `key`, so that a retry of
/// the same call (a step run twice, a sync run again) changes nothing more.
pub(crate) async fn send_idempotent<R>(
    client: &Client,
    request: R,
    key: String,
) -> Result<R::Output, PaymentsError>
where
    R: StripeRequest,
    R::Output: miniserde::Deserialize,
{
    let key = IdempotencyKey::new(&key).map_err(|e| {
        PaymentsError::InvalidRequest(ErrorDetail::message(format!("idempotency key: {e}")))
    })?;
    request
        .customize()
        .request_strategy(RequestStrategy::Idempotent(key))
        .send(client)
        .await
        .map_err(map_error)
}

/// An async-stripe client for `config`'s key, base URL and timeout.
pub(crate) fn build_client(config: StripeConfig) -> Result<Client, PaymentsError> {
    let mut builder = ClientBuilder::new(config.secret_key).timeout(config.timeout);
    if let Some(base) = config.api_base {
        // async-stripe joins `{base}v1/...`, so the base must end with a slash.
        let base = if base.ends_with('/') {
            base
        } else {
            format!("{base}/")
        };
        builder = builder.url(base);
    }
    builder.build().map_err(map_error)
}

/// Classifies async-stripe's error by HTTP status and Stripe's error type.
pub(crate) fn map_error(error: StripeError) -> PaymentsError {
    match error {
        StripeError::Stripe(api, status) => {
            let detail = ErrorDetail {
                message: api
                    .message
                    .clone()
                    .unwrap_or_else(|| format!("Stripe error {}", api.type_.as_str())),
                http_status: Some(status),
                code: api.code.as_ref().map(|c| c.as_str().to_owned()),
                decline_code: api.decline_code.clone(),
            };
            match (status, api.type_.as_str()) {
                (_, "card_error") | (402, _) => PaymentsError::Declined(detail),
                (429, _) => PaymentsError::RateLimited(detail),
                (500.., _) => PaymentsError::Unavailable(detail),
                _ => PaymentsError::InvalidRequest(detail),
            }
        }
        StripeError::ConfigError(message) => {
            PaymentsError::InvalidRequest(ErrorDetail::message(message))
        }
        // Network failures, timeouts and unreadable responses: nothing says the request
        // was wrong, and the idempotency key makes repeating it safe.
        StripeError::ClientError(message) | StripeError::JSONDeserialize(message) => {
            PaymentsError::Unavailable(ErrorDetail::message(message))
        }
        StripeError::Timeout => PaymentsError::Unavailable(ErrorDetail::message("timed out")),
    }
}
