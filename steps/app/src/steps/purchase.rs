//! The discount-purchase journey's own steps: settle the purchase either way.

use campaigns_contracts::records::{DiscountPurchase, PaymentOutcome, PurchaseStatus};
use campaigns_core::catalog::{self, ProductId};
use campaigns_mail::TemplateName;
use campaigns_mail::emails::PurchaseConfirmation;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::email::SendEmail;
use super::settle::{self, Settles};
use super::{Step, StepError, step};
use crate::access;
use crate::context::App;
use crate::coupon_uses;
use crate::metrics::{self, Fact};

/// The journey of a discount purchase (`discount-purchase.asl.json`).
pub const DISCOUNT_PURCHASE: &str = "discount-purchase";
pub(super) const STATE_MACHINES: &[&str] = &[DISCOUNT_PURCHASE];

pub(super) fn steps() -> Vec<Step> {
    vec![
        step!(
            "confirm-purchase",
            confirm_purchase,
            SettlePurchase,
            Settled,
            [Access]
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

/// The purchased plan and the months of access it gives.
pub(super) fn access(purchase: &DiscountPurchase) -> (ProductId, u32) {
    let product = purchase.product_id;
    (
        product,
        catalog::product(product).access_months.unwrap_or(0),
    )
}

/// Paid: the purchase is marked paid, its coupon use confirmed and access
/// granted for the plan's months. Safe to run again.
pub async fn confirm_purchase(app: &App, input: SettlePurchase) -> Result<Settled, StepError> {
    let now = app.now();
    let purchase: DiscountPurchase =
        settle::paid(app, &input.purchase_id, input.payment.as_ref(), now).await?;
    if let Some(usage) = &purchase.coupon_usage_id
        && coupon_uses::confirm(app, usage).await?
    {
        metrics::emit(
            app,
            &Fact::CouponRedeemed {
                campaign: purchase.campaign_id,
                coupon_code: purchase.coupon_code.as_deref().unwrap_or_default(),
                record_id: &purchase.purchase_id,
                discount: purchase.discount_amount,
            },
        );
    }
    access::grant(app, &purchase.grant(now)).await?;
    Ok(Settled {
        status: purchase.status,
    })
}

/// Not paid: the purchase is marked failed or expired and its coupon use
/// released, so the coupon can be used again. Safe to run again.
pub async fn release_purchase(app: &App, input: SettlePurchase) -> Result<Settled, StepError> {
    let purchase: DiscountPurchase =
        settle::unpaid(app, &input.purchase_id, input.payment.as_ref()).await?;
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
