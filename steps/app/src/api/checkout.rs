//! The universal checkout routes: a fresh session for any payable record,
//! and the state of a session after Stripe's redirect.

use campaigns_contracts::api::{
    CreateCheckoutRequest, VerifyCheckoutRequest, VerifyCheckoutResponse,
};
use campaigns_core::campaign::CampaignId;
use campaigns_payments::metadata_keys;

use super::parse;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};

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
