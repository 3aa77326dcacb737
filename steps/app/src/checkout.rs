//! Checkout sessions for anything payable: reuse the open one, or open a
//! fresh one (a session lives at most 24 hours; a payer may come back later).

use campaigns_contracts::api::CheckoutSession;
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_core::money::Cents;
use campaigns_payments::{CaptureMode, CheckoutPrice, CheckoutRequest, SessionStatus};
use chrono::{DateTime, TimeDelta, Utc};

use crate::context::App;
use crate::failure::ApiFailure;
use crate::metrics::{self, Fact};
use crate::payment_wait::Payee;

/// How long a checkout that holds something scarce stays open: Stripe's
/// minimum (30 minutes from the session's creation, by Stripe's clock) and a
/// minute for the clocks' skew and the request's transit.
pub const HOLD_LIFETIME: TimeDelta = TimeDelta::minutes(31);

/// Whether the campaign's checkout holds something others may want — a
/// coupon use, a premium seat — so that a payer who walks away must not keep
/// it long. The other campaigns give the payer days to pay.
fn holds_scarce(campaign: CampaignId) -> bool {
    match campaign {
        CampaignId::DiscountPurchase | CampaignId::MockExam => true,
        CampaignId::TeamCreation
        | CampaignId::ScholarshipApplication
        | CampaignId::PersonalizedPlan => false,
    }
}

/// What a payer is asked for: computed by the server from a record.
#[derive(Debug, Clone)]
pub struct Payable {
    pub payee: Payee,
    pub product: ProductId,
    pub amount: Cents,
    pub email: String,
    pub capture: CaptureMode,
    /// The session opened last, if any, and how many came before it.
    pub current_session: Option<String>,
    pub attempt: u32,
}

/// A session to pay with, and whether it is new (the caller records it).
pub struct Opened {
    pub session: CheckoutSession,
    pub fresh: bool,
    pub attempt: u32,
}

/// The open session of `payable` if it has one, else a new one.
pub async fn open(app: &App, payable: &Payable) -> Result<Opened, ApiFailure> {
    if let Some(current) = &payable.current_session {
        let session = app.payments.retrieve_checkout(current).await?;
        if session.status == SessionStatus::Open
            && let Some(url) = session.url
        {
            return Ok(Opened {
                session: CheckoutSession {
                    session_id: session.id,
                    checkout_url: url,
                    expires_at: timestamp(session.expires_at),
                },
                fresh: false,
                attempt: payable.attempt,
            });
        }
    }
    let attempt = if payable.current_session.is_some() {
        payable.attempt + 1
    } else {
        0
    };
    let lifetime = if holds_scarce(payable.payee.campaign) {
        HOLD_LIFETIME
    } else {
        TimeDelta::from_std(app.settings.checkout_lifetime).unwrap_or(TimeDelta::hours(23))
    };
    let request = CheckoutRequest {
        campaign_id: payable.payee.campaign.as_str().to_owned(),
        record_id: payable.payee.record_id.clone(),
        member_id: payable.payee.member_id.clone(),
        attempt,
        product: payable.product,
        // At the catalog's own price, the catalog's Stripe Price; any other
        // amount (a scholarship price, a coupon discount, a team share) is computed.
        price: if catalog::product(payable.product).price == Some(payable.amount) {
            CheckoutPrice::Catalog
        } else {
            CheckoutPrice::Computed
        },
        amount_cents: payable.amount.0,
        customer_email: payable.email.clone(),
        expires_at: (app.now() + lifetime).timestamp(),
        capture: payable.capture,
        cancel_url: cancel_link(app, &payable.payee),
    };
    let session = app.payments.create_checkout(&request).await?;
    let url = session.url.ok_or_else(|| {
        ApiFailure::unavailable("the payment provider returned a session without a page")
    })?;
    if attempt == 0 {
        metrics::emit(app, &Fact::CheckoutStarted(&payable.payee));
    }
    Ok(Opened {
        session: CheckoutSession {
            session_id: session.id,
            checkout_url: url,
            expires_at: timestamp(session.expires_at),
        },
        fresh: true,
        attempt,
    })
}

/// The scope of a cancel link's token: it opens the payee's checkout and
/// nothing else (not the record, which holds personal data).
pub fn cancel_scope(payee: &Payee) -> String {
    format!(
        "checkout-cancel:{}:{}",
        payee.campaign.as_str(),
        payee.wait_id()
    )
}

/// `GET /checkout/cancel?…` for the payee, with its token: where Stripe's
/// page sends a payer who backs out. Ids and tokens are URL-safe as made.
fn cancel_link(app: &App, payee: &Payee) -> String {
    let member = payee
        .member_id
        .as_deref()
        .map(|member| format!("&memberId={member}"))
        .unwrap_or_default();
    format!(
        "{}/checkout/cancel?campaignId={}&recordId={}{member}&token={}",
        app.settings.api_base_url.trim_end_matches('/'),
        payee.campaign.as_str(),
        payee.record_id,
        app.tokens.issue(&cancel_scope(payee)),
    )
}

fn timestamp(unix: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(unix, 0).unwrap_or_default()
}
