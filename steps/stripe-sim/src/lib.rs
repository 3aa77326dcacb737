//! A stateful simulator of the part of Stripe's HTTP API the product uses: Checkout
//! Sessions with a hosted page, PaymentIntents (including manual capture), Charges,
//! Refunds, Disputes, Products and Prices, Events and signed webhook deliveries.
//! Clients such as async-stripe talk to it as to Stripe (base URL
//! `http://127.0.0.1:PORT/`).
//!
//! Mount [`Simulator::router`] in a server, or run it alone with [`serve`] / [`spawn`].
//! Its state lives in memory ([`Simulator::new`]) or, with the `sqlite` feature, in a
//! file that survives restarts (`Simulator::open`).
//! Test hooks live under `/_sim`: `POST /_sim/clock/advance?seconds=N`,
//! `POST /_sim/fail_next?status=429&type=invalid_request_error&code=rate_limit`,
//! `POST /_sim/webhooks/hold` and `/_sim/webhooks/release` (deliveries wait, then go),
//! `GET /_sim/webhooks` (`{"held", "pending"}`),
//! `POST /_sim/disputes?payment_intent=pi_…` (or `charge=ch_…`, optional `reason`,
//! default `fraudulent`) disputes a captured payment; Stripe's own API closes it.
//! Pages on other sites are refused (see [`guard`]): by `Origin` on every request that
//! changes state, and, where [`serve`] and [`spawn`] listen, by `Host`.

// Stripe's objects are wide: `json!` needs a deeper macro recursion.
#![recursion_limit = "256"]

mod api;
mod catalog;
mod clock;
mod delivery;
mod error;
mod form;
pub mod guard;
mod ids;
mod objects;
mod page;
mod params;
#[cfg(feature = "sqlite")]
mod persist;
mod sim;
mod store;
mod tracked;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

pub use clock::{Clock, VirtualClock};
pub use delivery::{DeliveryConfig, sign};
pub use objects::API_VERSION;
pub use sim::{InjectedFailure, SimConfig, Simulator, WebhookTarget};

impl Simulator {
    /// Every route: Stripe's API under `/v1`, the checkout page under `/checkout`, test
    /// hooks under `/_sim`.
    pub fn router(&self) -> Router {
        let hooks = Router::new()
            .route("/_sim/clock/advance", post(advance_clock))
            .route("/_sim/fail_next", post(fail_next))
            .route("/_sim/disputes", post(open_dispute))
            .route("/_sim/webhooks", get(webhooks))
            .route("/_sim/webhooks/hold", post(hold_webhooks))
            .route("/_sim/webhooks/release", post(release_webhooks))
            .with_state(self.clone());
        api::routes(self.clone())
            .merge(page::routes(self.clone()))
            .merge(hooks)
            .layer(axum::middleware::from_fn(guard::refuse_foreign_origins))
    }

    /// Starts the background work: the deliveries a stop interrupted go on, and
    /// overdue sessions expire every second, as Stripe expires them shortly after
    /// `expires_at`.
    pub fn spawn_background(&self) -> tokio::task::JoinHandle<()> {
        self.resume_deliveries();
        let sim = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                sim.sweep();
            }
        })
    }
}

async fn advance_clock(
    State(sim): State<Simulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(seconds) = query.get("seconds").and_then(|s| s.parse::<i64>().ok()) else {
        return (StatusCode::BAD_REQUEST, "seconds=N required").into_response();
    };
    if !sim.advance_clock(seconds) {
        return (
            StatusCode::CONFLICT,
            "this simulator's clock cannot be moved",
        )
            .into_response();
    }
    axum::Json(serde_json::json!({ "now": sim.now() })).into_response()
}

async fn webhooks(State(sim): State<Simulator>) -> Response {
    axum::Json(serde_json::json!({
        "held": sim.deliveries_held(),
        "pending": sim.pending_deliveries(),
    }))
    .into_response()
}

async fn hold_webhooks(State(sim): State<Simulator>) -> Response {
    sim.hold_deliveries();
    StatusCode::NO_CONTENT.into_response()
}

async fn release_webhooks(State(sim): State<Simulator>) -> Response {
    sim.release_deliveries();
    StatusCode::NO_CONTENT.into_response()
}

async fn open_dispute(
    State(sim): State<Simulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(payment) = query.get("payment_intent").or_else(|| query.get("charge")) else {
        return (
            StatusCode::BAD_REQUEST,
            "payment_intent=pi_… or charge=ch_… required",
        )
            .into_response();
    };
    let reason = query.get("reason").map_or("fraudulent", String::as_str);
    match sim.dispute_payment(payment, reason) {
        Ok(dispute) => axum::Json(dispute).into_response(),
        Err(error) => error.into_response(),
    }
}

async fn fail_next(
    State(sim): State<Simulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(status) = query.get("status").and_then(|s| s.parse::<u16>().ok()) else {
        return (StatusCode::BAD_REQUEST, "status=N required").into_response();
    };
    sim.fail_next(InjectedFailure {
        status,
        error_type: query
            .get("type")
            .cloned()
            .unwrap_or_else(|| "api_error".into()),
        code: query.get("code").cloned(),
        decline_code: query.get("decline_code").cloned(),
    });
    StatusCode::NO_CONTENT.into_response()
}

/// A simulator listening in the background.
#[derive(Debug)]
pub struct RunningSimulator {
    /// The simulator's state and hooks.
    pub simulator: Simulator,
    /// Where it listens.
    pub addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    sweeper: tokio::task::JoinHandle<()>,
}

impl RunningSimulator {
    /// The API base URL for clients, with the trailing slash async-stripe needs.
    pub fn api_base(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        self.server.abort();
        self.sweeper.abort();
    }
}

/// Starts a simulator on `addr` (port 0 for any free port) in the background; it stops
/// when the returned value is dropped.
pub async fn spawn(addr: SocketAddr, config: SimConfig) -> anyhow::Result<RunningSimulator> {
    spawn_simulator(addr, Simulator::new(config)).await
}

/// Serves `simulator` (e.g. one made by `Simulator::open`) on `addr` in the
/// background, as [`spawn`] does.
pub async fn spawn_simulator(
    addr: SocketAddr,
    simulator: Simulator,
) -> anyhow::Result<RunningSimulator> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    simulator.set_public_url(&format!("http://{addr}"));
    let app = guard::LocalGuard::new(addr.ip()).protect(simulator.router());
    let server = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "stripe simulator stopped");
        }
    });
    let sweeper = simulator.spawn_background();
    Ok(RunningSimulator {
        simulator,
        addr,
        server,
        sweeper,
    })
}

/// Runs a simulator on `addr` until the process ends (the `campaigns stripe-sim` command).
pub async fn serve(addr: SocketAddr, config: SimConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let simulator = Simulator::new(config);
    simulator.set_public_url(&format!("http://{addr}"));
    let _sweeper = simulator.spawn_background();
    tracing::info!(%addr, "stripe simulator listening");
    let app = guard::LocalGuard::new(addr.ip()).protect(simulator.router());
    axum::serve(listener, app).await?;
    Ok(())
}
