//! Discount purchases: coupon validation, the purchase, its checkout.

use campaigns_contracts::api::{CreatePurchaseRequest, CreatePurchaseResponse};
use campaigns_contracts::records::{DiscountPurchase, PurchaseStatus};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::coupon::Discount;
use campaigns_core::money::Cents;
use campaigns_mail::emails::Payment;
use campaigns_records::{Condition, typed};
use serde_json::json;

use super::coupon::{discount, standard_plan};
use super::payable::{self, PayableRecord};
use super::{authorize, parse};
use crate::checkout;
use crate::context::App;
use crate::coupon_uses;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::ids::new_id;
use crate::journey_starts::{self, Journey};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::steps::DISCOUNT_PURCHASE;
use crate::tokens::record_scope;

/// The scope of a purchase's access token.
pub fn scope(purchase_id: &str) -> String {
    record_scope("purchase", purchase_id)
}

pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let body: CreatePurchaseRequest = parse(request)?;
    let (family, price) = standard_plan(body.product_id)?;
    let email = body.email.normalized();
    let (coupon, discount) = match &body.coupon_code {
        Some(code) => {
            let (coupon, result) = discount(app, code, &email, family, price).await?;
            let discount = result.map_err(|broken| {
                ApiFailure::rule(broken.code(), broken.message()).with_field("/couponCode")
            })?;
            (coupon, discount)
        }
        None => (
            None,
            Discount {
                original_price: price,
                discount_amount: Cents::ZERO,
                final_price: price,
                free: false,
            },
        ),
    };

    let purchase_id = new_id("pur");
    let journey = Journey::new(
        DISCOUNT_PURCHASE,
        &purchase_id,
        json!({"purchaseId": purchase_id, "free": discount.free}),
    );
    let mut purchase = DiscountPurchase {
        amount_refunded: None,
        purchase_id: purchase_id.clone(),
        campaign_id: CampaignId::DiscountPurchase,
        email,
        first_name: body.first_name.0.trim().to_owned(),
        last_name: body.last_name.0.trim().to_owned(),
        product_id: body.product_id,
        coupon_code: coupon.as_ref().map(|coupon| coupon.coupon_code.clone()),
        original_price: discount.original_price,
        discount_amount: discount.discount_amount,
        final_price: discount.final_price,
        status: PurchaseStatus::PendingPayment,
        created_at: app.now(),
        stripe_checkout_session_id: None,
        checkout_attempt: 0,
        coupon_usage_id: None,
        payment_intent_id: None,
        paid_at: None,
        access_expires_at: None,
    };
    // The purchase, the coupon use it holds and its journey: one batch.
    match &coupon {
        Some(coupon) => {
            let usage_id =
                coupon_uses::reserve(app, coupon, &purchase.email, &purchase_id, |usage_id| {
                    let holder = DiscountPurchase {
                        coupon_usage_id: Some(usage_id.to_owned()),
                        ..purchase.clone()
                    };
                    Ok(vec![
                        typed::put(&holder, Condition::NotExists)?,
                        journey.owed(app)?,
                    ])
                })
                .await?;
            purchase.coupon_usage_id = Some(usage_id);
        }
        None => journey.insert_owing(app, &purchase).await?,
    }

    let checkout = if discount.free {
        None
    } else {
        match checkout::open(app, &purchase.payable(&())).await {
            Ok(opened) => {
                purchase = payable::record_opened(app, &purchase_id, &opened).await?;
                Some(opened.session)
            }
            Err(failure) => {
                abandon(app, &purchase, &journey).await;
                return Err(failure);
            }
        }
    };
    journey.start(app).await;

    let response = CreatePurchaseResponse {
        access_token: app.tokens.issue(&scope(&purchase_id)),
        purchase_id,
        status: purchase.status,
        original_price: purchase.original_price,
        discount_amount: purchase.discount_amount,
        final_price: purchase.final_price,
        checkout,
    };
    Ok(ApiResponse::json(201, &response))
}

pub async fn get(app: &App, request: &ApiRequest) -> Handled {
    let purchase_id = request.param("purchaseId")?;
    authorize(app, request, &scope(purchase_id))?;
    let found = app
        .records
        .get::<DiscountPurchase>(purchase_id)
        .await?
        .ok_or_else(|| ApiFailure::not_found("purchase"))?;
    Ok(ApiResponse::json(200, &found.record))
}

impl PayableRecord for DiscountPurchase {
    const CAMPAIGN: CampaignId = CampaignId::DiscountPurchase;
    const NOUN: &'static str = "purchase";
    const NOT_PAYABLE: &'static str = "this purchase is no longer waiting for payment";
    type Context = ();

    payable::checkout_fields!();

    fn id(&self) -> &str {
        &self.purchase_id
    }

    fn scope(purchase_id: &str) -> String {
        scope(purchase_id)
    }

    async fn context(&self, _app: &App) -> Result<(), ApiFailure> {
        Ok(())
    }

    fn awaiting_payment(&self) -> bool {
        self.status == PurchaseStatus::PendingPayment
    }

    /// The plan at the price after the coupon.
    fn price(&self, _context: &()) -> (ProductId, Cents) {
        (self.product_id, self.final_price)
    }

    fn payment<'a>(&'a self, _context: &'a ()) -> Payment<'a> {
        Payment::Purchase(self)
    }
}

/// Undoes a purchase that could not be offered for payment: the coupon use
/// goes back, the purchase is marked failed, and its journey is no longer
/// owed. Each write is idempotent; if the process dies midway, the journey
/// is still owed and, once started, finishes the undoing.
async fn abandon(app: &App, purchase: &DiscountPurchase, journey: &Journey) {
    if let Some(usage) = &purchase.coupon_usage_id
        && let Err(err) = coupon_uses::release(app, usage).await
    {
        tracing::error!(error = %err, usage, "could not release the coupon use");
        return;
    }
    let marked = app
        .records
        .update::<DiscountPurchase, ()>(&purchase.purchase_id, |stored| {
            stored.status = PurchaseStatus::Failed;
            Ok(())
        })
        .await;
    if let Err(err) = marked {
        tracing::error!(error = ?err, purchase_id = purchase.purchase_id, "could not mark the purchase failed");
        return;
    }
    journey_starts::forgive(app, journey).await;
}

/// The payment was refunded: the amount is recorded, and a purchase
/// refunded in full is marked so (its coupon use stays used).
pub async fn refunded(app: &App, payee: &Payee, refund: &ChargeRefund) -> Result<(), ApiFailure> {
    payable::refunded(app, payee, |purchase: &mut DiscountPurchase| {
        refund.record_on(&mut purchase.amount_refunded);
        if refund.is_full() {
            purchase.status = PurchaseStatus::Refunded;
        }
    })
    .await
}
