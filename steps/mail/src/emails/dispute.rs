//! To ops: a customer disputed a payment with their bank.

use campaigns_core::catalog::product;
use campaigns_core::money::Cents;
use serde::Serialize;

use super::payment::Payment;
use crate::{EmailTemplate, MailError, TemplateName};

/// A dispute opened (Stripe's `charge.dispute.created`): which payment, how
/// much, why, and that its access is suspended until the dispute closes.
/// Ops answer it in Stripe before its evidence deadline.
#[derive(Debug, Clone, Serialize)]
pub struct DisputeOpened {
    #[serde(skip)]
    to: String,
    dispute_id: String,
    reason: String,
    disputed: String,
    campaign: &'static str,
    record_id: String,
    /// For a team share: whose.
    member_id: Option<String>,
    invoice_number: String,
    customer_name: String,
    customer_email: String,
    product_name: &'static str,
    paid: String,
}

impl DisputeOpened {
    /// `reason` is the provider's code (`fraudulent`, `product_not_received`,
    /// …); `amount` is what the dispute claims; `ops_email` is
    /// [`crate::MailSettings::ops_email`].
    pub fn new(
        disputed: Payment<'_>,
        dispute_id: &str,
        reason: &str,
        amount: Cents,
        ops_email: &str,
    ) -> Result<DisputeOpened, MailError> {
        let payee = disputed.payee(TemplateName::DisputeOpened)?;
        Ok(DisputeOpened {
            to: ops_email.into(),
            dispute_id: dispute_id.into(),
            reason: reason.into(),
            disputed: amount.to_aud_string(),
            campaign: payee.target.campaign.as_str(),
            record_id: payee.target.record_id.into(),
            member_id: payee.target.member_id.map(str::to_string),
            invoice_number: payee.invoice_number(),
            customer_name: payee.name.into(),
            customer_email: payee.to.into(),
            product_name: product(payee.product_id).name,
            paid: payee.amount.to_aud_string(),
        })
    }
}

impl EmailTemplate for DisputeOpened {
    const NAME: TemplateName = TemplateName::DisputeOpened;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!(
            "Dispute {} opened: {} on {} ({})",
            self.dispute_id, self.disputed, self.record_id, self.reason
        )
    }
}
