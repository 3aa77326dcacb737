//! The tax invoice every paid order's receipt carries.
//!
//! An Australian tax invoice shows the words "Tax invoice", the seller's
//! legal name and ABN, a number, the date of issue, each item with its
//! price, the total and the GST it includes. The seller comes from the
//! settings when the email is composed (`seller` in every template); the
//! rest comes from the record here, so a retried step issues the same
//! invoice: the number is derived from the record and the date is when the
//! payment settled, not when the email was sent.

use campaigns_core::catalog::{ProductId, product};
use campaigns_core::gst::gst_included;
use campaigns_core::money::Cents;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::payment::Payment;
use super::required;
use crate::display::date;
use crate::{MailError, TemplateName};

/// One item, or a deduction from it (a coupon, a scholarship).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct InvoiceLine {
    description: String,
    /// Positive, with a currency: a deduction is marked, not signed.
    amount: String,
    deduction: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TaxInvoice {
    number: String,
    issued_on: String,
    lines: Vec<InvoiceLine>,
    total: String,
    gst: String,
}

impl TaxInvoice {
    /// The tax invoice of `payment`, or `None` for a free order (a 100 %
    /// coupon): nothing was paid, so there is no sale to invoice and the
    /// email is a plain confirmation.
    pub(crate) fn new(
        payment: Payment<'_>,
        template: TemplateName,
    ) -> Result<Option<TaxInvoice>, MailError> {
        let payee = payment.payee(template)?;
        if payee.amount <= Cents::ZERO {
            return Ok(None);
        }
        let (settled_at, field) = settled_at(payment);
        Ok(Some(TaxInvoice {
            number: payee.invoice_number(),
            issued_on: date(required(settled_at, template, field)?),
            lines: lines(payment),
            total: payee.amount.to_aud_string(),
            gst: gst_included(payee.amount).to_aud_string(),
        }))
    }
}

/// What `payment` bought, line by line: the lines add up to its price.
pub(crate) fn lines(payment: Payment<'_>) -> Vec<InvoiceLine> {
    let item = |description: String, amount: Cents| InvoiceLine {
        description,
        amount: amount.to_aud_string(),
        deduction: false,
    };
    let deduction = |description: String, amount: Cents| {
        (amount > Cents::ZERO).then(|| InvoiceLine {
            description,
            amount: amount.to_aud_string(),
            deduction: true,
        })
    };
    match payment {
        Payment::TeamShare { team, member } => vec![item(
            format!(
                "{}, one of {} shares of {}",
                product(ProductId::TeamFull6Months).name,
                team.members.len(),
                team.total_amount.to_aud_string()
            ),
            member.share_amount,
        )],
        Payment::Scholarship(scholarship) => {
            let calculation = &scholarship.calculation;
            let plan = product(ProductId::Scholarship3Months).name;
            std::iter::once(item(plan.into(), calculation.base_price))
                .chain(deduction(
                    format!("Scholarship ({}%)", calculation.percentage),
                    calculation.base_price - scholarship.price,
                ))
                .collect()
        }
        Payment::Purchase(purchase) => std::iter::once(item(
            product(purchase.product_id).name.into(),
            purchase.original_price,
        ))
        .chain(
            purchase
                .coupon_code
                .as_ref()
                .and_then(|code| deduction(format!("Coupon {code}"), purchase.discount_amount)),
        )
        .collect(),
        Payment::Plan(plan) => vec![item(
            product(plan.selected_cluster.product()).name.into(),
            plan.price,
        )],
        Payment::MockExam { exam, .. } => vec![item(
            format!(
                "{}: {}",
                product(ProductId::MockExamPremium).name,
                exam.title
            ),
            exam.premium_price,
        )],
    }
}

/// When `payment` settled, the invoice's date of issue, and the record's
/// field that says so (a team's shares are captured at activation).
fn settled_at(payment: Payment<'_>) -> (Option<DateTime<Utc>>, &'static str) {
    match payment {
        Payment::TeamShare { team, .. } => (team.activated_at, "the team's activatedAt"),
        Payment::Scholarship(scholarship) => (scholarship.paid_at, "the scholarship's paidAt"),
        Payment::Purchase(purchase) => (purchase.paid_at, "the purchase's paidAt"),
        Payment::Plan(plan) => (plan.activated_at, "the plan's activatedAt"),
        Payment::MockExam { registration, .. } => {
            (registration.paid_at, "the registration's paidAt")
        }
    }
}
