//! Each personal record's retention, as the `ttl` every typed write gives
//! it (`typed::put`): a rule of `campaigns_core::retention` applied to where
//! the record stands now, so each change of state moves its expiry.

use campaigns_contracts::records::{
    CouponUsage, CouponUsageStatus, DiscountPurchase, MockRegistration, PersonalizedPlan,
    PlanStatus, PurchaseStatus, RegistrationStatus, Scholarship, ScholarshipStatus, Team,
    TeamStatus,
};
use campaigns_core::retention::Standing;
use chrono::{DateTime, Utc};

/// A record's standing for its retention.
pub trait Retained {
    fn standing(&self) -> Standing;
}

/// A record paid (or holding a payment ops must decide on) is a financial
/// record from its payment on; else `ended` says when it closed unpaid.
fn standing(
    payment: Option<&String>,
    paid_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
) -> Standing {
    match (payment, ended) {
        (Some(_), _) => Standing::Paid(paid_at.unwrap_or(created_at)),
        (None, Some(at)) => Standing::Unpaid(at),
        (None, None) => Standing::Open(created_at),
    }
}

impl Retained for DiscountPurchase {
    fn standing(&self) -> Standing {
        let ended = matches!(
            self.status,
            PurchaseStatus::Failed | PurchaseStatus::Expired
        )
        .then_some(self.created_at);
        standing(
            self.payment_intent_id.as_ref(),
            self.paid_at,
            self.created_at,
            ended,
        )
    }
}

impl Retained for Scholarship {
    fn standing(&self) -> Standing {
        let ended = matches!(
            self.status,
            ScholarshipStatus::Declined | ScholarshipStatus::Expired | ScholarshipStatus::Failed
        )
        .then(|| self.decided_at.unwrap_or(self.created_at));
        standing(
            self.payment_intent_id.as_ref(),
            self.paid_at,
            self.created_at,
            ended,
        )
    }
}

impl Retained for PersonalizedPlan {
    fn standing(&self) -> Standing {
        let ended = matches!(self.status, PlanStatus::Failed | PlanStatus::Expired)
            .then_some(self.created_at);
        standing(
            self.payment_intent_id.as_ref(),
            self.activated_at,
            self.created_at,
            ended,
        )
    }
}

impl Retained for MockRegistration {
    /// A free seat served access (the exam, its results) without a
    /// payment: it stays open a year from registration.
    fn standing(&self) -> Standing {
        let ended = (self.status == RegistrationStatus::Cancelled)
            .then(|| self.cancelled_at.unwrap_or(self.created_at));
        standing(
            self.payment_intent_id.as_ref(),
            self.paid_at,
            self.created_at,
            ended,
        )
    }
}

impl Retained for Team {
    /// A share authorized or paid makes the team a financial record; one
    /// that closed without any is kept as an unpaid record.
    fn standing(&self) -> Standing {
        let payment = self
            .members
            .iter()
            .find_map(|member| member.stripe_payment_intent_id.as_ref());
        let ended = matches!(self.status, TeamStatus::Expired | TeamStatus::Cancelled)
            .then(|| self.payment_deadline.unwrap_or(self.created_at));
        standing(payment, self.activated_at, self.created_at, ended)
    }
}

impl Retained for CouponUsage {
    /// A confirmed use is part of a paid purchase's price.
    fn standing(&self) -> Standing {
        let settled = self.settled_at.unwrap_or(self.created_at);
        match self.status {
            CouponUsageStatus::Confirmed => Standing::Paid(settled),
            CouponUsageStatus::Released => Standing::Unpaid(settled),
            CouponUsageStatus::Reserved => Standing::Open(self.created_at),
        }
    }
}
