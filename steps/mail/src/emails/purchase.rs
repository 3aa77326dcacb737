//! Discount purchase: the receipt, with the coupon's discount.

use campaigns_contracts::records::DiscountPurchase;
use campaigns_core::catalog::product;
use serde::Serialize;

use super::invoice::{InvoiceLine, TaxInvoice, lines};
use super::payment::Payment;
use super::required;
use crate::display::date_time;
use crate::{EmailTemplate, Links, MailError, TemplateName};

/// Paid: the plan, the price before and after the coupon, and access dates.
#[derive(Debug, Clone, Serialize)]
pub struct PurchaseConfirmation {
    #[serde(skip)]
    to: String,
    first_name: String,
    plan_name: &'static str,
    /// The plan and the coupon's discount, for a free order's confirmation.
    charges: Vec<InvoiceLine>,
    final_price: String,
    /// `None` for a free order.
    invoice: Option<TaxInvoice>,
    paid_at: String,
    access_until: String,
    purchase_id: String,
    purchase_url: String,
}

impl PurchaseConfirmation {
    pub fn new(
        purchase: &DiscountPurchase,
        token: &str,
        links: &Links,
    ) -> Result<PurchaseConfirmation, MailError> {
        let template = TemplateName::PurchaseConfirmation;
        let paid_at = required(purchase.paid_at, template, "the purchase's paidAt")?;
        let access_until = required(
            purchase.access_expires_at,
            template,
            "the purchase's accessExpiresAt",
        )?;
        Ok(PurchaseConfirmation {
            to: purchase.email.clone(),
            first_name: purchase.first_name.clone(),
            plan_name: product(purchase.product_id).name,
            charges: lines(Payment::Purchase(purchase)),
            final_price: purchase.final_price.to_aud_string(),
            invoice: TaxInvoice::new(Payment::Purchase(purchase), template)?,
            paid_at: date_time(paid_at),
            access_until: date_time(access_until),
            purchase_id: purchase.purchase_id.clone(),
            purchase_url: links.purchase(&purchase.purchase_id, token),
        })
    }
}

impl EmailTemplate for PurchaseConfirmation {
    const NAME: TemplateName = TemplateName::PurchaseConfirmation;
    fn to(&self) -> &str {
        &self.to
    }
    fn subject(&self) -> String {
        format!(
            "Your ProDentHub {} receipt: {}",
            self.plan_name, self.final_price
        )
    }
}
