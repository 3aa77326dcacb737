//! The operations console: server-rendered pages under `/console` for the
//! people who run the product on one machine — every journey's executions,
//! an execution's history and state graph, the task tokens it waits on,
//! stop and redrive, the emails sent, the access events published to the
//! main platform, and the records of each campaign.
//!
//! Guard (see `docs/console.md`): the server listens on 127.0.0.1 only and
//! refuses, for every route, requests whose `Host` does not name this machine
//! (`stripe_sim::guard::LocalGuard`, applied by the router), so a page on
//! another site cannot reach the console through DNS rebinding; every page
//! needs the admin token. `POST /console/login` takes it as a
//! form field and sets an HttpOnly, `SameSite=Strict` cookie holding a
//! digest of it; stop and redrive are plain forms that also check `Origin`.

mod graph;
mod pages;
mod templates;

use std::sync::Arc;
use subtle::ConstantTimeEq;

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use campaigns_app::App;
use campaigns_app::settings::AdminAuth;
use campaigns_mail::OutboxMailer;

use crate::access_events::LocalAccessEvents;
use campaigns_records::sqlite::SqliteStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stripe_sim::guard::same_origin;
use workflows::{Engine, Store};

/// What the console reads and acts on, beyond the application.
#[derive(Clone)]
pub struct Ops {
    pub engine: Engine,
    /// The engine's own store, read for the task tokens still open.
    pub engine_store: Arc<dyn Store>,
    /// The records file, listed table by table.
    pub records: Arc<SqliteStore>,
    pub outbox: Arc<OutboxMailer>,
    /// The access events published, as files in the data directory.
    pub access_events: Arc<LocalAccessEvents>,
}

#[derive(Clone)]
pub(crate) struct Console {
    pub ops: Ops,
    pub app: App,
}

const COOKIE: &str = "campaigns_console";

/// The console's routes, to be nested under `/console`.
pub fn router(ops: Ops, app: App) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/executions") }))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/executions", get(pages::executions))
        .route("/execution", get(pages::execution))
        .route("/execution/stop", post(pages::stop))
        .route("/execution/redrive", post(pages::redrive))
        .route("/emails", get(pages::emails))
        .route("/emails/{id}", get(pages::email))
        .route("/emails/{id}/raw", get(pages::email_raw))
        .route("/access-events", get(pages::access_events))
        .route("/records", get(pages::records))
        .with_state(Console { ops, app })
}

/// The digest the cookie carries; the token itself never leaves the form.
fn session_value(token: &str) -> String {
    hex::encode(Sha256::digest(
        format!("campaigns-console\0{token}").as_bytes(),
    ))
}

fn admin_token(app: &App) -> Option<&str> {
    match &app.settings.admin {
        AdminAuth::Bearer(token) if !token.is_empty() => Some(token),
        _ => None,
    }
}

/// Why a request may not see the console.
pub(crate) enum Refusal {
    /// No valid session cookie.
    SignIn,
    /// A form posted from another origin.
    Origin,
    /// Admin routes are not token-guarded in this deployment.
    Disabled,
}

impl Refusal {
    fn respond(self, next: &str) -> Response {
        match self {
            Refusal::SignIn => Redirect::to(&format!(
                "/console/login?next={}",
                templates::url_param(next)
            ))
            .into_response(),
            Refusal::Origin => {
                (StatusCode::FORBIDDEN, "The form came from another origin.").into_response()
            }
            Refusal::Disabled => (
                StatusCode::FORBIDDEN,
                "The console needs a local admin token.",
            )
                .into_response(),
        }
    }
}

impl Console {
    /// Checks a page request (`next` is where sign-in returns to): the
    /// answer to give instead of the page, if any.
    pub(crate) fn guard(&self, headers: &HeaderMap, next: &str) -> Option<Response> {
        self.check(headers, false).err().map(|r| r.respond(next))
    }

    /// Checks a form post (also its `Origin`).
    pub(crate) fn guard_post(&self, headers: &HeaderMap) -> Option<Response> {
        self.check(headers, true)
            .err()
            .map(|r| r.respond("/console/executions"))
    }

    fn check(&self, headers: &HeaderMap, post: bool) -> Result<(), Refusal> {
        let token = admin_token(&self.app).ok_or(Refusal::Disabled)?;
        if post && !same_origin(headers) {
            return Err(Refusal::Origin);
        }
        let expected = session_value(token);
        let presented = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .any(|(name, value)| {
                name == COOKIE && bool::from(value.as_bytes().ct_eq(expected.as_bytes()))
            });
        if presented {
            Ok(())
        } else {
            Err(Refusal::SignIn)
        }
    }
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    token: String,
    next: Option<String>,
}

/// Only a path of the console itself (never another site).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(next) if next.starts_with("/console") && !next.contains("//") => next.to_owned(),
        _ => "/console/executions".to_owned(),
    }
}

/// The sign-in page: where it returns to, and why the last try failed.
#[derive(Serialize)]
struct LoginPage<'a> {
    next: &'a str,
    message: Option<&'a str>,
}

fn login_form(status: StatusCode, next: &str, message: Option<&str>) -> Response {
    templates::page(
        status,
        "login.html",
        "Sign in",
        "",
        &LoginPage { next, message },
    )
}

async fn login_page(State(console): State<Console>, Query(query): Query<NextQuery>) -> Response {
    if admin_token(&console.app).is_none() {
        return Refusal::Disabled.respond("");
    }
    login_form(StatusCode::OK, &safe_next(query.next.as_deref()), None)
}

async fn login(State(console): State<Console>, Form(form): Form<LoginForm>) -> Response {
    let next = safe_next(form.next.as_deref());
    let Some(token) = admin_token(&console.app) else {
        return Refusal::Disabled.respond("");
    };
    if !bool::from(form.token.as_bytes().ct_eq(token.as_bytes())) {
        return login_form(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("That is not the admin token."),
        );
    }
    let cookie = format!(
        "{COOKIE}={}; Path=/console; HttpOnly; SameSite=Strict",
        session_value(token)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

async fn logout() -> Response {
    let cookie = format!("{COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to("/console/login"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_the_console() {
        assert_eq!(
            safe_next(Some("/console/execution?arn=x")),
            "/console/execution?arn=x"
        );
        assert_eq!(
            safe_next(Some("https://evil.example/")),
            "/console/executions"
        );
        assert_eq!(safe_next(Some("/console//evil")), "/console/executions");
        assert_eq!(safe_next(None), "/console/executions");
    }
}
