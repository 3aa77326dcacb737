//! The simulator: configuration, shared state, its saving (in memory only, or
//! to a file that survives restarts), and the test hooks (clock, injected
//! failures, held deliveries) that make Stripe's timing and failures
//! reproducible.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use serde_json::Value;

use crate::clock::{Clock, VirtualClock};
use crate::delivery::{Deliverer, DeliveryConfig};
use crate::error::ApiError;
use crate::store::{Changes, Store};

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

/// Where a persistent simulator writes what each operation changed.
pub(crate) trait Saver: Send + std::fmt::Debug {
    /// Writes `changes` all together or not at all.
    fn save(&mut self, changes: &Changes) -> anyhow::Result<()>;
}

/// A running simulator's state; cheap to clone.
#[derive(Clone, Debug)]
pub struct Simulator {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    config: SimConfig,
    state: Mutex<State>,
    pub(crate) deliverer: Arc<Deliverer>,
    public_url: OnceLock<String>,
    /// Deliveries a task is working on, so none gets two.
    active: Mutex<HashSet<u64>>,
    /// Deliveries wait (kept, not attempted) while set.
    held: AtomicBool,
}

#[derive(Debug)]
struct State {
    store: Store,
    /// `None`: the state lives in memory only.
    saver: Option<Box<dyn Saver>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Simulator {
    /// A simulator whose state lives in memory, with the configured webhook
    /// endpoints registered.
    pub fn new(config: SimConfig) -> Self {
        Self::with_state(config, Store::default(), None)
    }

    /// A simulator whose state is kept in the SQLite file at `path` (created if
    /// missing): sessions, payments, refunds, events, endpoints, the catalog,
    /// idempotency keys and the deliveries not yet acknowledged. Each operation
    /// is saved in one transaction before it is answered, so a process killed
    /// at any instant restarts with every answered operation and every event
    /// still to deliver; [`Simulator::spawn_background`] resumes the deliveries.
    #[cfg(feature = "sqlite")]
    pub fn open(config: SimConfig, path: &std::path::Path) -> anyhow::Result<Self> {
        let (saver, store) = crate::persist::SqliteSaver::open(path)?;
        Ok(Self::with_state(config, store, Some(Box::new(saver))))
    }

    fn with_state(config: SimConfig, mut store: Store, saver: Option<Box<dyn Saver>>) -> Self {
        let targets: Vec<(String, String)> = config
            .webhooks
            .iter()
            .map(|target| (target.url.clone(), target.secret.clone()))
            .collect();
        store.configure_endpoints(&targets, config.clock.now());
        let public_url = OnceLock::new();
        if let Some(url) = &config.public_url {
            let url = url.trim_end_matches('/').to_owned();
            store.rebase_checkout_urls(&url);
            public_url.set(url).expect("fresh cell");
        }
        let deliverer = Arc::new(Deliverer::new(
            config.delivery.clone(),
            Arc::clone(&config.clock),
        ));
        let mut state = State { store, saver };
        save(&mut state);
        Self {
            inner: Arc::new(Inner {
                config,
                state: Mutex::new(state),
                deliverer,
                public_url,
                active: Mutex::new(HashSet::new()),
                held: AtomicBool::new(false),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SimConfig {
        &self.inner.config
    }

    /// Sets the URL checkout pages are linked at, unless the configuration fixed one.
    pub fn set_public_url(&self, url: &str) {
        let url = url.trim_end_matches('/').to_owned();
        if self.inner.public_url.set(url.clone()).is_ok() {
            self.with_store(|store, _| store.rebase_checkout_urls(&url));
        }
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

    /// Disputes the captured charge of `payment` (a `ch_…`, or the `pi_…` it
    /// belongs to) as a cardholder's bank would, for `reason` (Stripe's
    /// dispute reasons, e.g. `fraudulent`): `charge.dispute.created`, status
    /// `needs_response`, the charge `disputed`. Answers the dispute, or why
    /// it cannot be disputed. Close it through the API as with Stripe:
    /// `POST /v1/disputes/{id}` with `evidence[uncategorized_text]=winning_evidence`
    /// (won) or `losing_evidence` (lost), or `POST /v1/disputes/{id}/close` (lost).
    pub fn open_dispute(&self, payment: &str, reason: &str) -> anyhow::Result<Value> {
        self.dispute_payment(payment, reason)
            .map_err(|error| anyhow::anyhow!("{}", error.message))
    }

    pub(crate) fn dispute_payment(&self, payment: &str, reason: &str) -> Result<Value, ApiError> {
        self.with_store(|store, now| store.open_dispute(payment, reason, now))
    }

    /// Registers an endpoint for `events` (`*` for all); returns its id and secret.
    pub fn add_webhook_endpoint(&self, url: &str, events: &[&str]) -> (String, String) {
        self.with_store(|store, now| {
            let endpoint = store.add_endpoint(
                url.to_owned(),
                None,
                events.iter().map(|e| (*e).to_owned()).collect(),
                now,
                false,
            );
            (endpoint.id, endpoint.secret)
        })
    }

    /// Every event so far, oldest first.
    pub fn events(&self) -> Vec<Value> {
        self.with_store(|store, _| store.events.clone())
    }

    /// Keeps every delivery waiting (recorded, not sent) until
    /// [`Simulator::release_deliveries`]: a test makes payments whose webhooks
    /// have not arrived yet. Attempts already under way finish.
    pub fn hold_deliveries(&self) {
        self.inner.held.store(true, Ordering::SeqCst);
    }

    /// Sends the held deliveries and every later one again.
    pub fn release_deliveries(&self) {
        self.inner.held.store(false, Ordering::SeqCst);
        self.resume_deliveries();
    }

    /// Whether deliveries are held.
    pub fn deliveries_held(&self) -> bool {
        self.inner.held.load(Ordering::SeqCst)
    }

    /// Deliveries not yet acknowledged by their endpoint.
    pub fn pending_deliveries(&self) -> usize {
        self.with_store(|store, _| store.deliveries.len())
    }

    /// Runs `op` on the store at the current time, after expiring what is due;
    /// saves what it changed, then sends the events it recorded.
    pub(crate) fn with_store<T>(&self, op: impl FnOnce(&mut Store, i64) -> T) -> T {
        let now = self.now();
        let (result, queued) = {
            let mut state = lock(&self.inner.state);
            let store = &mut state.store;
            store.sweep(now);
            let result = op(store, now);
            let batch = std::mem::take(&mut store.outbox);
            let queued = if batch.is_empty() {
                Vec::new()
            } else {
                store.enqueue_deliveries(
                    &batch,
                    self.inner.config.delivery.duplicate_and_reorder,
                    crate::delivery::now_ms(),
                )
            };
            save(&mut state);
            (result, queued)
        };
        for seqs in queued {
            self.dispatch(seqs);
        }
        result
    }

    /// Starts first attempts, in order, for deliveries no task works on.
    fn dispatch(&self, seqs: Vec<u64>) {
        if self.deliveries_held() {
            return;
        }
        let seqs = self.claim(seqs);
        if !seqs.is_empty() {
            tokio::spawn(crate::delivery::first_attempts(
                Arc::downgrade(&self.inner),
                seqs,
            ));
        }
    }

    /// Starts a task for every delivery no task works on: first attempts to
    /// each endpoint in order, retries at their due time. Run at start (the
    /// deliveries a stop interrupted) and when held deliveries are released.
    pub(crate) fn resume_deliveries(&self) {
        if self.deliveries_held() {
            return;
        }
        let mut pending: Vec<(u64, String, u32)> = self.with_store(|store, _| {
            store
                .deliveries
                .values()
                .map(|d| (d.seq, d.endpoint.clone(), d.attempts))
                .collect()
        });
        pending.sort();
        let mut first: Vec<(String, Vec<u64>)> = Vec::new();
        let mut retries = Vec::new();
        for (seq, endpoint, attempts) in pending {
            if attempts > 0 {
                retries.push(seq);
            } else if let Some((_, seqs)) = first.iter_mut().find(|(e, _)| *e == endpoint) {
                seqs.push(seq);
            } else {
                first.push((endpoint, vec![seq]));
            }
        }
        for (_, seqs) in first {
            self.dispatch(seqs);
        }
        for seq in self.claim(retries) {
            tokio::spawn(crate::delivery::retries(Arc::downgrade(&self.inner), seq));
        }
    }

    /// The deliveries of `seqs` no task worked on, now claimed.
    fn claim(&self, seqs: Vec<u64>) -> Vec<u64> {
        let mut active = lock(&self.inner.active);
        seqs.into_iter().filter(|seq| active.insert(*seq)).collect()
    }

    /// Gives up the claim on `seqs`.
    pub(crate) fn unclaim(&self, seqs: &[u64]) {
        let mut active = lock(&self.inner.active);
        for seq in seqs {
            active.remove(seq);
        }
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }
}

/// Writes what the last operation changed, when the state is kept in a file.
/// A failed write is logged: the answer stands, and the state in memory stays
/// ahead of the file until the next successful write of the same objects.
fn save(state: &mut State) {
    let State { store, saver } = state;
    match store.take_changes(saver.is_some()) {
        Ok(changes) => {
            if let Some(saver) = saver
                && !changes.is_empty()
                && let Err(error) = saver.save(&changes)
            {
                tracing::error!(
                    error = format!("{error:#}"),
                    "the simulator's state was not saved"
                );
            }
        }
        Err(error) => tracing::error!(%error, "the simulator's state could not be encoded"),
    }
}
