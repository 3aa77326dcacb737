//! The payments port on Stripe: async-stripe's request types, sent by our
//! [`StripeTransport`], answers read into our own small types. The same
//! adapter serves production (api.stripe.com) and every other setup (the
//! simulator, localstripe): only the base URL and key differ.

use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use campaigns_core::catalog::{self as core_catalog, ProductId};
use serde::Deserialize;
use stripe_checkout::CheckoutSessionMode;
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionLineItemsPriceData,
    CreateCheckoutSessionLineItemsPriceDataTaxBehavior, CreateCheckoutSessionPaymentIntentData,
    CreateCheckoutSessionPaymentIntentDataCaptureMethod, ExpireCheckoutSession,
    RetrieveCheckoutSession,
};
use stripe_client_core::StripeRequest;
use stripe_core::payment_intent::{CancelPaymentIntent, CapturePaymentIntent};
use stripe_core::refund::{CreateRefund, CreateRefundReason};
use stripe_product::price::ListPrice;
use stripe_product::product::RetrieveProduct;
use stripe_types::Currency;

use crate::catalog;
use crate::error::{ErrorDetail, PaymentsError};
use crate::idempotency;
use crate::port::{
    CURRENCY, CaptureMode, CheckoutPrice, CheckoutRequest, CheckoutSession, PaymentIntent,
    Payments, PaymentsFuture, Refund, RefundReason, RefundRequest, metadata_keys,
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
    /// The catalog's Stripe Products found so far, by product: a Product, once
    /// synced, keeps its id, so one lookup per process is enough.
    products: Arc<Mutex<HashMap<ProductId, String>>>,
}

impl StripePayments {
    /// Builds the client; fails on an unusable key or URL.
    pub fn new(config: StripeConfig) -> Result<Self, PaymentsError> {
        Ok(Self {
            transport: StripeTransport::new(&config)?,
            frontend_url: config.frontend_url.trim_end_matches('/').to_owned(),
            products: Arc::default(),
        })
    }

    /// The line item: the catalog's Price at the catalog price, else a
    /// GST-inclusive `price_data` on the catalog's Product.
    async fn line_item(
        &self,
        request: &CheckoutRequest,
    ) -> Result<CreateCheckoutSessionLineItems, PaymentsError> {
        let mut item = CreateCheckoutSessionLineItems::new();
        item.quantity = Some(1);
        match request.price {
            CheckoutPrice::Catalog => item.price = Some(self.catalog_price(request).await?),
            CheckoutPrice::Computed => {
                let currency = Currency::from_str(CURRENCY).unwrap_or_else(|never| match never {});
                let mut price = CreateCheckoutSessionLineItemsPriceData::new(currency);
                price.unit_amount = Some(request.amount_cents);
                price.product = Some(self.catalog_product(request.product).await?);
                price.tax_behavior =
                    Some(CreateCheckoutSessionLineItemsPriceDataTaxBehavior::Inclusive);
                item.price_data = Some(price);
            }
        }
        Ok(item)
    }

    /// The id of the active Price with the product's lookup key, which must
    /// charge what the request asks. Looked up at every checkout, so a sync
    /// that replaces a Price takes effect at once.
    async fn catalog_price(&self, request: &CheckoutRequest) -> Result<String, PaymentsError> {
        let lookup_key = catalog::lookup_key(&catalog::product_key(request.product));
        let list = ListPrice::new()
            .lookup_keys(vec![lookup_key.clone()])
            .active(true)
            .build();
        let prices: ListAnswer<PriceAnswer> = self.transport.call(list, None).await?;
        let price = prices.data.into_iter().next().ok_or_else(|| {
            not_synced(format!("no active Price has the lookup key `{lookup_key}`"))
        })?;
        if price.unit_amount != Some(request.amount_cents) || price.currency != CURRENCY {
            return Err(not_synced(format!(
                "the Price with the lookup key `{lookup_key}` ({}) is {} {}, the checkout asks {} {CURRENCY}",
                price.id,
                price
                    .unit_amount
                    .map_or_else(|| "-".to_owned(), |a| a.to_string()),
                price.currency,
                request.amount_cents,
            )));
        }
        Ok(price.id)
    }

    /// The id of the catalog's active Stripe Product for `product`.
    async fn catalog_product(&self, product: ProductId) -> Result<String, PaymentsError> {
        if let Some(id) = self.known_products().get(&product) {
            return Ok(id.clone());
        }
        let id = catalog::stripe_product_id(&catalog::product_key(product));
        let found: Result<ProductAnswer, _> = self
            .transport
            .call(RetrieveProduct::new(id.as_str()).build(), None)
            .await;
        match found {
            Ok(answer) if answer.active => {}
            Ok(_) => return Err(not_synced(format!("the Stripe Product `{id}` is inactive"))),
            Err(PaymentsError::InvalidRequest(detail)) if detail.http_status == Some(404) => {
                return Err(not_synced(format!("there is no Stripe Product `{id}`")));
            }
            Err(error) => return Err(error),
        }
        self.known_products().insert(product, id.clone());
        Ok(id)
    }

    fn known_products(&self) -> std::sync::MutexGuard<'_, HashMap<ProductId, String>> {
        self.products.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The frontend's success page (the cancel link is the request's own).
    fn success_url(&self, request: &CheckoutRequest) -> String {
        // `{CHECKOUT_SESSION_ID}` is replaced by Stripe with the session id.
        format!(
            "{}/checkout/success?campaign={}&record={}&session_id={{CHECKOUT_SESSION_ID}}",
            self.frontend_url, request.campaign_id, request.record_id
        )
    }

    fn checkout_params(
        &self,
        request: &CheckoutRequest,
        item: CreateCheckoutSessionLineItems,
    ) -> CreateCheckoutSession {
        let mut metadata = HashMap::from([
            (
                metadata_keys::CAMPAIGN_ID.to_owned(),
                request.campaign_id.clone(),
            ),
            (
                metadata_keys::RECORD_ID.to_owned(),
                request.record_id.clone(),
            ),
            (
                metadata_keys::PLAN_TYPE.to_owned(),
                core_catalog::product(request.product).plan_type.to_owned(),
            ),
        ]);
        if let Some(member) = &request.member_id {
            metadata.insert(metadata_keys::MEMBER_ID.to_owned(), member.clone());
        }
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
            let item = self.line_item(request).await?;
            let session: SessionAnswer = self
                .transport
                .call(self.checkout_params(request, item).build(), Some(&key))
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

/// What a checkout needs the catalog sync to have made.
fn not_synced(what: String) -> PaymentsError {
    PaymentsError::InvalidRequest(ErrorDetail {
        message: format!(
            "{what}: the Stripe catalog is not synced with this account; run \
             `campaigns stripe-catalog sync` with its STRIPE_SECRET_KEY"
        ),
        code: Some("catalog_not_synced".to_owned()),
        ..ErrorDetail::default()
    })
}

/// A page of a list.
#[derive(Deserialize)]
struct ListAnswer<T> {
    data: Vec<T>,
}

/// The fields of a Price we read.
#[derive(Deserialize)]
struct PriceAnswer {
    id: String,
    unit_amount: Option<i64>,
    currency: String,
}

/// The field of a Product we read.
#[derive(Deserialize)]
struct ProductAnswer {
    active: bool,
}

/// The fields of a Refund we read.
#[derive(Deserialize)]
struct RefundAnswer {
    id: String,
    amount: i64,
    status: Option<String>,
}
