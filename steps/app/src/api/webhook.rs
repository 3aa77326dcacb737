//! `POST /webhook/stripe`: verify, record each event once, hand each
//! payment's final state to the journey waiting for it, and apply what
//! happens to a payment later (refunds, disputes).

use campaigns_contracts::api::{ApiError, WebhookAck};
use campaigns_contracts::records::{PaymentOutcome, PaymentResult, PaymentWait, WebhookEvent};
use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_payments::{
    EventKind, SessionPaymentStatus, WebhookError, metadata_keys, verify_event,
};
use campaigns_records::{Condition, StoreError, typed};
use chrono::DateTime;

use crate::context::App;
use crate::disputes;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::metrics::{self, Fact};
use crate::payment_wait::{self, Payee};
use crate::refunds::{self, ChargeRefund};

/// Event ids are kept a little longer than Stripe redelivers (three days).
const EVENT_RETENTION_SECS: i64 = 4 * 24 * 3600;

pub async fn receive(app: &App, request: &ApiRequest) -> Handled {
    let now = app.now();
    let event = verify_event(
        &app.webhook_verifier,
        &request.body,
        request.header("stripe-signature"),
        now.timestamp(),
    )
    .map_err(|err| match err {
        WebhookError::Signature(reason) => ApiFailure::bad_request(
            ApiError::new("INVALID_SIGNATURE", reason.to_string())
                .with_field("Stripe-Signature", "signature"),
        ),
        WebhookError::Parse(reason) => {
            ApiFailure::bad_request(ApiError::new("INVALID_EVENT", reason))
        }
    })?;

    if app.records.get::<WebhookEvent>(&event.id).await?.is_some() {
        return Ok(ApiResponse::json(
            200,
            &WebhookAck {
                received: true,
                duplicate: true,
            },
        ));
    }
    // Handling is idempotent, so an event that races its own redelivery is
    // handled twice at worst; it is recorded only once handled, so a failure
    // half-way is retried by Stripe rather than lost.
    handle(app, &event).await?;
    let record = WebhookEvent {
        event_id: event.id.clone(),
        event_type: event.kind.to_string(),
        received_at: now,
        ttl: now.timestamp() + EVENT_RETENTION_SECS,
    };
    match app
        .records
        .store()
        .transact(&[typed::put(&record, Condition::NotExists)?])
        .await
    {
        Ok(()) | Err(StoreError::ConditionFailed { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    Ok(ApiResponse::json(
        200,
        &WebhookAck {
            received: true,
            duplicate: false,
        },
    ))
}

async fn handle(app: &App, event: &campaigns_payments::WebhookEvent) -> Result<(), ApiFailure> {
    let object = &event.data.object;
    // A dispute carries no metadata of ours: its PaymentIntent leads to the
    // grants.
    match &event.kind {
        EventKind::ChargeDisputeCreated => return disputes::opened(app, object).await,
        EventKind::ChargeDisputeClosed => return disputes::closed(app, object).await,
        _ => {}
    }
    let Some(payee) = payee(object) else {
        tracing::info!(event = event.id, kind = %event.kind, "event without our metadata; ignored");
        return Ok(());
    };
    let outcome = |result| PaymentOutcome {
        result,
        payment_intent_id: object.payment_intent.clone(),
        amount: object.amount_total.map(Cents),
        currency: object.currency.clone(),
        checkout_session_id: object.id.clone(),
        event_id: event.id.clone(),
    };
    match &event.kind {
        EventKind::CheckoutSessionCompleted => match object.payment_status {
            // With manual capture, `paid` means authorized.
            Some(SessionPaymentStatus::Paid) | Some(SessionPaymentStatus::NoPaymentRequired) => {
                report(app, &payee, &outcome(PaymentResult::Succeeded)).await
            }
            // A delayed method: the async_payment_* event settles it.
            _ => Ok(()),
        },
        EventKind::CheckoutSessionAsyncPaymentSucceeded => {
            report(app, &payee, &outcome(PaymentResult::Succeeded)).await
        }
        EventKind::CheckoutSessionAsyncPaymentFailed => {
            report(app, &payee, &outcome(PaymentResult::Failed)).await
        }
        EventKind::CheckoutSessionExpired => {
            // A payer may have opened a fresh session since; only the
            // current session's expiry can end the wait.
            if super::expiry_ends_wait(payee.campaign)
                && super::current_session(app, &payee).await?.as_deref() == Some(object.id.as_str())
            {
                report(app, &payee, &outcome(PaymentResult::Expired)).await
            } else {
                Ok(())
            }
        }
        EventKind::PaymentIntentSucceeded => intent_succeeded(app, &payee, object, &event.id).await,
        // Every failed attempt, a decline or a delayed method that failed
        // (which also ends its session), is one of these.
        EventKind::PaymentIntentPaymentFailed => {
            super::payment_failed(app, &payee).await?;
            metrics::emit(
                app,
                &Fact::PaymentFailed {
                    payee: &payee,
                    event_id: &event.id,
                },
            );
            Ok(())
        }
        EventKind::ChargeRefunded => match ChargeRefund::from_charge(object) {
            Some(refund) => {
                let refunded_at = DateTime::from_timestamp(event.created, 0).unwrap_or(app.now());
                refunds::charge_refunded(app, &payee, &refund, refunded_at).await
            }
            None => {
                tracing::warn!(
                    event = event.id,
                    "a refunded charge without amounts; ignored"
                );
                Ok(())
            }
        },
        other => {
            tracing::debug!(event = event.id, kind = %other, "nothing to do");
            Ok(())
        }
    }
}

/// `payment_intent.succeeded` settles a payment that no session event has
/// settled (a lost or late `checkout.session.*` event): when the record's
/// current session was paid with this PaymentIntent, Stripe's own answer
/// about that session is reported, and checked like any other payment.
async fn intent_succeeded(
    app: &App,
    payee: &Payee,
    intent: &campaigns_payments::EventObject,
    event_id: &str,
) -> Result<(), ApiFailure> {
    let wait = app.records.get::<PaymentWait>(&payee.wait_id()).await?;
    if wait.is_some_and(|found| found.record.outcome.is_some()) {
        return Ok(());
    }
    let Some(session_id) = super::current_session(app, payee).await? else {
        return Ok(());
    };
    let session = app
        .payments
        .retrieve_checkout(&session_id)
        .await
        .map_err(ApiFailure::unavailable)?;
    let settled = session.payment_intent_id.as_deref() == Some(intent.id.as_str())
        && session.payment_status == SessionPaymentStatus::Paid;
    if !settled {
        tracing::info!(
            payment_intent = intent.id,
            session = session.id,
            "a PaymentIntent that is not the record's current session's payment; its session's events settle it"
        );
        return Ok(());
    }
    let outcome = PaymentOutcome {
        result: PaymentResult::Succeeded,
        payment_intent_id: Some(intent.id.clone()),
        amount: session.amount_total_cents.map(Cents),
        currency: session.currency.clone(),
        checkout_session_id: session.id.clone(),
        event_id: event_id.to_owned(),
    };
    report(app, payee, &outcome).await
}

/// Whom a payment is for, from the metadata we wrote on the session and its
/// PaymentIntent.
fn payee(object: &campaigns_payments::EventObject) -> Option<Payee> {
    let campaign = object.metadata_value(metadata_keys::CAMPAIGN_ID)?;
    let campaign: CampaignId =
        serde_json::from_value(serde_json::Value::String(campaign.to_owned())).ok()?;
    Some(Payee {
        campaign,
        record_id: object.metadata_value(metadata_keys::RECORD_ID)?.to_owned(),
        member_id: object
            .metadata_value(metadata_keys::MEMBER_ID)
            .map(str::to_owned),
    })
}

async fn report(app: &App, payee: &Payee, outcome: &PaymentOutcome) -> Result<(), ApiFailure> {
    payment_wait::report(app, payee, outcome).await.map_err(|err| {
        tracing::error!(error = %err, wait = payee.wait_id(), "could not settle the payment wait");
        ApiFailure::unavailable(err)
    })
}
