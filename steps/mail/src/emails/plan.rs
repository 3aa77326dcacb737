//! Personalized plan: activated, with the selected cluster's roadmap.

use campaigns_contracts::records::PersonalizedPlan;
use campaigns_core::catalog::product;
use campaigns_core::cluster::{RoadmapWeek, roadmap};
use serde::Serialize;

use super::invoice::TaxInvoice;
use super::payment::Payment;
use super::required;
use crate::display::date_time;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// Paid and active: the cluster, the access period and the week-by-week roadmap.
#[derive(Debug, Clone, Serialize)]
pub struct PlanActivated {
    #[serde(skip)]
    to: String,
    first_name: String,
    cluster_number: u8,
    cluster_name: &'static str,
    plan_name: &'static str,
    price: String,
    access_until: String,
    invoice: Option<TaxInvoice>,
    weeks: Vec<RoadmapWeek>,
    plan_url: String,
}

impl PlanActivated {
    pub fn new(
        plan: &PersonalizedPlan,
        token: &str,
        links: &Links,
    ) -> Result<PlanActivated, MailError> {
        let template = TemplateName::PlanActivated;
        let expires_at = required(plan.expires_at, template, "the plan's expiresAt")?;
        let cluster = plan.selected_cluster;
        Ok(PlanActivated {
            to: plan.email.clone(),
            first_name: plan.first_name.clone(),
            cluster_number: cluster.number(),
            cluster_name: cluster.name(),
            plan_name: product(cluster.product()).name,
            price: plan.price.to_aud_string(),
            access_until: date_time(expires_at),
            invoice: TaxInvoice::new(Payment::Plan(plan), template)?,
            weeks: roadmap(cluster).weeks,
            plan_url: links.plan(&plan.plan_id, token),
        })
    }
}

impl EmailTemplate for PlanActivated {
    const NAME: TemplateName = TemplateName::PlanActivated;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!(
            "Your {}-week {} study plan is ready",
            self.weeks.len(),
            self.cluster_name
        )
    }
}
