//! A payment that did not go through, for any campaign: a link to retry.

use campaigns_contracts::records::{
    DiscountPurchase, MockExam, MockRegistration, PersonalizedPlan, Scholarship, Team, TeamMember,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{ProductId, product};
use campaigns_core::money::Cents;
use serde::Serialize;

use super::required;
use crate::links::PayTarget;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// The record whose payment failed.
#[derive(Debug, Clone, Copy)]
pub enum Payment<'a> {
    TeamShare {
        team: &'a Team,
        member: &'a TeamMember,
    },
    Scholarship(&'a Scholarship),
    Purchase(&'a DiscountPurchase),
    Plan(&'a PersonalizedPlan),
    MockExam {
        exam: &'a MockExam,
        registration: &'a MockRegistration,
    },
}

/// The payment failed (Stripe's `payment_intent.payment_failed`); the link
/// opens the payment page, which asks for a fresh checkout.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentFailed {
    #[serde(skip)]
    to: String,
    name: String,
    product_name: &'static str,
    amount: String,
    /// Stripe's explanation, e.g. "Your card was declined."
    reason: Option<String>,
    retry_url: String,
}

impl PaymentFailed {
    /// `token` is the access token of the record `payment` names.
    pub fn new(
        payment: Payment<'_>,
        reason: Option<&str>,
        token: &str,
        links: &Links,
    ) -> Result<PaymentFailed, MailError> {
        let (to, name, product_id, amount, target): (&str, &str, ProductId, Cents, PayTarget<'_>) =
            match payment {
                Payment::TeamShare { team, member } => (
                    &member.email,
                    &member.name,
                    ProductId::TeamFull6Months,
                    member.share_amount,
                    PayTarget {
                        campaign: CampaignId::TeamCreation,
                        record_id: &team.team_id,
                        member_id: Some(required(
                            member.member_id.as_deref(),
                            TemplateName::PaymentFailed,
                            "the member's memberId",
                        )?),
                    },
                ),
                Payment::Scholarship(scholarship) => (
                    &scholarship.email,
                    &scholarship.first_name,
                    ProductId::Scholarship3Months,
                    scholarship.price,
                    PayTarget {
                        campaign: CampaignId::ScholarshipApplication,
                        record_id: &scholarship.scholarship_id,
                        member_id: None,
                    },
                ),
                Payment::Purchase(purchase) => (
                    &purchase.email,
                    &purchase.first_name,
                    purchase.product_id,
                    purchase.final_price,
                    PayTarget {
                        campaign: CampaignId::DiscountPurchase,
                        record_id: &purchase.purchase_id,
                        member_id: None,
                    },
                ),
                Payment::Plan(plan) => (
                    &plan.email,
                    &plan.first_name,
                    plan.selected_cluster.product(),
                    plan.price,
                    PayTarget {
                        campaign: CampaignId::PersonalizedPlan,
                        record_id: &plan.plan_id,
                        member_id: None,
                    },
                ),
                Payment::MockExam { exam, registration } => (
                    &registration.email,
                    &registration.first_name,
                    ProductId::MockExamPremium,
                    exam.premium_price,
                    PayTarget {
                        campaign: CampaignId::MockExam,
                        record_id: &registration.registration_id,
                        member_id: None,
                    },
                ),
            };
        Ok(PaymentFailed {
            to: to.into(),
            name: name.into(),
            product_name: product(product_id).name,
            amount: amount.to_aud_string(),
            reason: reason.map(str::to_string),
            retry_url: links.pay(target, token),
        })
    }
}

impl EmailTemplate for PaymentFailed {
    const NAME: TemplateName = TemplateName::PaymentFailed;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!("Your payment of {} did not go through", self.amount)
    }
}
