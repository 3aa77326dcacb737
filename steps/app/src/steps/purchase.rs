//! The discount-purchase journey's own steps: settle the purchase either way.

use campaigns_contracts::records::{
    DiscountPurchase, PaymentOutcome, PaymentResult, PurchaseStatus,
};
use campaigns_core::catalog;
use campaigns_mail::TemplateName;
use campaigns_mail::emails::PurchaseConfirmation;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::{Step, StepError, step};
use crate::access::{self, Grant};
use crate::context::App;
use crate::coupon_uses;

/// The journey of a discount purchase (`discount-purchase.asl.json`).
pub const DISCOUNT_PURCHASE: &str = "discount-purchase";
pub(super) const STATE_MACHINES: &[&str] = &[DISCOUNT_PURCHASE];

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!(
            "confirm-purchase",
            confirm_purchase,
            SettlePurchase,
            Settled
        ),
        step!(
            "release-purchase",
            release_purchase,
            SettlePurchase,
            Settled
        ),
    ]
}

/// The purchase's emails.
pub(super) async fn send_email(
    app: &App,
    template: TemplateName,
    input: &SendEmail,
) -> Result<(), StepError> {
    match template {
        TemplateName::PurchaseConfirmation => {
            let purchase: DiscountPurchase = super::email::load(app, &input.record_id).await?;
            let token = app
                .tokens
                .issue(&crate::api::purchase_scope(&purchase.purchase_id));
            let email = PurchaseConfirmation::new(&purchase, &token, &app.mail_settings.links)?;
            Ok(crate::notify::send(app, &email).await?)
        }
        other => Err(super::email::not_ours(other)),
    }
}

/// The input of `confirm-purchase` and `release-purchase`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettlePurchase {
    pub purchase_id: String,
    /// What Stripe reported; absent for a purchase the coupon made free.
    #[serde(default)]
    pub payment: Option<PaymentOutcome>,
}

/// The purchase's status after the step.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Settled {
    pub status: PurchaseStatus,
}

/// Paid: the purchase is marked paid, its coupon use confirmed and access
/// granted for the plan's months. Safe to run again.
pub async fn confirm_purchase(app: &App, input: SettlePurchase) -> Result<Settled, StepError> {
    let now = app.now();
    let payment_intent = input
        .payment
        .as_ref()
        .and_then(|payment| payment.payment_intent_id.clone());
    let months = |purchase: &DiscountPurchase| {
        catalog::product(purchase.product_id)
            .access_months
            .unwrap_or(0)
    };
    let purchase = app
        .records
        .update::<DiscountPurchase, StepError>(&input.purchase_id, |purchase| {
            match purchase.status {
                PurchaseStatus::PendingPayment => {
                    purchase.status = PurchaseStatus::Paid;
                    purchase.paid_at = Some(now);
                    purchase.access_expires_at = Some(access::months_after(now, months(purchase)));
                    purchase.payment_intent_id.clone_from(&payment_intent);
                    Ok(())
                }
                PurchaseStatus::Paid => Ok(()),
                other => Err(StepError::new(
                    "Purchase.NotPayable",
                    format!("the purchase is {other:?}"),
                )),
            }
        })
        .await
        .map_err(update_error)?;
    if let Some(usage) = &purchase.coupon_usage_id {
        coupon_uses::confirm(app, usage).await?;
    }
    access::grant(
        app,
        &Grant {
            email: &purchase.email,
            product: purchase.product_id,
            campaign: purchase.campaign_id,
            record_id: &purchase.purchase_id,
            member_id: None,
            payment_intent_id: purchase.payment_intent_id.as_deref(),
            starts_at: purchase.paid_at.unwrap_or(now),
            months: months(&purchase),
        },
    )
    .await?;
    Ok(Settled {
        status: purchase.status,
    })
}

/// Not paid: the purchase is marked failed or expired and its coupon use
/// released, so the coupon can be used again. Safe to run again.
pub async fn release_purchase(app: &App, input: SettlePurchase) -> Result<Settled, StepError> {
    let status = match input.payment.map(|payment| payment.result) {
        Some(PaymentResult::Failed) => PurchaseStatus::Failed,
        _ => PurchaseStatus::Expired,
    };
    let purchase = app
        .records
        .update::<DiscountPurchase, StepError>(&input.purchase_id, |purchase| {
            if purchase.status == PurchaseStatus::PendingPayment {
                purchase.status = status;
            }
            Ok(())
        })
        .await
        .map_err(update_error)?;
    if let Some(usage) = &purchase.coupon_usage_id {
        coupon_uses::release(app, usage).await?;
    }
    Ok(Settled {
        status: purchase.status,
    })
}

pub(super) fn update_error(err: campaigns_records::typed::UpdateError<StepError>) -> StepError {
    use campaigns_records::typed::UpdateError;
    match err {
        UpdateError::NotFound => StepError::new("Step.RecordNotFound", "the record does not exist"),
        UpdateError::Rejected(step) => step,
        UpdateError::Store(store) => store.into(),
    }
}
