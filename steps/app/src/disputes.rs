//! Disputes (chargebacks): `charge.dispute.created` suspends the access the
//! disputed payment paid for and alerts ops; `charge.dispute.closed`
//! restores it when the dispute was won and ends it when lost. Ops get an
//! email (the ops address) for every disputed payment that paid for access.
//!
//! A dispute object carries no metadata of ours, only its PaymentIntent,
//! so the grants are found by `paymentIntentId`. A mock exam seat is not
//! access: a dispute of one only alerts ops.

use campaigns_core::money::Cents;
use campaigns_mail::emails::DisputeOpened;
use campaigns_payments::EventObject;

use crate::access::{self, Change};
use crate::context::App;
use crate::failure::ApiFailure;

/// The value of the `alarm` field of the error logged for every dispute
/// opened; the alarm's metric filter counts it (`infra/alarms.tf`).
pub const ALARM: &str = "payment_disputed";

/// `charge.dispute.created`: suspends the access and alerts ops.
pub async fn opened(app: &App, dispute: &EventObject) -> Result<(), ApiFailure> {
    let Some(payment_intent) = dispute.payment_intent.as_deref() else {
        tracing::warn!(
            dispute = dispute.id,
            "a dispute without a PaymentIntent; ignored"
        );
        return Ok(());
    };
    let change = Change::Suspend {
        dispute_id: &dispute.id,
    };
    // Ops are told before the grants change, so a handling cut short in
    // between tells them again rather than never.
    let now = app.now();
    for grant in access::paid_by(app, payment_intent).await? {
        if access::apply(&mut grant.clone(), &change, now) {
            let reason = dispute.reason.as_deref().unwrap_or("unstated");
            let amount = Cents(dispute.amount.unwrap_or_default());
            crate::api::send_about_payment(app, &access::payee(&grant), |payment, _| {
                DisputeOpened::new(
                    payment,
                    &dispute.id,
                    reason,
                    amount,
                    &app.mail_settings.ops_email,
                )
            })
            .await?;
        }
    }
    let suspended = access::change_paid_by(app, payment_intent, &change).await?;
    tracing::error!(
        alarm = ALARM,
        dispute = dispute.id,
        payment_intent,
        amount_cents = dispute.amount,
        reason = dispute.reason.as_deref(),
        suspended = suspended.len(),
        "a payment is disputed: its access is suspended until the dispute closes; answer it in Stripe's dashboard"
    );
    Ok(())
}

/// `charge.dispute.closed`: restores the access when won, ends it when lost.
/// Statuses other than `won` and `lost` (a warning closed, …) change nothing.
pub async fn closed(app: &App, dispute: &EventObject) -> Result<(), ApiFailure> {
    let Some(payment_intent) = dispute.payment_intent.as_deref() else {
        return Ok(());
    };
    let won = match dispute.status.as_deref() {
        Some("won") => true,
        Some("lost") => false,
        other => {
            tracing::info!(
                dispute = dispute.id,
                status = other,
                "a dispute closed without a decision"
            );
            return Ok(());
        }
    };
    let change = Change::CloseDispute {
        dispute_id: &dispute.id,
        won,
    };
    let changed = access::change_paid_by(app, payment_intent, &change).await?;
    tracing::info!(
        dispute = dispute.id,
        payment_intent,
        won,
        grants = changed.len(),
        "a dispute closed"
    );
    Ok(())
}
