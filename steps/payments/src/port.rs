//! The payments port: what the campaign logic asks of a payment provider, in our own types.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use campaigns_core::catalog::ProductId;

use crate::error::PaymentsError;
use crate::status::{PaymentIntentStatus, SessionPaymentStatus, SessionStatus};

/// The future every port method returns; boxed so the port can be used as `dyn Payments`.
pub type PaymentsFuture<'a, T> =
    Pin<Box<dyn Future<Output = Result<T, PaymentsError>> + Send + 'a>>;

/// Metadata keys written on every Checkout Session and its PaymentIntent, so webhook
/// events can be traced back to our records.
pub mod metadata_keys {
    /// The campaign (journey) the payment belongs to, e.g. `team-creation`.
    pub const CAMPAIGN_ID: &str = "campaignId";
    /// Our record the payment is for (team, purchase, plan, registration, application).
    pub const RECORD_ID: &str = "recordId";
    /// The member paying a share, where a record has several payers (teams).
    pub const MEMBER_ID: &str = "memberId";
    /// The product's `planType` as the catalog has it (`full-6months`), so Stripe's
    /// reports break revenue down by product.
    pub const PLAN_TYPE: &str = "planType";
}

/// The currency of every checkout: Australian dollars, written as Stripe
/// writes currencies (lower case).
pub const CURRENCY: &str = "aud";

/// When the authorized funds move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaptureMode {
    /// Funds are captured as soon as the customer pays.
    #[default]
    Automatic,
    /// Funds are only authorized; the journey captures or cancels them later.
    Manual,
}

/// What a checkout's amount is, which decides its line item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutPrice {
    /// The catalog's own price of the product: the line item is the synced catalog's
    /// Price, found by its lookup key (`<product>-aud`), whose amount must be the
    /// request's.
    Catalog,
    /// An amount the server computed (a scholarship price, a coupon discount, a team
    /// share): a GST-inclusive `price_data` line on the catalog's Product.
    Computed,
}

/// A request for a hosted checkout page for one server-priced item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// Campaign id, stored in metadata.
    pub campaign_id: String,
    /// Our record id; also the session's `client_reference_id`.
    pub record_id: String,
    /// The paying member, for records with several payers.
    pub member_id: Option<String>,
    /// Which session this is for the same record and member (0 for the first). A new
    /// number asks for a new session; the same number returns the one already made.
    pub attempt: u32,
    /// The catalog product paid for: its Stripe Product (or Price) is the line item, its
    /// `planType` goes into the metadata.
    pub product: ProductId,
    /// Whether `amount_cents` is the catalog's price of `product` or a computed one.
    pub price: CheckoutPrice,
    /// Price in AUD cents, computed by the server.
    pub amount_cents: i64,
    /// The payer's email, prefilled on the checkout page.
    pub customer_email: String,
    /// Unix seconds at which the session stops accepting payment (Stripe allows
    /// 30 minutes to 24 hours from creation).
    pub expires_at: i64,
    /// Capture immediately or only authorize.
    pub capture: CaptureMode,
    /// Where Stripe sends a payer who backs out: the API's cancel link, which
    /// expires the session, gives back what it held and redirects onward.
    pub cancel_url: String,
}

/// A Checkout Session as the journeys see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutSession {
    /// Provider id (`cs_...`).
    pub id: String,
    /// The hosted page to send the payer to; absent once the session is over.
    pub url: Option<String>,
    /// Open, complete or expired.
    pub status: SessionStatus,
    /// Whether the payment succeeded. With manual capture Stripe reports `paid` once the
    /// funds are authorized, before anything is captured.
    pub payment_status: SessionPaymentStatus,
    /// The PaymentIntent, once the payer has tried to pay.
    pub payment_intent_id: Option<String>,
    /// Total in cents.
    pub amount_total_cents: Option<i64>,
    /// The currency of the total, lower case (`aud`).
    pub currency: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// The metadata written at creation.
    pub metadata: BTreeMap<String, String>,
}

/// A PaymentIntent as the journeys see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentIntent {
    /// Provider id (`pi_...`).
    pub id: String,
    /// Lifecycle state.
    pub status: PaymentIntentStatus,
    /// Amount in cents.
    pub amount_cents: i64,
    /// Authorized and not yet captured, in cents.
    pub amount_capturable_cents: i64,
    /// Captured, in cents.
    pub amount_received_cents: i64,
}

/// A refund of a captured payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// Our record whose payment is refunded.
    pub record_id: String,
    /// The captured PaymentIntent.
    pub payment_intent_id: String,
    /// Cents to refund; `None` refunds everything left.
    pub amount_cents: Option<i64>,
    /// Which refund of the record this is (an admin's Idempotency-Key, an
    /// exam's cancellation): the same key refunds once, however often sent.
    pub key: String,
    /// Stripe's reason for it.
    pub reason: RefundReason,
    /// Why, in the operator's words; kept in the refund's metadata.
    pub note: Option<String>,
}

/// Stripe's reasons for a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundReason {
    Duplicate,
    Fraudulent,
    RequestedByCustomer,
}

/// A refund as the journeys see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    /// Provider id (`re_...`).
    pub id: String,
    /// Cents refunded.
    pub amount_cents: i64,
    /// Provider status (`succeeded`, `pending`, `failed`, ...), if reported.
    pub status: Option<String>,
}

/// The payments port. Every mutating call carries an idempotency key derived from the
/// record ids in its arguments, so a retried step never charges, captures or refunds twice.
pub trait Payments: Send + Sync {
    /// Creates a hosted Checkout Session for one item.
    fn create_checkout<'a>(
        &'a self,
        request: &'a CheckoutRequest,
    ) -> PaymentsFuture<'a, CheckoutSession>;
    /// Reads a Checkout Session.
    fn retrieve_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession>;
    /// Ends an open Checkout Session so it can no longer be paid.
    fn expire_checkout<'a>(&'a self, session_id: &'a str) -> PaymentsFuture<'a, CheckoutSession>;
    /// Captures an authorized PaymentIntent in full.
    fn capture<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent>;
    /// Cancels a PaymentIntent, releasing any authorization.
    fn cancel<'a>(
        &'a self,
        record_id: &'a str,
        payment_intent_id: &'a str,
    ) -> PaymentsFuture<'a, PaymentIntent>;
    /// Refunds a captured PaymentIntent, in full or in part.
    fn refund<'a>(&'a self, request: &'a RefundRequest) -> PaymentsFuture<'a, Refund>;
}
