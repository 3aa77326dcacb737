//! Settling a record paid for in one piece, written once: the payment moves
//! it from waiting to paid, or (not paid) to failed or expired; a payment
//! that is not the one asked for moves it to review instead of paid. Each is
//! conditional on the status, so a step run again changes nothing.

use std::fmt::Debug;

use campaigns_contracts::records::{
    DiscountPurchase, PaymentOutcome, PaymentResult, PersonalizedPlan, PlanStatus, PurchaseStatus,
    Scholarship, ScholarshipStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_records::Record;
use chrono::{DateTime, Utc};

use super::StepError;
use super::payment::{checkout_expired, mismatch, needs_review};
use super::purchase::update_error;
use crate::access::{self, Grant};
use crate::context::App;
use crate::metrics::{self, Fact};
use crate::payment_wait::Payee;

/// A record a journey settles once its payment is decided.
pub(super) trait Settles: Record {
    type Status: Copy + PartialEq + Debug + Send + Sync;

    const CAMPAIGN: CampaignId;
    /// Waiting for the payment.
    const WAITING: Self::Status;
    const PAID: Self::Status;
    const FAILED: Self::Status;
    const EXPIRED: Self::Status;
    /// Paid with a payment that is not the one asked for.
    const REVIEW: Self::Status;
    /// The error a record that can no longer be paid gives, e.g. `Plan.NotPayable`.
    const NOT_PAYABLE: &'static str;
    /// How the error's cause names the record.
    const NOUN: &'static str;

    fn status_mut(&mut self) -> &mut Self::Status;

    /// Notes the payment: when, which intent, and until when access lasts.
    fn note_payment(&mut self, now: DateTime<Utc>, payment_intent: Option<String>);

    /// The access the payment bought.
    fn grant(&self, now: DateTime<Utc>) -> Grant<'_>;
}

/// Implements [`Settles`] for records that name the payer's `email`,
/// `campaign_id` and `payment_intent_id` alike; `access` gives the product
/// paid for and its months of access.
macro_rules! settles {
    ($($record:ty: $status:ident, $campaign:ident {
        $waiting:ident => $paid:ident, $error:literal, $noun:literal,
        id: $id:ident, paid_at: $paid_at:ident, expires_at: $expires_at:ident, access: $access:path $(,)?
    })*) => {
        $(impl Settles for $record {
            type Status = $status;

            const CAMPAIGN: CampaignId = CampaignId::$campaign;
            const WAITING: $status = $status::$waiting;
            const PAID: $status = $status::$paid;
            const FAILED: $status = $status::Failed;
            const EXPIRED: $status = $status::Expired;
            const REVIEW: $status = $status::PaymentReview;
            const NOT_PAYABLE: &'static str = $error;
            const NOUN: &'static str = $noun;

            fn status_mut(&mut self) -> &mut $status {
                &mut self.status
            }

            fn note_payment(&mut self, now: DateTime<Utc>, payment_intent: Option<String>) {
                let (_, months) = $access(self);
                self.$paid_at = Some(now);
                self.$expires_at = Some(access::months_after(now, months));
                self.payment_intent_id = payment_intent;
            }

            fn grant(&self, now: DateTime<Utc>) -> Grant<'_> {
                let (product, months) = $access(self);
                Grant {
                    email: &self.email,
                    product,
                    campaign: self.campaign_id,
                    record_id: &self.$id,
                    member_id: None,
                    payment_intent_id: self.payment_intent_id.as_deref(),
                    starts_at: self.$paid_at.unwrap_or(now),
                    months,
                }
            }
        })*
    };
}

settles! {
    DiscountPurchase: PurchaseStatus, DiscountPurchase {
        PendingPayment => Paid, "Purchase.NotPayable", "purchase",
        id: purchase_id, paid_at: paid_at, expires_at: access_expires_at,
        access: super::purchase::access,
    }
    PersonalizedPlan: PlanStatus, PersonalizedPlan {
        PendingPayment => Active, "Plan.NotPayable", "plan",
        id: plan_id, paid_at: activated_at, expires_at: expires_at,
        access: super::plan::access,
    }
    Scholarship: ScholarshipStatus, ScholarshipApplication {
        Approved => Paid, "Scholarship.NotPayable", "application",
        id: scholarship_id, paid_at: paid_at, expires_at: access_expires_at,
        access: super::scholarship::access,
    }
}

/// Paid: the record moves from waiting to paid and notes the payment;
/// already paid stays so. A payment that is not the one asked for moves a
/// waiting record to review instead and fails the step with
/// `Payment.NeedsReview`.
pub(super) async fn paid<R: Settles>(
    app: &App,
    record_id: &str,
    payment: Option<&PaymentOutcome>,
    now: DateTime<Utc>,
) -> Result<R, StepError> {
    let payee = Payee {
        campaign: R::CAMPAIGN,
        record_id: record_id.to_owned(),
        member_id: None,
    };
    if let Some(mismatch) = mismatch(app, &payee, payment).await? {
        app.records
            .update::<R, StepError>(record_id, |record| {
                if *record.status_mut() == R::WAITING {
                    *record.status_mut() = R::REVIEW;
                }
                Ok(())
            })
            .await
            .map_err(update_error)?;
        return Err(needs_review(app, &payee, &mismatch, payment));
    }
    let payment_intent = payment.and_then(|payment| payment.payment_intent_id.as_ref());
    // Whether this run's write is the one that settled it.
    let mut settled_now = false;
    let record = app
        .records
        .update::<R, StepError>(record_id, |record| {
            settled_now = false;
            match *record.status_mut() {
                status if status == R::WAITING => {
                    *record.status_mut() = R::PAID;
                    record.note_payment(now, payment_intent.cloned());
                    settled_now = true;
                    Ok(())
                }
                status if status == R::PAID => Ok(()),
                other => Err(StepError::new(
                    R::NOT_PAYABLE,
                    format!("the {} is {other:?}", R::NOUN),
                )),
            }
        })
        .await
        .map_err(update_error)?;
    // A free order (a 100 % coupon) is no payment.
    if settled_now && payment.is_some() {
        metrics::emit(app, &Fact::PaymentSucceeded(&payee));
    }
    Ok(record)
}

/// Not paid: a waiting record is marked failed (the payment failed) or
/// expired (the time to pay ran out).
pub(super) async fn unpaid<R: Settles>(
    app: &App,
    record_id: &str,
    payment: Option<&PaymentOutcome>,
) -> Result<R, StepError> {
    let status = match payment.map(|payment| payment.result) {
        Some(PaymentResult::Failed) => R::FAILED,
        _ => R::EXPIRED,
    };
    let mut ended_now = false;
    let record = app
        .records
        .update::<R, StepError>(record_id, |record| {
            ended_now = *record.status_mut() == R::WAITING;
            if ended_now {
                *record.status_mut() = status;
            }
            Ok(())
        })
        .await
        .map_err(update_error)?;
    if ended_now && checkout_expired(payment) {
        let payee = Payee {
            campaign: R::CAMPAIGN,
            record_id: record_id.to_owned(),
            member_id: None,
        };
        metrics::emit(app, &Fact::CheckoutExpired(&payee));
    }
    Ok(record)
}
