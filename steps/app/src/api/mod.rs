//! The handlers of the route table, one module per campaign.

mod checkout;
mod purchase;
mod webhook;

use campaigns_core::campaign::CampaignId;

pub(crate) use purchase::scope as purchase_scope;

use campaigns_contracts::validation;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;

use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, Handled};
use crate::payment_wait::Payee;

/// Runs the handler of the route with this operation id.
pub async fn handle(app: &App, operation_id: &str, request: &ApiRequest) -> Handled {
    match operation_id {
        "validateCoupon" => purchase::validate_coupon(app, request).await,
        "createPurchase" => purchase::create(app, request).await,
        "getPurchase" => purchase::get(app, request).await,
        "createCheckout" => checkout::create(app, request).await,
        "verifyCheckout" => checkout::verify(app, request).await,
        "stripeWebhook" => webhook::receive(app, request).await,
        other => Err(ApiFailure::new(
            501,
            "NOT_IMPLEMENTED",
            format!("{other} is not served yet"),
        )),
    }
}

/// The request body as `T`, checked against `T`'s JSON Schema.
fn parse<T: DeserializeOwned + JsonSchema + 'static>(
    request: &ApiRequest,
) -> Result<T, ApiFailure> {
    validation::parse_body(&request.body).map_err(ApiFailure::bad_request)
}

/// Checks the caller holds the record's access token.
fn authorize(app: &App, request: &ApiRequest, scope: &str) -> Result<(), ApiFailure> {
    if app.tokens.verify(scope, request.access_token()?) {
        Ok(())
    } else {
        Err(ApiFailure::unauthorized(
            "the access token does not open this record",
        ))
    }
}

/// The status of the record a checkout pays for, as the success page shows it.
async fn record_status(
    app: &App,
    campaign: CampaignId,
    record_id: &str,
) -> Result<String, ApiFailure> {
    let status = match campaign {
        CampaignId::DiscountPurchase => app
            .records
            .get::<campaigns_contracts::records::DiscountPurchase>(record_id)
            .await?
            .map(|found| serde_json::to_value(found.record.status)),
        _ => None,
    };
    status
        .and_then(Result::ok)
        .and_then(|value| value.as_str().map(str::to_owned))
        .ok_or_else(|| ApiFailure::not_found("record"))
}

/// The session a payee pays with now; an older session expiring means nothing.
pub(crate) async fn current_session(
    app: &App,
    payee: &Payee,
) -> Result<Option<String>, ApiFailure> {
    match payee.campaign {
        CampaignId::DiscountPurchase => purchase::current_session(app, &payee.record_id).await,
        _ => Ok(None),
    }
}

/// Stripe declined an attempt: the payer gets an email with a retry link.
async fn payment_failed(app: &App, payee: &Payee) -> Result<(), ApiFailure> {
    match payee.campaign {
        CampaignId::DiscountPurchase => purchase::payment_failed(app, &payee.record_id, None).await,
        _ => Ok(()),
    }
}

/// The payment was refunded: the record says so.
async fn refunded(app: &App, payee: &Payee) -> Result<(), ApiFailure> {
    match payee.campaign {
        CampaignId::DiscountPurchase => purchase::refunded(app, &payee.record_id).await,
        _ => Ok(()),
    }
}
