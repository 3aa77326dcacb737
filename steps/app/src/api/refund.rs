//! `POST /refunds`: an admin refunds a payment through the product, never
//! only in Stripe's dashboard. The refund goes to Stripe here; the record
//! and the access change when Stripe's `charge.refunded` event comes back
//! (see `crate::refunds`), as they do for a refund made anywhere else.

use campaigns_contracts::api::{CreateRefundRequest, RefundReason, RefundResponse};
use campaigns_contracts::records::{
    DiscountPurchase, MemberStatus, MockRegistration, PaymentWait, PersonalizedPlan, Scholarship,
    Team,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_payments::{PaymentsError, RefundRequest};

use super::parse;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::payment_wait::Payee;

/// A captured payment, as its record knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Paid {
    pub payment_intent_id: String,
    /// What the payment captured.
    pub amount: Cents,
    /// Refunded so far, as Stripe's last `charge.refunded` said.
    pub refunded: Cents,
}

impl Paid {
    pub fn left(&self) -> Cents {
        self.amount - self.refunded
    }
}

pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let Some(key) = request.header("idempotency-key") else {
        return Err(ApiFailure::bad_request(
            campaigns_contracts::api::ApiError::new(
                "IDEMPOTENCY_KEY_REQUIRED",
                "a refund needs an Idempotency-Key header, so that a retried request refunds once",
            )
            .with_field("Idempotency-Key", "required"),
        ));
    };
    let body: CreateRefundRequest = parse(request)?;
    let payee = Payee {
        campaign: body.campaign_id,
        record_id: body.record_id.clone(),
        member_id: body.member_id.clone(),
    };
    let paid = paid(app, &payee)
        .await?
        .ok_or_else(|| ApiFailure::conflict("NOT_PAID", "nothing was captured to refund"))?;
    let left = paid.left();
    if left <= Cents::ZERO {
        return Err(ApiFailure::conflict(
            "ALREADY_REFUNDED",
            "the payment is refunded in full",
        ));
    }
    let amount = body.amount.unwrap_or(left);
    if amount <= Cents::ZERO {
        return Err(
            ApiFailure::new(400, "VALIDATION_FAILED", "the amount must be above zero")
                .with_field("/amount"),
        );
    }
    if amount > left {
        return Err(ApiFailure::conflict(
            "REFUND_EXCEEDS_PAYMENT",
            format!(
                "{amount} asked, {left} is left to refund of {} paid",
                paid.amount
            ),
        ));
    }
    let refund = app
        .payments
        .refund(&RefundRequest {
            record_id: payee.wait_id(),
            payment_intent_id: paid.payment_intent_id.clone(),
            amount_cents: Some(amount.0),
            key: format!("admin/{key}"),
            reason: match body.reason {
                RefundReason::RequestedByCustomer => {
                    campaigns_payments::RefundReason::RequestedByCustomer
                }
                RefundReason::Duplicate => campaigns_payments::RefundReason::Duplicate,
                RefundReason::Fraudulent => campaigns_payments::RefundReason::Fraudulent,
            },
            note: body.note.clone(),
        })
        .await
        .map_err(|err| match err {
            PaymentsError::Declined(detail) => {
                ApiFailure::conflict("REFUND_REFUSED", detail.to_string())
            }
            other => other.into(),
        })?;
    tracing::info!(
        campaign = %payee.campaign,
        record_id = payee.record_id,
        member_id = payee.member_id.as_deref(),
        refund = refund.id,
        amount_cents = refund.amount_cents,
        "refund made"
    );
    Ok(ApiResponse::json(
        201,
        &RefundResponse {
            refund_id: refund.id,
            campaign_id: payee.campaign,
            record_id: payee.record_id,
            member_id: payee.member_id,
            payment_intent_id: paid.payment_intent_id,
            amount: Cents(refund.amount_cents),
            total_refunded: paid.refunded + Cents(refund.amount_cents),
            amount_paid: paid.amount,
            status: refund.status,
        },
    ))
}

/// The payee's captured payment, if there is one: the PaymentIntent and
/// price its record holds (a payment held for review has only the one the
/// rendezvous kept, and the amount actually paid).
pub(crate) async fn paid(app: &App, payee: &Payee) -> Result<Option<Paid>, ApiFailure> {
    let recorded = recorded(app, payee).await?;
    let Some((payment_intent, price, refunded)) = recorded else {
        return Ok(None);
    };
    let settled = app
        .records
        .get::<PaymentWait>(&payee.wait_id())
        .await?
        .and_then(|found| found.record.outcome);
    let (payment_intent_id, amount) = match (payment_intent, settled) {
        (Some(kept), Some(outcome)) if outcome.payment_intent_id.as_ref() == Some(&kept) => {
            (kept, outcome.amount.unwrap_or(price))
        }
        (Some(kept), _) => (kept, price),
        (None, Some(outcome)) => match outcome.payment_intent_id {
            Some(paid_with) => (paid_with, outcome.amount.unwrap_or(price)),
            None => return Ok(None),
        },
        (None, None) => return Ok(None),
    };
    Ok(Some(Paid {
        payment_intent_id,
        amount,
        refunded: refunded.unwrap_or(Cents::ZERO),
    }))
}

/// What the payee's record says of its payment: the PaymentIntent (once
/// captured), the price, the amount refunded. `None` when there is no such
/// record, or nothing of it was captured (a team share only authorized).
async fn recorded(
    app: &App,
    payee: &Payee,
) -> Result<Option<(Option<String>, Cents, Option<Cents>)>, ApiFailure> {
    let id = payee.record_id.as_str();
    Ok(match payee.campaign {
        CampaignId::TeamCreation => {
            let Some(team) = app.records.get::<Team>(id).await? else {
                return Ok(None);
            };
            team.record
                .members
                .into_iter()
                .find(|member| member.member_id.is_some() && member.member_id == payee.member_id)
                .filter(|member| {
                    matches!(
                        member.status,
                        MemberStatus::Paid | MemberStatus::PaymentReview
                    )
                })
                .map(|member| {
                    (
                        member.stripe_payment_intent_id,
                        member.share_amount,
                        member.amount_refunded,
                    )
                })
        }
        CampaignId::ScholarshipApplication => app
            .records
            .get::<Scholarship>(id)
            .await?
            .map(|found| found.record)
            .map(|s| (s.payment_intent_id, s.price, s.amount_refunded)),
        CampaignId::DiscountPurchase => app
            .records
            .get::<DiscountPurchase>(id)
            .await?
            .map(|found| found.record)
            .map(|p| (p.payment_intent_id, p.final_price, p.amount_refunded)),
        CampaignId::PersonalizedPlan => app
            .records
            .get::<PersonalizedPlan>(id)
            .await?
            .map(|found| found.record)
            .map(|p| (p.payment_intent_id, p.price, p.amount_refunded)),
        CampaignId::MockExam => {
            let Some(registration) = app.records.get::<MockRegistration>(id).await? else {
                return Ok(None);
            };
            let registration = registration.record;
            let Some(exam) = app
                .records
                .get::<campaigns_contracts::records::MockExam>(&registration.mock_exam_id)
                .await?
            else {
                return Ok(None);
            };
            Some((
                registration.payment_intent_id,
                exam.record.premium_price,
                registration.amount_refunded,
            ))
        }
    })
}
