//! A payment of any campaign as emails show it; and the one that did not go
//! through, with a link to retry.

use campaigns_contracts::records::{
    DiscountPurchase, MockExam, MockRegistration, PersonalizedPlan, Scholarship, Team, TeamMember,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{ProductId, product};
use campaigns_core::gst::invoice_number;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::required;
use crate::links::PayTarget;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// The record a payment was for: a failed one, a receipt, a refund, a dispute.
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

/// Who pays what for which product, whichever the campaign.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Payee<'a> {
    pub(crate) to: &'a str,
    pub(crate) name: &'a str,
    pub(crate) product_id: ProductId,
    /// The price asked, which a settled payment equals.
    pub(crate) amount: Cents,
    pub(crate) target: PayTarget<'a>,
}

impl Payee<'_> {
    /// The number of this payment's tax invoice: a team share's is the
    /// member's, every other the record's.
    pub(crate) fn invoice_number(&self) -> String {
        invoice_number(self.target.member_id.unwrap_or(self.target.record_id))
    }
}

impl<'a> Payment<'a> {
    /// The payer and the price. A team share needs its member id (`template`
    /// names the email that lacks it).
    pub(crate) fn payee(self, template: TemplateName) -> Result<Payee<'a>, MailError> {
        Ok(match self {
            Payment::TeamShare { team, member } => Payee {
                to: &member.email,
                name: &member.name,
                product_id: ProductId::TeamFull6Months,
                amount: member.share_amount,
                target: PayTarget {
                    campaign: CampaignId::TeamCreation,
                    record_id: &team.team_id,
                    member_id: Some(required(
                        member.member_id.as_deref(),
                        template,
                        "the member's memberId",
                    )?),
                },
            },
            Payment::Scholarship(scholarship) => Payee {
                to: &scholarship.email,
                name: &scholarship.first_name,
                product_id: ProductId::Scholarship3Months,
                amount: scholarship.price,
                target: PayTarget {
                    campaign: CampaignId::ScholarshipApplication,
                    record_id: &scholarship.scholarship_id,
                    member_id: None,
                },
            },
            Payment::Purchase(purchase) => Payee {
                to: &purchase.email,
                name: &purchase.first_name,
                product_id: purchase.product_id,
                amount: purchase.final_price,
                target: PayTarget {
                    campaign: CampaignId::DiscountPurchase,
                    record_id: &purchase.purchase_id,
                    member_id: None,
                },
            },
            Payment::Plan(plan) => Payee {
                to: &plan.email,
                name: &plan.first_name,
                product_id: plan.selected_cluster.product(),
                amount: plan.price,
                target: PayTarget {
                    campaign: CampaignId::PersonalizedPlan,
                    record_id: &plan.plan_id,
                    member_id: None,
                },
            },
            Payment::MockExam { exam, registration } => Payee {
                to: &registration.email,
                name: &registration.first_name,
                product_id: ProductId::MockExamPremium,
                amount: exam.premium_price,
                target: PayTarget {
                    campaign: CampaignId::MockExam,
                    record_id: &registration.registration_id,
                    member_id: None,
                },
            },
        })
    }

    /// The page that shows what was bought; `token` is the record's (for a
    /// team share, the member's or the team's) access token.
    pub(crate) fn page(self, links: &Links, token: &str) -> String {
        match self {
            Payment::TeamShare { team, .. } => links.team(&team.team_id, token),
            Payment::Scholarship(scholarship) => {
                links.scholarship(&scholarship.scholarship_id, token)
            }
            Payment::Purchase(purchase) => links.purchase(&purchase.purchase_id, token),
            Payment::Plan(plan) => links.plan(&plan.plan_id, token),
            Payment::MockExam { registration, .. } => {
                links.mock_exam(&registration.registration_id, token)
            }
        }
    }

    /// When the access paid for ends; `None` for a mock-exam seat, which
    /// grants one exam rather than a period.
    pub(crate) fn access_until(self) -> Option<DateTime<Utc>> {
        match self {
            Payment::TeamShare { team, .. } => team.expires_at,
            Payment::Scholarship(scholarship) => scholarship.access_expires_at,
            Payment::Purchase(purchase) => purchase.access_expires_at,
            Payment::Plan(plan) => plan.expires_at,
            Payment::MockExam { .. } => None,
        }
    }
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
        let payee = payment.payee(TemplateName::PaymentFailed)?;
        Ok(PaymentFailed {
            to: payee.to.into(),
            name: payee.name.into(),
            product_name: product(payee.product_id).name,
            amount: payee.amount.to_aud_string(),
            reason: reason.map(str::to_string),
            retry_url: links.pay(payee.target, token),
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
