//! The personalized-plan journey: payment for the cluster plan, activation, the roadmap email.

use campaigns_contracts::records::{PaymentOutcome, PersonalizedPlan, PlanStatus};
use campaigns_core::catalog::{self, ProductId};
use campaigns_mail::TemplateName;
use campaigns_mail::emails::PlanActivated;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::settle::{self, Settles};
use super::{Step, StepError, step};
use crate::access;
use crate::context::App;

/// The journey of a personalized plan (`personalized-plan.asl.json`).
pub const PERSONALIZED_PLAN: &str = "personalized-plan";
pub(super) const STATE_MACHINES: &[&str] = &[PERSONALIZED_PLAN];

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!(
            "activate-plan",
            activate_plan,
            SettlePlan,
            Settled,
            [Access]
        ),
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

/// The selected cluster's product and the months of access it gives.
pub(super) fn access(plan: &PersonalizedPlan) -> (ProductId, u32) {
    let product = plan.selected_cluster.product();
    (
        product,
        catalog::product(product).access_months.unwrap_or(0),
    )
}

/// Paid: the plan is active for its cluster's months and access is granted
/// for the cluster's product. Safe to run again.
pub async fn activate_plan(app: &App, input: SettlePlan) -> Result<Settled, StepError> {
    let now = app.now();
    let plan: PersonalizedPlan =
        settle::paid(app, &input.plan_id, input.payment.as_ref(), now).await?;
    access::grant(app, &plan.grant(now)).await?;
    Ok(Settled {
        status: plan.status,
    })
}

/// Not paid: the plan is marked failed (the payment failed) or expired (the
/// checkout ran out). Safe to run again.
pub async fn close_plan(app: &App, input: SettlePlan) -> Result<Settled, StepError> {
    let plan: PersonalizedPlan =
        settle::unpaid(app, &input.plan_id, input.payment.as_ref()).await?;
    Ok(Settled {
        status: plan.status,
    })
}
