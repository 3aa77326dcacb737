//! The universal checkout routes: a fresh session for any payable record,
//! the state of a session after Stripe's redirect, and the cancel link.

use campaigns_contracts::api::{
    CancelCheckoutQuery, CheckoutCancelled, CreateCheckoutRequest, VerifyCheckoutRequest,
    VerifyCheckoutResponse,
};
use campaigns_contracts::records::{PaymentOutcome, PaymentResult};
use campaigns_core::campaign::CampaignId;
use campaigns_payments::{PaymentsError, SessionStatus, metadata_keys};

use super::{parse, parse_query};
use crate::checkout::cancel_scope;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::payment_wait::{self, Payee};

pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let body: CreateCheckoutRequest = parse(request)?;
    super::checkout_for(app, request, &body).await
}

pub async fn verify(app: &App, request: &ApiRequest) -> Handled {
    let body: VerifyCheckoutRequest = parse(request)?;
    let session = match app.payments.retrieve_checkout(&body.session_id).await {
        Ok(session) => session,
        Err(campaigns_payments::PaymentsError::InvalidRequest(_)) => {
            return Err(ApiFailure::not_found("checkout session"));
        }
        Err(other) => return Err(other.into()),
    };
    let meta = |key: &str| session.metadata.get(key).cloned();
    let (Some(campaign), Some(record_id)) = (
        meta(metadata_keys::CAMPAIGN_ID),
        meta(metadata_keys::RECORD_ID),
    ) else {
        return Err(ApiFailure::not_found("checkout session"));
    };
    let campaign_id: CampaignId = serde_json::from_value(serde_json::Value::String(campaign))
        .map_err(|_| ApiFailure::not_found("checkout session"))?;
    let record_status = super::record_status(app, campaign_id, &record_id).await?;
    let response = VerifyCheckoutResponse {
        session_id: session.id,
        campaign_id,
        record_id,
        status: session.status.to_string(),
        payment_status: session.payment_status.to_string(),
        record_status,
    };
    Ok(ApiResponse::json(200, &response))
}

/// `GET /checkout/cancel`: the payer backed out of Stripe's page. The
/// session is expired so it can no longer be paid; where its expiry ends the
/// journey's wait (it held a coupon use or a seat), the journey hears it now,
/// as Stripe's `checkout.session.expired` would tell it later, and gives the
/// hold back at once. Then the payer goes on to the frontend's cancel page.
pub async fn cancel(app: &App, request: &ApiRequest) -> Handled {
    let query: CancelCheckoutQuery = parse_query(request)?;
    let payee = Payee {
        campaign: query.campaign_id,
        record_id: query.record_id,
        member_id: query.member_id,
    };
    if !app.tokens.verify(&cancel_scope(&payee), &query.token) {
        return Err(ApiFailure::unauthorized(
            "this link's token does not open this checkout",
        ));
    }
    let released = match super::current_session(app, &payee).await? {
        Some(session_id) => expire(app, &payee, &session_id).await?,
        None => false,
    };
    let location = format!(
        "{}/checkout/cancel?campaign={}&record={}",
        app.settings.frontend_url.trim_end_matches('/'),
        payee.campaign.as_str(),
        payee.record_id
    );
    Ok(ApiResponse::json(
        303,
        &CheckoutCancelled { location, released },
    ))
}

/// Expires the payee's session if still open, and where an expired session
/// ends the journey's wait, ends it (again, harmlessly, on a second visit);
/// whether this visit gave back the hold.
async fn expire(app: &App, payee: &Payee, session_id: &str) -> Result<bool, ApiFailure> {
    let mut session = app.payments.retrieve_checkout(session_id).await?;
    let was_open = session.status == SessionStatus::Open;
    if was_open {
        session = match app.payments.expire_checkout(session_id).await {
            Ok(expired) => expired,
            // Paid (or expired) a moment ago: it is what it is now.
            Err(PaymentsError::InvalidRequest(_)) => {
                app.payments.retrieve_checkout(session_id).await?
            }
            Err(other) => return Err(other.into()),
        };
    }
    if session.status != SessionStatus::Expired || !super::expiry_ends_wait(payee.campaign) {
        return Ok(false);
    }
    let outcome = PaymentOutcome {
        result: PaymentResult::Expired,
        payment_intent_id: None,
        amount: None,
        currency: None,
        checkout_session_id: session.id,
        event_id: format!("cancelled:{session_id}"),
    };
    payment_wait::report(app, payee, &outcome)
        .await
        .map_err(|err| {
            tracing::error!(error = %err, wait = payee.wait_id(), "could not end the payment wait");
            ApiFailure::unavailable(err)
        })?;
    Ok(was_open)
}
