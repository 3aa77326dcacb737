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
use campaigns_mail::emails::{RefundDetails, RefundIssued};
use campaigns_payments::EventObject;
use chrono::{DateTime, Utc};

use crate::access::{self, Change};
use crate::context::App;
use crate::failure::ApiFailure;
use crate::payment_wait::Payee;

/// What a `charge.refunded` event says about one payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRefund {
    /// The refunded charge (`ch_…`): the reference the refund email gives.
    pub charge_id: String,
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
            charge_id: charge.id.clone(),
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

/// Applies a refund of `payee`'s payment made at `refunded_at`: the payer
/// is told first (what this event adds to the amount the record knows),
/// then the record, then, for a full refund, the access it paid for. A
/// replayed event adds nothing and mails nothing; one whose handling was cut
/// short after the email mails again: at least once, never not at all.
pub async fn charge_refunded(
    app: &App,
    payee: &Payee,
    refund: &ChargeRefund,
    refunded_at: DateTime<Utc>,
) -> Result<(), ApiFailure> {
    let known = crate::api::refund::paid(app, payee)
        .await?
        .map_or(Cents::ZERO, |paid| paid.refunded);
    let added = refund.refunded - known;
    if added > Cents::ZERO {
        let details = RefundDetails {
            refund_id: &refund.charge_id,
            amount: added,
            total_refunded: refund.refunded,
            refunded_at,
        };
        crate::api::send_about_payment(app, payee, |payment, token| {
            RefundIssued::new(payment, details, token, &app.mail_settings.links)
        })
        .await?;
    }
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
