//! Steps every paying journey shares: waiting for the payment, making sure
//! of its outcome when the wait times out, and (for the steps that settle)
//! checking it is the payment asked for.

use campaigns_contracts::records::{PaymentOutcome, PaymentResult};
use campaigns_core::campaign::CampaignId;
use campaigns_payments::{SessionPaymentStatus, SessionStatus};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::StepError;
use crate::context::App;
use crate::payment_check::{self, Mismatch};
use crate::payment_wait::{self, Payee};

/// The error of a settling step given a payment that is not the one asked
/// for; every journey catches it into a `…PaymentNeedsReview` Fail state.
pub(super) const NEEDS_REVIEW: &str = "Payment.NeedsReview";

/// The input of the `.waitForTaskToken` Task that waits for a payment.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AwaitPayment {
    /// The waiting execution's task token (`$$.Task.Token`).
    pub task_token: String,
    pub campaign_id: CampaignId,
    /// The record being paid for: a purchase, team, scholarship, plan or
    /// registration.
    pub record_id: String,
    /// The team member paying a share; absent for other campaigns.
    #[serde(default)]
    pub member_id: Option<String>,
}

/// The output of `await-payment` (and `await-review`): the token is left at
/// the rendezvous.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Waiting {
    /// Always `true`.
    pub waiting: bool,
}

/// Leaves the execution's token at the rendezvous; the webhook (or this
/// step, if the payment came first) resumes it with the outcome.
pub async fn await_payment(app: &App, input: AwaitPayment) -> Result<Waiting, StepError> {
    let payee = Payee {
        campaign: input.campaign_id,
        record_id: input.record_id,
        member_id: input.member_id,
    };
    payment_wait::wait(app, &payee, &input.task_token).await?;
    Ok(Waiting { waiting: true })
}

/// The input of `reconcile-payment`: the payment whose wait timed out.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Reconcile {
    pub campaign_id: CampaignId,
    /// The record being paid for.
    pub record_id: String,
    /// The team member paying a share; absent for other campaigns.
    #[serde(default)]
    pub member_id: Option<String>,
}

/// After a wait timed out: the outcome Stripe reported if one arrived
/// (the resume may have been lost), otherwise the current session's state,
/// expiring it if still open so it can no longer be paid. Either carries
/// the session, amount and currency, which the settling step compares with
/// the record.
pub async fn reconcile_payment(app: &App, input: Reconcile) -> Result<PaymentOutcome, StepError> {
    let payee = Payee {
        campaign: input.campaign_id,
        record_id: input.record_id,
        member_id: input.member_id,
    };
    if let Some(outcome) = payment_wait::outcome(app, &payee).await? {
        return Ok(outcome);
    }
    let Some(session_id) = crate::api::current_session(app, &payee).await? else {
        return Ok(expired(&payee, None));
    };
    let mut session = app.payments.retrieve_checkout(&session_id).await?;
    if session.status == SessionStatus::Open {
        session = app.payments.expire_checkout(&session_id).await?;
    }
    let paid = session.status == SessionStatus::Complete
        && matches!(
            session.payment_status,
            SessionPaymentStatus::Paid | SessionPaymentStatus::NoPaymentRequired
        );
    if paid {
        return Ok(PaymentOutcome {
            result: PaymentResult::Succeeded,
            payment_intent_id: session.payment_intent_id,
            amount: session.amount_total_cents.map(campaigns_core::money::Cents),
            currency: session.currency,
            checkout_session_id: session.id,
            event_id: "reconciled".into(),
        });
    }
    Ok(expired(&payee, Some(session.id)))
}

fn expired(payee: &Payee, session: Option<String>) -> PaymentOutcome {
    PaymentOutcome {
        result: PaymentResult::Expired,
        payment_intent_id: None,
        amount: None,
        currency: None,
        checkout_session_id: session.unwrap_or_default(),
        event_id: format!("reconciled:{}", payee.wait_id()),
    }
}

/// How `payment` differs from what `payee` is asked to pay, if it does
/// (see [`payment_check`]).
pub(super) async fn mismatch(
    app: &App,
    payee: &Payee,
    payment: Option<&PaymentOutcome>,
) -> Result<Option<Mismatch>, StepError> {
    let asked = crate::api::asked(app, payee)
        .await
        .map_err(|failure| {
            // Asking reads the records alone: their outage is retried.
            if failure.status >= 500 {
                StepError::new("Records.Unavailable", failure.error.message)
            } else {
                failure.into()
            }
        })?
        .ok_or_else(|| StepError::new("Step.RecordNotFound", "the record does not exist"))?;
    Ok(payment_check::compare(&asked, payment).err())
}

/// Whether `payment` ends a Checkout Session that was opened and never paid:
/// an expiry naming its session (a payee who never opened one started no
/// checkout; a failed payment was counted as one when Stripe reported it).
pub(super) fn checkout_expired(payment: Option<&PaymentOutcome>) -> bool {
    payment.is_some_and(|payment| {
        payment.result == PaymentResult::Expired && !payment.checkout_session_id.is_empty()
    })
}

/// Logs the mismatch for the alarm and fails the step with
/// [`NEEDS_REVIEW`]; the caller has marked the record `payment_review`.
pub(super) fn needs_review(
    app: &App,
    payee: &Payee,
    mismatch: &Mismatch,
    payment: Option<&PaymentOutcome>,
) -> StepError {
    payment_check::report(app, payee, mismatch, payment);
    StepError::new(
        NEEDS_REVIEW,
        format!("{mismatch}: nothing was granted; refund or accept the payment"),
    )
}
