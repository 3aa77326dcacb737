//! Refunds: what Stripe's `charge.refunded` does to the record a payment
//! paid for, whoever started the refund (an admin through the API, or
//! someone in Stripe's dashboard).
//!
//! A full refund ends the access the payment paid for and marks the record
//! refunded; a partial one keeps the access and records the amount. The
//! amounts come from the charge, which carries the total refunded so far, so
//! events applied twice or out of order leave the same record. A used coupon
//! stays used, as in Stripe.

use campaigns_core::money::Cents;
use campaigns_payments::EventObject;

use crate::access::{self, Change};
use crate::context::App;
use crate::failure::ApiFailure;
use crate::payment_wait::Payee;

/// What a `charge.refunded` event says about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRefund {
    pub payment_intent_id: String,
    /// Refunded so far, in cents: this refund and every earlier one.
    pub refunded: Cents,
    /// Captured by the charge, in cents.
    pub captured: Cents,
}

impl ChargeRefund {
    /// The refund a charge object describes; `None` without a PaymentIntent
    /// or amounts (not a charge of one of our checkouts).
    pub fn from_charge(charge: &EventObject) -> Option<ChargeRefund> {
        Some(ChargeRefund {
            payment_intent_id: charge.payment_intent.clone()?,
            refunded: Cents(charge.amount_refunded?),
            captured: Cents(charge.amount_captured.or(charge.amount)?),
        })
    }

    /// Whether nothing of the payment is left.
    pub fn is_full(&self) -> bool {
        self.refunded >= self.captured
    }

    /// Records the amount on a record's `amountRefunded`, never lowering it
    /// (an older event may come after a newer one).
    pub fn record_on(&self, amount_refunded: &mut Option<Cents>) {
        let known = amount_refunded.unwrap_or(Cents(0));
        *amount_refunded = Some(known.max(self.refunded));
    }
}

/// Applies a refund of `payee`'s payment: the record first, then, for a full
/// refund, the access it paid for.
pub async fn charge_refunded(
    app: &App,
    payee: &Payee,
    refund: &ChargeRefund,
) -> Result<(), ApiFailure> {
    crate::api::record_refund(app, payee, refund).await?;
    if refund.is_full() {
        let revoked =
            access::change_paid_by(app, &refund.payment_intent_id, &Change::Revoke).await?;
        tracing::info!(
            payment_intent = refund.payment_intent_id,
            revoked = revoked.len(),
            "a full refund ended the access it paid for"
        );
    }
    Ok(())
}
