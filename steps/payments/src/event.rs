//! Webhook events, parsed for exactly the fields the journeys read. Everything else,
//! and any event type or status value Stripe adds later, is tolerated, not rejected.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::signature::{SignatureError, SignatureVerifier};
use crate::status::{SessionPaymentStatus, string_enum};

string_enum! {
    /// The event types the journeys act on; every other type parses as `Other`.
    EventKind {
        /// The payer finished checkout; see the session's payment status.
        CheckoutSessionCompleted = "checkout.session.completed",
        /// A delayed method succeeded after completion.
        CheckoutSessionAsyncPaymentSucceeded = "checkout.session.async_payment_succeeded",
        /// A delayed method failed after completion.
        CheckoutSessionAsyncPaymentFailed = "checkout.session.async_payment_failed",
        /// The session ended unpaid.
        CheckoutSessionExpired = "checkout.session.expired",
        /// Funds were captured.
        PaymentIntentSucceeded = "payment_intent.succeeded",
        /// A payment attempt failed (e.g. declined card).
        PaymentIntentPaymentFailed = "payment_intent.payment_failed",
        /// The PaymentIntent was canceled.
        PaymentIntentCanceled = "payment_intent.canceled",
        /// Funds were authorized (manual capture): the PaymentIntent requires capture.
        PaymentIntentAmountCapturableUpdated = "payment_intent.amount_capturable_updated",
        /// A charge was refunded, in part or in full.
        ChargeRefunded = "charge.refunded",
        /// A refund was created.
        RefundCreated = "refund.created",
        /// A cardholder disputed a charge (a chargeback); the object is the dispute.
        ChargeDisputeCreated = "charge.dispute.created",
        /// A dispute was decided: its status is `won` or `lost`.
        ChargeDisputeClosed = "charge.dispute.closed",
    }
}

/// A webhook event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct WebhookEvent {
    /// `evt_...`; the key for handling each event once.
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub kind: EventKind,
    /// Unix seconds.
    pub created: i64,
    /// The object the event is about.
    pub data: EventData,
}

/// The event's payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EventData {
    /// The object as it was when the event happened.
    pub object: EventObject,
}

/// The fields the journeys read from a session, PaymentIntent, charge, refund
/// or dispute.
/// Each is optional because each object type has only some of them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EventObject {
    /// `cs_...`, `pi_...`, `ch_...`, `re_...` or `du_...`.
    pub id: String,
    /// The object type, e.g. `checkout.session`.
    #[serde(default, rename = "object")]
    pub object_type: Option<String>,
    /// Metadata as written at creation.
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, String>>,
    /// The object's own status (its meaning depends on the object type).
    #[serde(default)]
    pub status: Option<String>,
    /// A session's payment outcome.
    #[serde(default)]
    pub payment_status: Option<SessionPaymentStatus>,
    /// The PaymentIntent of a session, charge or refund.
    #[serde(default, deserialize_with = "expandable_id")]
    pub payment_intent: Option<String>,
    /// The charge of a refund.
    #[serde(default, deserialize_with = "expandable_id")]
    pub charge: Option<String>,
    /// A session's `client_reference_id` (our record id).
    #[serde(default)]
    pub client_reference_id: Option<String>,
    /// Currency, lower case.
    #[serde(default)]
    pub currency: Option<String>,
    /// Amount in cents (PaymentIntent, charge, refund).
    #[serde(default)]
    pub amount: Option<i64>,
    /// A session's total in cents.
    #[serde(default)]
    pub amount_total: Option<i64>,
    /// Authorized and not captured, in cents.
    #[serde(default)]
    pub amount_capturable: Option<i64>,
    /// Captured, in cents (PaymentIntent).
    #[serde(default)]
    pub amount_received: Option<i64>,
    /// Captured, in cents (charge).
    #[serde(default)]
    pub amount_captured: Option<i64>,
    /// Refunded so far, in cents (charge).
    #[serde(default)]
    pub amount_refunded: Option<i64>,
    /// Why a dispute was opened (`fraudulent`, `product_not_received`, …).
    #[serde(default)]
    pub reason: Option<String>,
}

impl EventObject {
    /// One metadata value, e.g. [`crate::metadata_keys::RECORD_ID`].
    pub fn metadata_value(&self, key: &str) -> Option<&str> {
        self.metadata.as_ref()?.get(key).map(String::as_str)
    }
}

/// Why a delivery was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// Not signed by Stripe with our secret, or too old.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// Signed, but not an event we can read.
    #[error("unreadable webhook event: {0}")]
    Parse(String),
}

/// Parses an event body.
pub fn parse_event(payload: &[u8]) -> Result<WebhookEvent, WebhookError> {
    serde_json::from_slice(payload).map_err(|e| WebhookError::Parse(e.to_string()))
}

/// Verifies a delivery's signature at `now` (unix seconds) and then parses it.
pub fn verify_event(
    verifier: &SignatureVerifier,
    payload: &[u8],
    signature_header: Option<&str>,
    now: i64,
) -> Result<WebhookEvent, WebhookError> {
    verifier.verify(payload, signature_header, now)?;
    parse_event(payload)
}

/// Reads an id that Stripe sends either as a string or, when expanded, as an object.
fn expandable_id<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Expandable {
        Id(String),
        Object { id: String },
    }
    Ok(
        Option::<Expandable>::deserialize(deserializer)?.map(|e| match e {
            Expandable::Id(id) | Expandable::Object { id } => id,
        }),
    )
}
