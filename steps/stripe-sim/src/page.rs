//! The hosted checkout page: plain HTML forms, so a person or a test can pay, pay with
//! the dispute test card, decline, pay by a delayed method (then settle it) or cancel.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::objects::Session;
use crate::sim::Simulator;
use crate::store::{PayerAction, session_redirect};

/// The `/checkout` routes.
pub fn routes(sim: Simulator) -> Router {
    Router::new()
        .route("/checkout/{id}", get(page))
        .route("/checkout/{id}/{action}", post(act))
        .with_state(sim)
}

async fn page(State(sim): State<Simulator>, Path(id): Path<String>) -> Response {
    let base = sim.public_url();
    match sim.with_store(|store, _| store.session(&id).cloned()) {
        Ok(session) => Html(render(&session, &base)).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Html("<p>No such checkout session.</p>".to_owned()),
        )
            .into_response(),
    }
}

async fn act(State(sim): State<Simulator>, Path((id, action)): Path<(String, String)>) -> Response {
    let back = format!("{}/checkout/{id}", sim.public_url());
    if action == "cancel" {
        // Leaving the page changes nothing: the session stays open until it expires.
        let target = sim.with_store(|store, _| {
            store
                .session(&id)
                .map(|s| session_redirect(&s.cancel_url, &id))
        });
        return match target {
            Ok(url) => Redirect::to(&url.unwrap_or(back)).into_response(),
            Err(_) => StatusCode::NOT_FOUND.into_response(),
        };
    }
    let action = match action.as_str() {
        "pay" => PayerAction::Pay,
        "pay-disputed" => PayerAction::PayDisputed,
        "decline" => PayerAction::Decline,
        "delayed" => PayerAction::Delayed,
        "delayed-succeed" => PayerAction::DelayedSucceeds,
        "delayed-fail" => PayerAction::DelayedFails,
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    match sim.with_store(|store, now| store.payer_action(&id, action, now)) {
        Ok(next) => Redirect::to(&next.unwrap_or(back)).into_response(),
        Err(error) if error.status == 404 => StatusCode::NOT_FOUND.into_response(),
        Err(error) => (
            StatusCode::CONFLICT,
            Html(format!("<p>{}</p>", escape(&error.message))),
        )
            .into_response(),
    }
}

fn render(session: &Session, base: &str) -> String {
    let form = |action: &str, label: &str| {
        format!(
            r#"<form method="post" action="{base}/checkout/{}/{action}"><button type="submit">{label}</button></form>"#,
            session.id
        )
    };
    let actions = match (session.status, session.payment_status) {
        ("open", _) => [
            form("pay", "Pay"),
            form(
                "pay-disputed",
                "Pay with a card whose payment is disputed (4000 0000 0000 0259)",
            ),
            form("decline", "Pay with a card that is declined"),
            form("delayed", "Pay by bank debit (delayed)"),
            form("cancel", "Cancel"),
        ]
        .concat(),
        ("complete", "unpaid") => [
            "<p>Bank debit processing.</p>".to_owned(),
            form("delayed-succeed", "Debit succeeds"),
            form("delayed-fail", "Debit fails"),
        ]
        .concat(),
        (status, payment) => format!("<p>This session is {status} ({payment}).</p>"),
    };
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Checkout</title></head><body>\
         <h1>{}</h1><p>{}.{:02} {}</p><p>{}</p>{actions}</body></html>",
        escape(&session.product_name),
        session.amount_total / 100,
        session.amount_total % 100,
        session.currency.to_uppercase(),
        escape(session.customer_email.as_deref().unwrap_or("")),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
