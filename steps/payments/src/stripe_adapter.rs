//! The payments port on Stripe: async-stripe's request types, sent by our
//! [`StripeTransport`], answers read into our own small types. The same
//! adapter serves production (api.stripe.com) and every other setup (the
//! simulator, localstripe): only the base URL and key differ.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionPaymentIntentData, CreateCheckoutSessionPaymentIntentDataCaptureMethod,
    ExpireCheckoutSession, ProductData, RetrieveCheckoutSession,
};
use stripe_client_core::StripeRequest;
use stripe_core::payment_intent::{CancelPaymentIntent, CapturePaymentIntent};
use stripe_core::refund::{CreateRefund, CreateRefundReason};
use stripe_types::Currency;

use crate::error::PaymentsError;
use crate::idempotency;
use crate::port::{
    CURRENCY, CaptureMode, CheckoutRequest, CheckoutSession, PaymentIntent, Payments,
    PaymentsFuture, Refund, RefundReason, RefundRequest, metadata_keys,
};
use crate::status::SessionStatus;
use crate::transport::StripeTransport;

/// The Stripe API version every request is made with (async-stripe's request
/// types are generated for it); webhook endpoints must be configured with the
/// same version so events have the shapes we read.
pub const STRIPE_API_VERSION: &str = "2026-09-30.endive";

/// Where and how to reach Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    /// Secret key (`sk_...`).
    pub secret_key: String,
    /// API base URL; `None` for Stripe itself. A trailing `/` is added if missing.
    pub api_base: Option<String>,
    /// The frontend's origin (FRONTEND_URL); the success page lives under it.
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

/// The payments port implemented on Stripe.
#[derive(Clone, Debug)]
pub struct StripePayments {
    transport: StripeTransport,
    frontend_url: String,
}

impl StripePayments {
    /// Builds the client; fails on an unusable key or URL.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentsError> {
        Ok(Self {
            transport: StripeTransport::new(&config)?,
            frontend_url: config.frontend_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The frontend's success page (the cancel link is the request's own).
    fn success_url(&self, request: &CheckoutRequest) -> String {
        // `{CHECKOUT_SESSION_ID}` is replaced by Stripe with the session id.
        format!(
            "{}/checkout/success?campaign={}&record={}&session_id={{CHECKOUT_SESSION_ID}}",
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
        let currency = Currency::from_str(CURRENCY).unwrap_or_else(|never| match never {});
        let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
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
            .success_url(self.success_url(request))
            .cancel_url(request.cancel_url.clone())
            .expires_at(request.expires_at)
    }
}

impl Payments for StripePayments {
    fn create_checkout<'a>(
        &'a self,
        request: &'a CheckoutRequest,
    ) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let key = idempotency::create_checkout(request);
            let session: SessionAnswer = self
                .transport
                .call(self.checkout_params(request).build(), Some(&key))
                .await?;
            Ok(session.into())
        })
    }

    fn retrieve_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let request = RetrieveCheckoutSession::new(session_id).build();
            let session: SessionAnswer = self.transport.call(request, None).await?;
            Ok(session.into())
        })
    }

    fn expire_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession> {
        Box::pin(async move {
            let request = ExpireCheckoutSession::new(session_id).build();
            let key = idempotency::expire_checkout(session_id);
            let session: SessionAnswer = self.transport.call(request, Some(&key)).await?;
            Ok(session.into())
        })
    }

    fn capture<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent> {
        Box::pin(async move {
            let request = CapturePaymentIntent::new(payment_intent_id).build();
            let key = idempotency::capture(record_id, payment_intent_id);
            let intent: IntentAnswer = self.transport.call(request, Some(&key)).await?;
            Ok(intent.into())
        })
    }

    fn cancel<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent> {
        Box::pin(async move {
            let request = CancelPaymentIntent::new(payment_intent_id).build();
            let key = idempotency::cancel(record_id, payment_intent_id);
            let intent: IntentAnswer = self.transport.call(request, Some(&key)).await?;
            Ok(intent.into())
        })
    }

    fn refund<'a>(&'a self, request: &'a RefundRequest) -> PaymentsFuture<'a, Refund> {
        Box::pin(async move {
            let mut params = CreateRefund::new()
                .payment_intent(request.payment_intent_id.clone())
                .reason(match request.reason {
                    RefundReason::Duplicate => CreateRefundReason::Duplicate,
                    RefundReason::Fraudulent => CreateRefundReason::Fraudulent,
                    RefundReason::RequestedByCustomer => CreateRefundReason::RequestedByCustomer,
                });
            if let Some(amount) = request.amount_cents {
                params = params.amount(amount);
            }
            if let Some(note) = &request.note {
                params = params.metadata(HashMap::from([("note".to_owned(), note.clone())]));
            }
            let key = idempotency::refund(request);
            let refund: RefundAnswer = self.transport.call(params.build(), Some(&key)).await?;
            Ok(Refund {
                id: refund.id,
                amount_cents: refund.amount,
                status: refund.status,
            })
        })
    }
}

/// The fields of a Checkout Session we read.
#[derive(Deserialize)]
struct SessionAnswer {
    id: String,
    url: Option<String>,
    status: Option<String>,
    payment_status: String,
    payment_intent: Option<IdOrObject>,
    amount_total: Option<i64>,
    #[serde(default)]
    currency: Option<String>,
    expires_at: i64,
    #[serde(default)]
    metadata: Option<BTreeMap<String, String>>,
}

/// A related object: its id, or the object itself when expanded.
#[derive(Deserialize)]
#[serde(untagged)]
enum IdOrObject {
    Id(String),
    Object { id: String },
}

impl From<SessionAnswer> for CheckoutSession {
    fn from(session: SessionAnswer) -> Self {
        CheckoutSession {
            id: session.id,
            url: session.url,
            status: session
                .status
                .map_or_else(|| SessionStatus::Other(String::new()), SessionStatus::from),
            payment_status: session.payment_status.into(),
            payment_intent_id: session.payment_intent.map(|intent| match intent {
                IdOrObject::Id(id) | IdOrObject::Object { id } => id,
            }),
            amount_total_cents: session.amount_total,
            currency: session.currency,
            expires_at: session.expires_at,
            metadata: session.metadata.unwrap_or_default(),
        }
    }
}

/// The fields of a PaymentIntent we read.
#[derive(Deserialize)]
struct IntentAnswer {
    id: String,
    status: String,
    amount: i64,
    amount_capturable: i64,
    amount_received: i64,
}

impl From<IntentAnswer> for PaymentIntent {
    fn from(intent: IntentAnswer) -> Self {
        PaymentIntent {
            id: intent.id,
            status: intent.status.into(),
            amount_cents: intent.amount,
            amount_capturable_cents: intent.amount_capturable,
            amount_received_cents: intent.amount_received,
        }
    }
}

/// The fields of a Refund we read.
#[derive(Deserialize)]
struct RefundAnswer {
    id: String,
    amount: i64,
    status: Option<String>,
}
