//! [`Embedded`]: the application on the embedded adapters, served on
//! 127.0.0.1, with its state in a data directory that survives restarts.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use campaigns_app::App;
use campaigns_app::access;
use campaigns_app::journey_starts;
use campaigns_app::privacy;
use campaigns_app::settings::Settings;
use campaigns_app::steps;
use campaigns_app::tokens::AccessTokens;
use campaigns_mail::{Links, MailSettings, OutboxMailer};
use campaigns_payments::catalog::{CatalogSync, product_catalog};
use campaigns_payments::{SignatureVerifier, StripeConfig, StripePayments};
use campaigns_records::Records;
use campaigns_records::sqlite::SqliteStore;
use chrono::{DateTime, Utc};
use stripe_sim::{DeliveryConfig, SimConfig, Simulator, WebhookTarget};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use workflows::{ApiError, Engine, HandlerError, state_machine_arn};

use crate::access_events::{Delivery, LocalAccessEvents};
use crate::definitions::{DEFINITIONS, placeholders};
use crate::engine_ports::{EngineScheduler, EngineSlot, EngineWorkflows};
use crate::files::LocalFiles;
use crate::router::{Served, router};
use crate::time::Time;

/// The key the simulator accepts by default.
const SIMULATOR_KEY: &str = "sk_test_simulator";

/// How to start the product on one machine.
#[derive(Clone)]
pub struct Options {
    /// SQLite files (records, the engine, the Stripe simulator), the outbox,
    /// uploads and the local secret live here.
    pub data_dir: PathBuf,
    /// 127.0.0.1 and a port (0 for any free one).
    pub addr: SocketAddr,
    pub time: Time,
    /// FRONTEND_URL; the CORS origin and where emails link.
    pub frontend_url: Option<String>,
    /// `Authorization: Bearer` token of the admin routes.
    pub admin_token: String,
    /// STRIPE_SECRET_KEY the adapter sends (and, when it calls the simulator,
    /// the key the simulator accepts). A live-mode key is refused.
    pub stripe_secret_key: String,
    /// STRIPE_API_BASE: another Stripe API for the adapter, e.g.
    /// `https://api.stripe.com` with a test-mode key, so that events the
    /// Stripe CLI forwards from a Stripe account find their sessions. `None`
    /// for the simulator under `/stripe` (still mounted, unused otherwise).
    pub stripe_api_base: Option<String>,
    /// STRIPE_WEBHOOK_SECRET the simulator signs with and the webhook checks.
    pub stripe_webhook_secret: String,
    pub delivery: DeliveryConfig,
    /// ACCESS_EVENTS_URL and its signing secret: where the access events
    /// are POSTed besides the data directory.
    pub access_events: Option<Delivery>,
}

impl Options {
    pub fn new(data_dir: PathBuf, addr: SocketAddr) -> Options {
        Options {
            data_dir,
            addr,
            time: Time::System,
            frontend_url: None,
            admin_token: "local-admin-token".into(),
            stripe_secret_key: SIMULATOR_KEY.into(),
            stripe_api_base: None,
            stripe_webhook_secret: "whsec_local_simulator".into(),
            delivery: DeliveryConfig::default(),
            access_events: None,
        }
    }
}

/// The running product.
pub struct Embedded {
    pub app: App,
    pub engine: Engine,
    pub simulator: Simulator,
    pub outbox: Arc<OutboxMailer>,
    pub files: Arc<LocalFiles>,
    pub access_events: Arc<LocalAccessEvents>,
    pub time: Time,
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The Stripe API the payments adapter calls, without a trailing `/`:
    /// the simulator's `{base_url}/stripe`, or [`Options::stripe_api_base`].
    pub stripe_api: String,
    server: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    owed_journeys: JoinHandle<()>,
    owed_access_events: JoinHandle<()>,
    redactions: JoinHandle<()>,
}

impl Drop for Embedded {
    fn drop(&mut self) {
        self.server.abort();
        self.sweeper.abort();
        self.owed_journeys.abort();
        self.owed_access_events.abort();
        self.redactions.abort();
    }
}

impl Embedded {
    pub async fn start(options: Options) -> anyhow::Result<Embedded> {
        refuse_live_key(&options.stripe_secret_key)?;
        let external_stripe = options
            .stripe_api_base
            .as_deref()
            .map(external_stripe_api)
            .transpose()?;
        let data = &options.data_dir;
        std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
        let listener = TcpListener::bind(options.addr)
            .await
            .with_context(|| format!("binding {}", options.addr))?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let frontend_url = options
            .frontend_url
            .clone()
            .unwrap_or_else(|| format!("{base_url}/app"));
        let secret = local_secret(&data.join("secret.key"))?;
        let stripe_api = external_stripe
            .clone()
            .unwrap_or_else(|| format!("{base_url}/stripe"));

        let simulator = Simulator::open(
            SimConfig {
                // A key for another Stripe is not one the simulator accepts.
                api_key: if external_stripe.is_some() {
                    SIMULATOR_KEY.into()
                } else {
                    options.stripe_secret_key.clone()
                },
                public_url: Some(format!("{base_url}/stripe")),
                webhooks: vec![WebhookTarget {
                    url: format!("{base_url}/v1/webhook/stripe"),
                    secret: options.stripe_webhook_secret.clone(),
                }],
                delivery: options.delivery.clone(),
                clock: Arc::new(options.time.clone()),
            },
            &data.join("stripe.db"),
        )?;
        if external_stripe.is_none() {
            sync_catalog(&simulator, &options.stripe_secret_key).await?;
        }
        let payments = StripePayments::new(StripeConfig::new(
            options.stripe_secret_key.clone(),
            Some(format!("{stripe_api}/")),
            frontend_url.clone(),
        ))?;
        let outbox = Arc::new(OutboxMailer::new(data.join("outbox"), {
            let time = options.time.clone();
            move || time.now()
        })?);
        let files = Arc::new(LocalFiles::new(
            data.join("uploads"),
            format!("{base_url}/uploads"),
            secret.clone(),
            options.time.clone(),
        )?);
        let access_events = Arc::new(LocalAccessEvents::new(
            data.join("access-events"),
            options.access_events.clone(),
            options.time.clone(),
        )?);
        let slot = Arc::new(EngineSlot::default());
        let records = Arc::new(SqliteStore::open(
            &data.join("records.db"),
            Arc::new(options.time.clone()),
        )?);
        let engine_store = Arc::new(workflows::SqliteStore::open(data.join("engine.db"))?);
        let app = App {
            records: Records::new(records.clone()),
            payments: Arc::new(payments),
            mail: outbox.clone(),
            kept_mail: outbox.clone(),
            mail_settings: MailSettings::new(
                "noreply@prodenthub.com.au",
                Links::new(&frontend_url)?,
            ),
            webhook_verifier: Arc::new(SignatureVerifier::new(
                options.stripe_webhook_secret.clone(),
            )),
            files: files.clone(),
            scheduler: Arc::new(EngineScheduler { slot: slot.clone() }),
            workflows: Arc::new(EngineWorkflows { slot: slot.clone() }),
            access_events: access_events.clone(),
            clock: Arc::new(options.time.clone()),
            tokens: AccessTokens::new(secret),
            settings: Arc::new(Settings::local(
                &format!("{base_url}/v1"),
                &frontend_url,
                &options.admin_token,
            )),
        };

        let engine = start_engine(&app, engine_store.clone(), &options.time).await?;
        slot.set(engine.clone());
        // Before the server takes requests, every owed journey is a dead
        // process's: start them all now, then keep sweeping.
        journey_starts::start_owed(&app, DateTime::<Utc>::MAX_UTC).await?;
        let owed_journeys = tokio::spawn(sweep_owed_journeys(app.clone()));
        // Likewise the access events a dead process did not publish.
        if let Err(err) = access::publish_owed(&app, DateTime::<Utc>::MAX_UTC).await {
            tracing::error!(error = %err, "could not read the owed access events");
        }
        let owed_access_events = tokio::spawn(sweep_owed_access_events(app.clone()));
        let redactions = tokio::spawn(redact_scholarships(app.clone()));

        let served = Served {
            app: app.clone(),
            files: files.clone(),
            ops: crate::console::Ops {
                engine: engine.clone(),
                engine_store,
                records,
                outbox: outbox.clone(),
                access_events: access_events.clone(),
            },
        };
        let routes = router(served, simulator.router());
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, routes).await {
                tracing::error!(error = %err, "the server stopped");
            }
        });
        // After the server: the deliveries a stop interrupted go out now.
        let sweeper = simulator.spawn_background();
        Ok(Embedded {
            app,
            engine,
            simulator,
            outbox,
            files,
            access_events,
            time: options.time,
            base_url,
            stripe_api,
            server,
            sweeper,
            owed_journeys,
            owed_access_events,
            redactions,
        })
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn api_url(&self) -> String {
        format!("{}/v1", self.base_url)
    }
}

/// Makes the simulator's catalog this build's (idempotent: a restart finds it
/// unchanged), so checkouts find their Products and Prices as they do at
/// Stripe after `campaigns stripe-catalog sync`. Done before the engine runs
/// any journey, on a port of the simulator's own: the product's server is not
/// up yet.
async fn sync_catalog(simulator: &Simulator, key: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let base = format!("http://{}/", listener.local_addr()?);
    let routes = simulator.router();
    let server = tokio::spawn(async move { axum::serve(listener, routes).await });
    let synced = CatalogSync::new(StripeConfig::new(key, Some(base), ""))?
        .sync(&product_catalog(), false)
        .await;
    server.abort();
    synced.context("syncing the Stripe catalog into the simulator")?;
    Ok(())
}

/// Starts, every second, the journeys owed for longer than their grace
/// (`journey_starts`): on one machine this loop is the schedule that runs
/// `start-owed-journeys` on AWS. Due times follow the product's clock, so a
/// test's virtual clock makes them due.
async fn sweep_owed_journeys(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = journey_starts::start_owed(&app, app.now()).await {
            tracing::error!(error = %err, "could not read the owed journeys");
        }
    }
}

/// Publishes, every second, the access events owed for longer than their
/// grace (`access`): on one machine the schedule that runs
/// `publish-owed-access-events` on AWS.
async fn sweep_owed_access_events(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = access::publish_owed(&app, app.now()).await {
            tracing::error!(error = %err, "could not read the owed access events");
        }
    }
}

/// Removes, every second, the sensitive fields of scholarships decided 90
/// days ago by the machine's clock (virtual in tests): on one machine the
/// daily schedule that runs `redact-scholarships` on AWS.
async fn redact_scholarships(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(err) = privacy::redact_scholarships(&app, app.now()).await {
            tracing::error!(error = %err, "could not redact the scholarships");
        }
    }
}

/// Refuses a live-mode secret or restricted key: the product on one machine
/// is for development, demos and tests, and must never take real money.
/// The error names the key's kind, never the key.
pub fn refuse_live_key(key: &str) -> anyhow::Result<()> {
    let key = key.trim();
    for (prefix, test) in [("sk_live_", "sk_test_"), ("rk_live_", "rk_test_")] {
        if key.starts_with(prefix) {
            anyhow::bail!(
                "STRIPE_SECRET_KEY is a live-mode key ({prefix}…): the product on one machine \
                 must not take real money; use a test-mode key ({test}…, from the Stripe \
                 dashboard in test mode), or leave it unset for the simulator"
            );
        }
    }
    Ok(())
}

/// STRIPE_API_BASE checked (an http or https URL) and without a trailing `/`.
fn external_stripe_api(base: &str) -> anyhow::Result<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed)
        .with_context(|| format!("STRIPE_API_BASE is not a URL: {base:?}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        anyhow::bail!(
            "STRIPE_API_BASE should be an http(s) URL such as https://api.stripe.com: {base:?}"
        );
    }
    if url.path().ends_with("/v1") {
        anyhow::bail!(
            "STRIPE_API_BASE is the API's origin, without /v1 (e.g. https://api.stripe.com): {base:?}"
        );
    }
    Ok(trimmed.to_owned())
}

/// The engine, durable in `engine.db`, running every step and every
/// journey's definition; it resumes the executions a stop interrupted.
async fn start_engine(
    app: &App,
    store: Arc<workflows::SqliteStore>,
    time: &Time,
) -> anyhow::Result<Engine> {
    let mut builder = Engine::builder().store(store).clock(time.engine_clock());
    for step in steps::all() {
        let app = app.clone();
        builder = builder.handler(&step.function_name(), move |input| {
            let app = app.clone();
            async move {
                step.invoke(&app, input)
                    .await
                    .map_err(|err| HandlerError::new(err.error, err.cause))
            }
        });
    }
    let engine = builder.start().await?;
    let placeholders = placeholders();
    for (name, definition) in DEFINITIONS {
        match engine.create_state_machine(name, definition, &placeholders) {
            Ok(_) => {}
            Err(ApiError::StateMachineAlreadyExists(_)) => {
                engine.update_state_machine(&state_machine_arn(name), definition, &placeholders)?;
            }
            Err(other) => return Err(other.into()),
        }
    }
    Ok(engine)
}

/// The secret that signs access tokens and upload URLs: made once per data
/// directory and kept there, so links stay good across restarts.
fn local_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = std::fs::read_to_string(path)
        && let Ok(secret) = hex::decode(existing.trim())
        && secret.len() == 32
    {
        return Ok(secret);
    }
    let mut secret = vec![0u8; 32];
    getrandom::fill(&mut secret).map_err(|err| anyhow::anyhow!("no randomness: {err}"))?;
    // Written aside, then renamed: a stop half-way never leaves half a key.
    let partial = path.with_extension("partial");
    std::fs::write(&partial, hex::encode(&secret))
        .and_then(|()| std::fs::rename(&partial, path))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_keys_are_refused_without_being_shown() {
        for key in ["sk_live_51Abcdef", " rk_live_51Abcdef"] {
            let message = refuse_live_key(key).unwrap_err().to_string();
            assert!(message.contains("live-mode key"), "{message}");
            assert!(!message.contains("51Abcdef"), "{message}");
        }
        for key in ["sk_test_51Abcdef", "rk_test_51Abcdef", "sk_test_simulator"] {
            refuse_live_key(key).unwrap();
        }
    }

    #[test]
    fn another_stripe_api_is_an_origin() {
        assert_eq!(
            external_stripe_api("https://api.stripe.com/").unwrap(),
            "https://api.stripe.com"
        );
        assert_eq!(
            external_stripe_api("http://127.0.0.1:8420").unwrap(),
            "http://127.0.0.1:8420"
        );
        for bad in [
            "api.stripe.com",
            "ftp://api.stripe.com",
            "https://api.stripe.com/v1",
        ] {
            assert!(external_stripe_api(bad).is_err(), "{bad}");
        }
    }
}
