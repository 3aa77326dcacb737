//! The personalized-plan journey: payment for the cluster plan, activation, the roadmap email.

use campaigns_contracts::records::{PaymentOutcome, PaymentResult, PersonalizedPlan, PlanStatus};
use campaigns_core::catalog;
use campaigns_mail::TemplateName;
use campaigns_mail::emails::PlanActivated;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::purchase::update_error;
use super::{Step, StepError, step};
use crate::access::{self, Grant};
use crate::context::App;

/// The journey of a personalized plan (`personalized-plan.asl.json`).
pub const PERSONALIZED_PLAN: &str = "personalized-plan";
pub(super) const STATE_MACHINES: &[&str] = &[PERSONALIZED_PLAN];

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!("activate-plan", activate_plan, SettlePlan, Settled),
        step!("close-plan", close_plan, SettlePlan, Settled),
    ]
}

/// The plan's emails.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    match template {
        TemplateName::PlanActivated => {
            let plan: PersonalizedPlan = super::email::load(app, &input.record_id).await?;
            let token = app.tokens.issue(&crate::api::plan_scope(&plan.plan_id));
            let email = PlanActivated::new(&plan, &token, &app.mail_settings.links)?;
            Ok(crate::notify::send(app, &email).await?)
        }
        other => Err(super::email::not_ours(other)),
    }
}

/// The input of `activate-plan` and `close-plan`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettlePlan {
    pub plan_id: String,
    /// What Stripe reported (or the reconcile step found).
    #[serde(default)]
    pub payment: Option<PaymentOutcome>,
}

/// The plan's status after the step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settled {
    pub status: PlanStatus,
}

/// The months of access the selected cluster's plan gives.
fn access_months(plan: &PersonalizedPlan) -> u32 {
    catalog::product(plan.selected_cluster.product())
        .access_months
        .unwrap_or(0)
}

/// Paid: the plan is active for its cluster's months and access is granted
/// for the cluster's product. Safe to run again.
pub async fn activate_plan(app: &App, input: SettlePlan) -> Result<Settled, StepError> {
    let now = app.now();
    let payment_intent = input
        .payment
        .as_ref()
        .and_then(|payment| payment.payment_intent_id.clone());
    let plan = app
        .records
        .update::<PersonalizedPlan, StepError>(&input.plan_id, |plan| match plan.status {
            PlanStatus::PendingPayment => {
                plan.status = PlanStatus::Active;
                plan.activated_at = Some(now);
                plan.expires_at = Some(access::months_after(now, access_months(plan)));
                plan.payment_intent_id.clone_from(&payment_intent);
                Ok(())
            }
            PlanStatus::Active => Ok(()),
            other => Err(StepError::new(
                "Plan.NotPayable",
                format!("the plan is {other:?}"),
            )),
        })
        .await
        .map_err(update_error)?;
    access::grant(
        app,
        &Grant {
            email: &plan.email,
            product: plan.selected_cluster.product(),
            campaign: plan.campaign_id,
            record_id: &plan.plan_id,
            member_id: None,
            payment_intent_id: plan.payment_intent_id.as_deref(),
            starts_at: plan.activated_at.unwrap_or(now),
            months: access_months(&plan),
        },
    )
    .await?;
    Ok(Settled {
        status: plan.status,
    })
}

/// Not paid: the plan is marked failed (the payment failed) or expired (the
/// checkout ran out). Safe to run again.
pub async fn close_plan(app: &App, input: SettlePlan) -> Result<Settled, StepError> {
    let status = match input.payment.map(|payment| payment.result) {
        Some(PaymentResult::Failed) => PlanStatus::Failed,
        _ => PlanStatus::Expired,
    };
    let plan = app
        .records
        .update::<PersonalizedPlan, StepError>(&input.plan_id, |plan| {
            if plan.status == PlanStatus::PendingPayment {
                plan.status = status;
            }
            Ok(())
        })
        .await
        .map_err(update_error)?;
    Ok(Settled {
        status: plan.status,
    })
}
