//! The payments port and its Stripe adapter.
//!
//! - [`Payments`] is the port the campaign logic calls, in our own types;
//! - [`StripePayments`] implements it with async-stripe's request types over our own
//!   transport ([`transport`]), against Stripe or any server that speaks Stripe's API (our
//!   simulator, localstripe);
//! - [`SignatureVerifier`] and [`verify_event`] accept webhook deliveries and read the few
//!   event fields the journeys use;
//! - [`catalog::CatalogSync`] makes Stripe's Products and Prices match the catalog.

pub mod catalog;
mod error;
mod event;
pub mod idempotency;
mod port;
mod signature;
mod status;
mod stripe_adapter;
pub mod transport;

pub use error::{ErrorDetail, PaymentsError};
pub use event::{
    EventData, EventKind, EventObject, WebhookError, WebhookEvent, parse_event, verify_event,
};
pub use port::{
    CURRENCY, CaptureMode, CheckoutPrice, CheckoutRequest, CheckoutSession, PaymentIntent,
    Payments, PaymentsFuture, Refund, RefundReason, RefundRequest, metadata_keys,
};
pub use signature::{
    DEFAULT_TOLERANCE_SECS, SIGNATURE_HEADER, SignatureError, SignatureVerifier, sign,
};
pub use status::{PaymentIntentStatus, SessionPaymentStatus, SessionStatus};
pub use stripe_adapter::{STRIPE_API_VERSION, StripeConfig, StripePayments};
