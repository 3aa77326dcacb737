//! The simulator: configuration, shared state, and the test hooks (clock, injected
//! failures) that make Stripe's timing and failures reproducible.

use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::clock::{Clock, VirtualClock};
use crate::delivery::{Deliverer, DeliveryConfig};
use crate::error::ApiError;
use crate::store::Store;

/// A webhook endpoint configured at start-up rather than through the API.
#[derive(Debug, Clone)]
pub struct WebhookTarget {
    /// Where events are POSTed.
    pub url: String,
    /// The `whsec_...` secret deliveries are signed with.
    pub secret: String,
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The secret key clients must send as `Authorization: Bearer ...`.
    pub api_key: String,
    /// The URL the simulator is reached at (checkout page links are built on it);
    /// `None` to use the address it is bound to.
    pub public_url: Option<String>,
    /// Endpoints that receive events from the start.
    pub webhooks: Vec<WebhookTarget>,
    /// Retry and ordering of deliveries.
    pub delivery: DeliveryConfig,
    /// Time source; the default [`VirtualClock`] can be advanced.
    pub clock: Arc<dyn Clock>,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            api_key: "sk_test_simulator".into(),
            public_url: None,
            webhooks: Vec::new(),
            delivery: DeliveryConfig::default(),
            clock: Arc::new(VirtualClock::new()),
        }
    }
}

/// A failure to answer the next API request with, instead of handling it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InjectedFailure {
    /// HTTP status, e.g. 402, 429, 500.
    pub status: u16,
    /// Stripe error type, e.g. `card_error`, `invalid_request_error`, `api_error`.
    pub error_type: String,
    /// Stripe error code, e.g. `card_declined`, `rate_limit`.
    pub code: Option<String>,
    /// Decline code for card errors.
    pub decline_code: Option<String>,
}

/// A running simulator's state; cheap to clone.
#[derive(Clone, Debug)]
pub struct Simulator {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: SimConfig,
    store: Mutex<Store>,
    deliverer: Arc<Deliverer>,
    public_url: OnceLock<String>,
}

impl Simulator {
    /// A simulator with the configured webhook endpoints registered.
    pub fn new(config: SimConfig) -> Self {
        let mut store = Store::default();
        let now = config.clock.now();
        for target in &config.webhooks {
            store.add_endpoint(
                target.url.clone(),
                Some(target.secret.clone()),
                vec!["*".into()],
                now,
            );
        }
        let public_url = OnceLock::new();
        if let Some(url) = &config.public_url {
            public_url
                .set(url.trim_end_matches('/').to_owned())
                .expect("fresh cell");
        }
        let deliverer = Arc::new(Deliverer::new(
            config.delivery.clone(),
            Arc::clone(&config.clock),
        ));
        Self {
            inner: Arc::new(Inner {
                config,
                store: Mutex::new(store),
                deliverer,
                public_url,
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Sets the URL checkout pages are linked at, unless the configuration fixed one.
    pub fn set_public_url(&self, url: &str) {
        let _ = self
            .inner
            .public_url
            .set(url.trim_end_matches('/').to_owned());
    }

    /// The URL checkout pages are linked at.
    pub fn public_url(&self) -> String {
        self.inner.public_url.get().cloned().unwrap_or_default()
    }

    /// Now, by the simulator's clock.
    pub fn now(&self) -> i64 {
        self.inner.config.clock.now()
    }

    /// Moves the clock forward and expires what is due; `false` if the clock is fixed.
    pub fn advance_clock(&self, seconds: i64) -> bool {
        let moved = self.inner.config.clock.advance(seconds);
        self.with_store(|_, _| ());
        moved
    }

    /// Expires sessions whose time is up (also done before every request).
    pub fn sweep(&self) {
        self.with_store(|_, _| ());
    }

    /// Answers the next API request with `failure`.
    pub fn fail_next(&self, failure: InjectedFailure) {
        let error = ApiError::injected(
            failure.status,
            &failure.error_type,
            failure.code.as_deref(),
            failure.decline_code.as_deref(),
        );
        self.with_store(|store, _| store.faults.push_back(error));
    }

    /// Registers an endpoint for `events` (`*` for all); returns its id and secret.
    pub fn add_webhook_endpoint(&self, url: &str, events: &[&str]) -> (String, String) {
        self.with_store(|store, now| {
            let endpoint = store.add_endpoint(
                url.to_owned(),
                None,
                events.iter().map(|e| (*e).to_owned()).collect(),
                now,
            );
            (endpoint.id, endpoint.secret)
        })
    }

    /// Every event so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.with_store(|store, _| store.events.clone())
    }

    /// Runs `op` on the store at the current time, after expiring what is due, then
    /// delivers the events it recorded.
    pub(crate) fn with_store<T>(&self, op: impl FnOnce(&mut Store, i64) -> T) -> T {
        let now = self.now();
        let (result, endpoints, batch) = {
            let mut store = self
                .inner
                .store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            store.sweep(now);
            let result = op(&mut store, now);
            let batch = std::mem::take(&mut store.outbox);
            (result, store.endpoints.clone(), batch)
        };
        if !batch.is_empty() {
            self.inner.deliverer.deliver(endpoints, batch);
        }
        result
    }
}
