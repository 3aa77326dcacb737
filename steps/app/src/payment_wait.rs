//! The rendezvous of a journey waiting for a payment and Stripe's webhook.
//!
//! Either side may arrive first: Stripe can report a payment before the
//! execution reaches its wait, and a webhook can be redelivered. Each side
//! writes its half (the task token, or the outcome) with a conditional
//! write; the side that finds both halves resumes the execution. Sending the
//! same token twice is harmless — a task token completes once, a second
//! send is refused as closed — so the execution resumes exactly once.

use campaigns_contracts::records::{PaymentOutcome, PaymentResult, PaymentWait};
use campaigns_core::campaign::CampaignId;
use campaigns_ports::workflows::WorkflowError;
use campaigns_records::optimistic::{self, Attempt};
use campaigns_records::{Condition, StoreError, typed};

use crate::context::App;
use crate::payment_check::{self, Mismatch};

/// How long a rendezvous is kept after its last write.
const RETENTION_SECS: i64 = 30 * 24 * 3600;

/// What a payment is for: a record, or one member's share of a team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payee {
    pub campaign: CampaignId,
    pub record_id: String,
    pub member_id: Option<String>,
}

impl Payee {
    pub fn wait_id(&self) -> String {
        match &self.member_id {
            Some(member) => format!("{}/{member}", self.record_id),
            None => self.record_id.clone(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RendezvousError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not resume the execution: {0}")]
    Workflow(WorkflowError),
}

/// The execution's half: it now waits with `task_token`.
pub async fn wait(app: &App, payee: &Payee, task_token: &str) -> Result<(), RendezvousError> {
    let id = payee.wait_id();
    let wait = optimistic::until_written(
        app.records.store(),
        &format!("payment wait {id}"),
        || app.records.get::<PaymentWait>(&id),
        |found| {
            let (mut wait, condition) = match found {
                None => (new_wait(app, payee), Condition::NotExists),
                Some(found) => (found.record, Condition::Version(found.version)),
            };
            wait.task_token = Some(task_token.to_owned());
            wait.ttl = app.now().timestamp() + RETENTION_SECS;
            Ok(Attempt::Write(vec![typed::put(&wait, condition)?], wait))
        },
        optimistic::always_retry::<RendezvousError>,
    )
    .await?;
    if let Some(outcome) = &wait.outcome {
        resume(app, task_token, outcome).await?;
        mark_delivered(app, &wait).await?;
    }
    Ok(())
}

/// Stripe's half: the payment reached its final state. The first final
/// outcome stands; later ones (a redelivery) change nothing, and a second
/// successful payment through another session is logged for ops to refund.
pub async fn report(
    app: &App,
    payee: &Payee,
    outcome: &PaymentOutcome,
) -> Result<(), RendezvousError> {
    let id = payee.wait_id();
    // The wait as written, and whether it was settled before this report.
    let (wait, settled_before) = optimistic::until_written(
        app.records.store(),
        &format!("payment wait {id}"),
        || app.records.get::<PaymentWait>(&id),
        |found| {
            let (mut wait, condition) = match found {
                None => (new_wait(app, payee), Condition::NotExists),
                Some(found) if found.record.outcome.is_some() => {
                    return Ok(Attempt::Done((found.record, true)));
                }
                Some(found) => (found.record, Condition::Version(found.version)),
            };
            wait.outcome = Some(outcome.clone());
            wait.ttl = app.now().timestamp() + RETENTION_SECS;
            Ok(Attempt::Write(
                vec![typed::put(&wait, condition)?],
                (wait, false),
            ))
        },
        optimistic::always_retry::<RendezvousError>,
    )
    .await?;
    if settled_before
        && let Some(settled) = &wait.outcome
        && let Some(mismatch) = paid_twice(settled, outcome)
    {
        payment_check::report(app, payee, &mismatch, Some(outcome));
    }
    // Resume once both halves are here; again if an earlier resume never
    // reached the engine.
    if wait.delivered_at.is_none()
        && let (Some(token), Some(settled)) = (&wait.task_token, &wait.outcome)
    {
        resume(app, token, settled).await?;
        mark_delivered(app, &wait).await?;
    }
    Ok(())
}

/// A success after the payee's payment succeeded through another session:
/// the payer paid twice.
fn paid_twice(settled: &PaymentOutcome, reported: &PaymentOutcome) -> Option<Mismatch> {
    let succeeded = PaymentResult::Succeeded;
    (settled.result == succeeded
        && reported.result == succeeded
        && settled.checkout_session_id != reported.checkout_session_id)
        .then(|| Mismatch::PaidTwice {
            settled: settled.checkout_session_id.clone(),
            paid: reported.checkout_session_id.clone(),
        })
}

/// Forgets an outcome other than success, so that the payee's next wait
/// waits for a new attempt: where a journey gives the payer days, a failed
/// payment is not the end and the payer may pay again. A success is kept.
pub async fn reopen(app: &App, payee: &Payee) -> Result<(), StoreError> {
    let id = payee.wait_id();
    optimistic::until_written(
        app.records.store(),
        &format!("payment wait {id}"),
        || app.records.get::<PaymentWait>(&id),
        |found| {
            let Some(found) = found else {
                return Ok(Attempt::Done(()));
            };
            let mut wait = found.record;
            match &wait.outcome {
                None => return Ok(Attempt::Done(())),
                Some(outcome) if outcome.result == PaymentResult::Succeeded => {
                    return Ok(Attempt::Done(()));
                }
                Some(_) => {}
            }
            wait.outcome = None;
            wait.task_token = None;
            wait.delivered_at = None;
            wait.ttl = app.now().timestamp() + RETENTION_SECS;
            let write = typed::put(&wait, Condition::Version(found.version))?;
            Ok(Attempt::Write(vec![write], ()))
        },
        optimistic::always_retry::<StoreError>,
    )
    .await
}

/// The outcome reported so far, if any (used when a wait times out).
pub async fn outcome(app: &App, payee: &Payee) -> Result<Option<PaymentOutcome>, StoreError> {
    Ok(app
        .records
        .get::<PaymentWait>(&payee.wait_id())
        .await?
        .and_then(|found| found.record.outcome))
}

fn new_wait(app: &App, payee: &Payee) -> PaymentWait {
    PaymentWait {
        wait_id: payee.wait_id(),
        campaign_id: payee.campaign,
        record_id: payee.record_id.clone(),
        member_id: payee.member_id.clone(),
        task_token: None,
        outcome: None,
        delivered_at: None,
        ttl: app.now().timestamp() + RETENTION_SECS,
    }
}

async fn resume(app: &App, token: &str, outcome: &PaymentOutcome) -> Result<(), RendezvousError> {
    let output = serde_json::to_value(outcome).expect("outcomes serialize");
    match app.workflows.send_task_success(token, &output).await {
        // Closed: already resumed, or the wait timed out and the journey
        // reconciles on its own.
        Ok(()) | Err(WorkflowError::TaskClosed) | Err(WorkflowError::InvalidToken) => Ok(()),
        Err(other) => Err(RendezvousError::Workflow(other)),
    }
}

/// Records that the execution was resumed; a lost race here means the other
/// side recorded it, which is just as good.
async fn mark_delivered(app: &App, wait: &PaymentWait) -> Result<(), StoreError> {
    let now = app.now();
    let result = app
        .records
        .update::<PaymentWait, ()>(&wait.wait_id, |stored| {
            stored.delivered_at.get_or_insert(now);
            Ok(())
        })
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(campaigns_records::typed::UpdateError::Store(err)) => Err(err),
        Err(_) => Ok(()),
    }
}
