//! A refund, full or partial: what came back, what stays paid, whether the
//! access goes on, and the adjustment note that corrects the tax invoice.

use campaigns_core::catalog::product;
use campaigns_core::gst::gst_refunded;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::payment::Payment;
use crate::display::{date, date_time};
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// A refund as the payments provider reports it.
#[derive(Debug, Clone, Copy)]
pub struct RefundDetails<'a> {
    /// The provider's reference for it (a refund `re_…`, or the refunded
    /// charge `ch_…` where the event names no refund): the customer's
    /// reference.
    pub refund_id: &'a str,
    /// This refund.
    pub amount: Cents,
    /// All that is refunded of the payment so far, this refund included
    /// (Stripe's `amount_refunded`). Equal to the price: refunded in full.
    pub total_refunded: Cents,
    /// When the refund was made (Stripe's `created`): the adjustment note's
    /// date, the same when the step is retried.
    pub refunded_at: DateTime<Utc>,
}

/// To the payer (a team member for their share): the refund, and for a
/// partial one, that the access goes on.
#[derive(Debug, Clone, Serialize)]
pub struct RefundIssued {
    #[serde(skip)]
    to: String,
    name: String,
    product_name: &'static str,
    paid: String,
    amount: String,
    total_refunded: String,
    /// What stays paid after this refund.
    remaining: String,
    /// Nothing stays paid: the access it bought has ended.
    in_full: bool,
    /// For a partial refund, when the access that goes on ends, if it is a
    /// period.
    access_until: Option<String>,
    note: AdjustmentNote,
    page_url: String,
}

/// The tax side of a refund: it lowers the price of a taxable sale, so it
/// corrects the tax invoice by the GST it takes back.
#[derive(Debug, Clone, Serialize)]
struct AdjustmentNote {
    issued_on: String,
    invoice_number: String,
    refund_id: String,
    amount: String,
    gst: String,
}

impl RefundIssued {
    /// `token` is the access token of the record `refunded` names (a team
    /// member's own for their share).
    pub fn new(
        refunded: Payment<'_>,
        refund: RefundDetails<'_>,
        token: &str,
        links: &Links,
    ) -> Result<RefundIssued, MailError> {
        let template = TemplateName::RefundIssued;
        let payee = refunded.payee(template)?;
        let refunded_before = refund.total_refunded - refund.amount;
        if refund.amount <= Cents::ZERO
            || refunded_before < Cents::ZERO
            || refund.total_refunded > payee.amount
        {
            return Err(MailError::Invalid {
                template,
                message: format!(
                    "a refund of {} taking the refunds to {} of a payment of {}",
                    refund.amount, refund.total_refunded, payee.amount
                ),
            });
        }
        let remaining = payee.amount - refund.total_refunded;
        let in_full = remaining == Cents::ZERO;
        Ok(RefundIssued {
            to: payee.to.into(),
            name: payee.name.into(),
            product_name: product(payee.product_id).name,
            paid: payee.amount.to_aud_string(),
            amount: refund.amount.to_aud_string(),
            total_refunded: refund.total_refunded.to_aud_string(),
            remaining: remaining.to_aud_string(),
            in_full,
            access_until: if in_full {
                None
            } else {
                refunded.access_until().map(date_time)
            },
            note: AdjustmentNote {
                issued_on: date(refund.refunded_at),
                invoice_number: payee.invoice_number(),
                refund_id: refund.refund_id.into(),
                amount: refund.amount.to_aud_string(),
                gst: gst_refunded(payee.amount, refunded_before, refund.amount).to_aud_string(),
            },
            page_url: refunded.page(links, token),
        })
    }
}

impl EmailTemplate for RefundIssued {
    const NAME: TemplateName = TemplateName::RefundIssued;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        if self.in_full {
            format!(
                "Refunded in full: {} for your {}",
                self.amount, self.product_name
            )
        } else {
            format!(
                "A partial refund of {} for your {}",
                self.amount, self.product_name
            )
        }
    }
}
