//! The payment hooks every campaign shares, written once over what a
//! campaign's record says about itself: its status, its checkout session,
//! what it costs and which retry email it gets. A team pays per member, so it
//! keeps its own session hooks and shares only the record-wide ones.

use campaigns_contracts::api::CreateCheckoutRequest;
use campaigns_contracts::records::{
    DiscountPurchase, MockRegistration, PersonalizedPlan, PlanStatus, PurchaseStatus,
    RegistrationStatus, Scholarship, ScholarshipStatus, Team, TeamStatus,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use campaigns_mail::emails::{Payment, PaymentFailed};
use campaigns_mail::{EmailTemplate, MailError};
use campaigns_payments::CaptureMode;
use campaigns_records::Record;
use campaigns_records::typed::UpdateError;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::authorize;
use crate::checkout::{self, Opened, Payable};
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::payment_wait::Payee;

/// A campaign record with a status the checkout success page shows.
pub(crate) trait StatusRecord: Record {
    type Status: Serialize;

    fn status(&self) -> &Self::Status;
}

macro_rules! status_records {
    ($($record:ty => $status:ty),* $(,)?) => {
        $(impl StatusRecord for $record {
            type Status = $status;

            fn status(&self) -> &$status {
                &self.status
            }
        })*
    };
}

status_records! {
    Team => TeamStatus,
    Scholarship => ScholarshipStatus,
    DiscountPurchase => PurchaseStatus,
    PersonalizedPlan => PlanStatus,
    MockRegistration => RegistrationStatus,
}

/// A record paid for in one piece, through one checkout session at a time.
pub(crate) trait PayableRecord: StatusRecord {
    const CAMPAIGN: CampaignId;
    /// How a missing record is named in the 404.
    const NOUN: &'static str;
    /// Why a fresh checkout is refused once the record stopped waiting.
    const NOT_PAYABLE: &'static str;

    /// What the price and the emails need besides the record itself.
    type Context: Send + Sync;

    fn id(&self) -> &str;

    /// The scope of the record's access token.
    fn scope(record_id: &str) -> String;

    async fn context(&self, app: &App) -> Result<Self::Context, ApiFailure>;

    /// Waiting for a payment, by its status alone.
    fn awaiting_payment(&self) -> bool;

    /// Whether a fresh checkout may be opened at `now`.
    fn payable_at(&self, _now: DateTime<Utc>) -> bool {
        self.awaiting_payment()
    }

    /// The product paid for and its price, computed by the server.
    fn price(&self, context: &Self::Context) -> (ProductId, Cents);

    /// The record as the payment emails show it.
    fn payment<'a>(&'a self, context: &'a Self::Context) -> Payment<'a>;

    fn email(&self) -> &str;

    /// The session the record pays with now.
    fn session(&self) -> Option<&str>;

    /// How many sessions came before the current one.
    fn attempt(&self) -> u32;

    fn record_session(&mut self, opened: &Opened);

    /// What the payer is asked for.
    fn payable(&self, context: &Self::Context) -> Payable {
        let (product, amount) = self.price(context);
        Payable {
            payee: Payee {
                campaign: Self::CAMPAIGN,
                record_id: self.id().to_owned(),
                member_id: None,
            },
            product,
            amount,
            email: self.email().to_owned(),
            capture: CaptureMode::Automatic,
            current_session: self.session().map(str::to_owned),
            attempt: self.attempt(),
        }
    }
}

/// The [`PayableRecord`] methods over the fields every payable record names
/// alike.
macro_rules! checkout_fields {
    () => {
        fn email(&self) -> &str {
            &self.email
        }

        fn session(&self) -> Option<&str> {
            self.stripe_checkout_session_id.as_deref()
        }

        fn attempt(&self) -> u32 {
            self.checkout_attempt
        }

        fn record_session(&mut self, opened: &crate::checkout::Opened) {
            self.stripe_checkout_session_id = Some(opened.session.session_id.clone());
            self.checkout_attempt = opened.attempt;
        }
    };
}

pub(crate) use checkout_fields;

async fn load<R: PayableRecord>(app: &App, record_id: &str) -> Result<R, ApiFailure> {
    app.records
        .get::<R>(record_id)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| ApiFailure::not_found(R::NOUN))
}

fn not_payable<R: PayableRecord>() -> ApiFailure {
    ApiFailure::conflict("NOT_PAYABLE", R::NOT_PAYABLE)
}

/// Stores the session just opened for a new record.
pub(crate) async fn record_opened<R: PayableRecord>(
    app: &App,
    record_id: &str,
    opened: &Opened,
) -> Result<R, ApiFailure> {
    Ok(app
        .records
        .update::<R, ApiFailure>(record_id, |stored| {
            stored.record_session(opened);
            Ok(())
        })
        .await?)
}

/// A checkout for a record still waiting for payment: its open session, or a
/// fresh one, stored only if the record still waits (a session lives a day;
/// a payer may come back later).
pub(crate) async fn checkout<R: PayableRecord>(
    app: &App,
    request: &ApiRequest,
    body: &CreateCheckoutRequest,
) -> Handled {
    let record_id = body.record_id.as_str();
    authorize(app, request, &R::scope(record_id))?;
    let record = load::<R>(app, record_id).await?;
    let now = app.now();
    if !record.payable_at(now) {
        return Err(not_payable::<R>());
    }
    let context = record.context(app).await?;
    let opened = checkout::open(app, &record.payable(&context)).await?;
    if opened.fresh {
        let stored = app
            .records
            .update::<R, ApiFailure>(record_id, |stored| {
                if !stored.payable_at(now) {
                    return Err(not_payable::<R>());
                }
                stored.record_session(&opened);
                Ok(())
            })
            .await;
        if let Err(err) = stored {
            let session = &opened.session.session_id;
            // The record moved on meanwhile: a session it does not know of
            // must not stay payable.
            if let Err(expiry) = app.payments.expire_checkout(session).await {
                tracing::error!(error = %expiry, session, "could not expire an unrecorded session");
            }
            return Err(err.into());
        }
    }
    Ok(ApiResponse::json(200, &opened.session))
}

/// The session a payee pays with now (an older one expiring means nothing).
pub(crate) async fn current_session<R: PayableRecord>(
    app: &App,
    payee: &Payee,
) -> Result<Option<String>, ApiFailure> {
    Ok(app
        .records
        .get::<R>(&payee.record_id)
        .await?
        .and_then(|found| found.record.session().map(str::to_owned)))
}

/// What the record asks its payer for now; `None` once the record is gone.
pub(crate) async fn asked<R: PayableRecord>(
    app: &App,
    payee: &Payee,
) -> Result<Option<Payable>, ApiFailure> {
    let Some(found) = app.records.get::<R>(&payee.record_id).await? else {
        return Ok(None);
    };
    let record = found.record;
    let context = record.context(app).await?;
    Ok(Some(record.payable(&context)))
}

/// Stripe declined a payment attempt: tell the payer, with a link to retry.
pub(crate) async fn payment_failed<R: PayableRecord>(
    app: &App,
    payee: &Payee,
) -> Result<(), ApiFailure> {
    let record_id = payee.record_id.as_str();
    let Some(found) = app.records.get::<R>(record_id).await? else {
        return Ok(());
    };
    let record = found.record;
    if !record.awaiting_payment() {
        return Ok(());
    }
    let context = record.context(app).await?;
    let token = app.tokens.issue(&R::scope(record_id));
    send_payment_failed(app, record.payment(&context), &token).await
}

/// Sends the email `compose` makes of a record's payment and the token of
/// its page; nothing when the record is gone.
pub(crate) async fn send_about<R: PayableRecord, E: EmailTemplate>(
    app: &App,
    record_id: &str,
    compose: impl for<'a> FnOnce(Payment<'a>, &str) -> Result<E, MailError>,
) -> Result<(), ApiFailure> {
    let Some(found) = app.records.get::<R>(record_id).await? else {
        return Ok(());
    };
    let record = found.record;
    let context = record.context(app).await?;
    let token = app.tokens.issue(&R::scope(record_id));
    let email = compose(record.payment(&context), &token).map_err(ApiFailure::unavailable)?;
    crate::notify::send(app, &email)
        .await
        .map_err(ApiFailure::unavailable)
}

/// The retry email for a declined attempt, its link opening with `token`.
pub(crate) async fn send_payment_failed(
    app: &App,
    payment: Payment<'_>,
    token: &str,
) -> Result<(), ApiFailure> {
    let email = PaymentFailed::new(payment, None, token, &app.mail_settings.links)
        .map_err(ApiFailure::unavailable)?;
    crate::notify::send(app, &email)
        .await
        .map_err(ApiFailure::unavailable)
}

/// The payment was refunded: `mark` says so on the record (access is revoked
/// by the caller, from the grants the payment paid for). A record gone
/// meanwhile has nothing left to mark.
pub(crate) async fn refunded<R: Record>(
    app: &App,
    payee: &Payee,
    mark: impl FnMut(&mut R) + Send,
) -> Result<(), ApiFailure> {
    let mut mark = mark;
    let result = app
        .records
        .update::<R, ApiFailure>(&payee.record_id, |stored| {
            mark(stored);
            Ok(())
        })
        .await;
    match result {
        Ok(_) | Err(UpdateError::NotFound) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// The record's status, for the checkout success page.
pub(crate) async fn record_status<R: StatusRecord>(
    app: &App,
    record_id: &str,
) -> Result<Option<String>, ApiFailure> {
    Ok(app
        .records
        .get::<R>(record_id)
        .await?
        .map(|found| super::status_text(found.record.status())))
}
