//! `POST /webhook/stripe`: verify, record each event once, and hand each
//! payment's final state to the journey waiting for it.

use campaigns_contracts::api::{ApiError, WebhookAck};
use campaigns_contracts::records::{PaymentOutcome, PaymentResult, WebhookEvent};
use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_payments::{
    EventKind, SessionPaymentStatus, WebhookError, metadata_keys, verify_event,
};
use campaigns_records::{Condition, StoreError, typed};

use crate::access;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::payment_wait::{self, Payee};

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
        EventKind::PaymentIntentPaymentFailed => super::payment_failed(app, &payee).await,
        EventKind::ChargeRefunded => {
            if let Some(payment_intent) = &object.payment_intent {
                let revoked = access::revoke_paid_by(app, payment_intent).await?;
                tracing::info!(
                    payment_intent,
                    revoked = revoked.len(),
                    "refund revoked access"
                );
            }
            super::refunded(app, &payee).await
        }
        other => {
            tracing::debug!(event = event.id, kind = %other, "nothing to do");
            Ok(())
        }
    }
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
