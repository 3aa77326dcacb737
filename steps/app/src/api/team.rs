//! Team plans: a leader and 1–4 others split one plan, each authorizing a share.

use campaigns_contracts::api::CreateCheckoutRequest;

use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, Handled};
use crate::payment_wait::Payee;

fn not_served() -> ApiFailure {
    ApiFailure::new(501, "NOT_IMPLEMENTED", "this route is not served yet")
}

pub async fn create(_app: &App, _request: &ApiRequest) -> Handled {
    Err(not_served())
}

pub async fn get(_app: &App, _request: &ApiRequest) -> Handled {
    Err(not_served())
}

pub async fn member_checkout(_app: &App, _request: &ApiRequest) -> Handled {
    Err(not_served())
}

pub async fn checkout(_app: &App, _request: &ApiRequest, _body: &CreateCheckoutRequest) -> Handled {
    Err(not_served())
}

pub async fn current_session(_app: &App, _payee: &Payee) -> Result<Option<String>, ApiFailure> {
    Ok(None)
}

pub async fn payment_failed(_app: &App, _payee: &Payee) -> Result<(), ApiFailure> {
    Ok(())
}

pub async fn refunded(_app: &App, _payee: &Payee) -> Result<(), ApiFailure> {
    Ok(())
}

pub async fn record_status(_app: &App, _record_id: &str) -> Result<Option<String>, ApiFailure> {
    Ok(None)
}
