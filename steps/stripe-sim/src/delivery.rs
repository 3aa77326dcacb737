//! Webhook delivery as Stripe does it: signed with the endpoint's secret, retried with
//! exponential backoff until the endpoint answers 2xx. Optionally every event is sent
//! twice and in reverse order, to prove receivers handle duplicates and reordering.
//!
//! Each delivery is a record of the store ([`Delivery`]), written with the operation
//! that recorded its event and removed once acknowledged, so a persistent simulator
//! stopped at any instant goes on delivering after a restart (at least once: an
//! acknowledgement the stop cut short is delivered again, as Stripe may).

use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use crate::clock::Clock;
use crate::objects::Endpoint;
use crate::sim::{Inner, Simulator};
use crate::store::Delivery;

/// How deliveries are retried and ordered.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// Wait before the first retry; doubled after each failure.
    pub initial_backoff: Duration,
    /// Longest wait between retries.
    pub max_backoff: Duration,
    /// Attempts per event and endpoint before giving up (Stripe keeps trying for 3 days).
    pub max_attempts: u32,
    /// Send every event twice, each batch in reverse order.
    pub duplicate_and_reorder: bool,
    /// Per-attempt timeout.
    pub timeout: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_attempts: 20,
            duplicate_and_reorder: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The `Stripe-Signature` value for `payload` signed with `secret` at `timestamp`.
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// Sends one signed event to one endpoint.
#[derive(Debug)]
pub struct Deliverer {
    client: Client<HttpConnector, Full<Bytes>>,
    config: DeliveryConfig,
    clock: Arc<dyn Clock>,
}

/// Now, in unix milliseconds of the real clock (retry times are real time,
/// whatever the simulator's clock says).
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// What became of one attempt.
enum Outcome {
    /// Acknowledged, abandoned, or no longer pending: the delivery is gone.
    Done,
    /// Refused or unanswered; the delivery waits for its next due time.
    Failed,
    /// Not attempted: deliveries are held.
    Held,
    /// The simulator is gone.
    Gone,
}

/// First attempts of `seqs` (claimed by the caller), in order; a failed one
/// goes on retrying in a task of its own, as Stripe's deliveries do.
pub(crate) async fn first_attempts(sim: Weak<Inner>, seqs: Vec<u64>) {
    for (i, &seq) in seqs.iter().enumerate() {
        match attempt(&sim, seq).await {
            Outcome::Done => unclaim(&sim, &[seq]),
            Outcome::Failed => {
                tokio::spawn(retries(sim.clone(), seq));
            }
            Outcome::Held => {
                unclaim(&sim, &seqs[i..]);
                return;
            }
            Outcome::Gone => return,
        }
    }
}

/// Attempts `seq` (claimed by the caller) at each due time until it is done.
pub(crate) async fn retries(sim: Weak<Inner>, seq: u64) {
    loop {
        let Some(strong) = sim.upgrade() else { return };
        let key = Delivery::key(seq);
        let due = Simulator::from_inner(strong)
            .with_store(|store, _| store.deliveries.get(&key).map(|d| d.due_ms));
        let Some(due) = due else {
            unclaim(&sim, &[seq]);
            return;
        };
        let wait = u64::try_from(due.saturating_sub(now_ms())).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        match attempt(&sim, seq).await {
            Outcome::Failed => continue,
            Outcome::Done | Outcome::Held => {
                unclaim(&sim, &[seq]);
                return;
            }
            Outcome::Gone => return,
        }
    }
}

fn unclaim(sim: &Weak<Inner>, seqs: &[u64]) {
    if let Some(inner) = sim.upgrade() {
        Simulator::from_inner(inner).unclaim(seqs);
    }
}

/// One attempt of one delivery, and its outcome saved: removed once
/// acknowledged (or out of attempts), else due again after the backoff.
async fn attempt(sim: &Weak<Inner>, seq: u64) -> Outcome {
    let Some(inner) = sim.upgrade() else {
        return Outcome::Gone;
    };
    let simulator = Simulator::from_inner(inner);
    if simulator.deliveries_held() {
        return Outcome::Held;
    }
    let key = Delivery::key(seq);
    let target = simulator.with_store(|store, _| {
        let delivery = store.deliveries.get(&key)?;
        let endpoint = store
            .endpoints
            .iter()
            .find(|e| e.id == delivery.endpoint)
            .cloned();
        let body = serde_json::to_vec(&delivery.event).ok();
        match (endpoint, body) {
            (Some(endpoint), Some(body)) => Some(Some((endpoint, Bytes::from(body)))),
            // The endpoint was deleted: nothing to deliver to.
            _ => {
                store.deliveries.remove(&key);
                Some(None)
            }
        }
    });
    let Some(Some((endpoint, body))) = target else {
        return Outcome::Done;
    };
    let deliverer = Arc::clone(&simulator.inner.deliverer);
    // The simulator may be dropped while the request is out.
    drop(simulator);
    let acknowledged = deliverer.attempt(&endpoint, &body).await;
    let Some(inner) = sim.upgrade() else {
        return Outcome::Gone;
    };
    let config = &deliverer.config;
    Simulator::from_inner(inner).with_store(|store, _| {
        if acknowledged {
            store.deliveries.remove(&key);
            return Outcome::Done;
        }
        let Some(delivery) = store.deliveries.get_mut(&key) else {
            return Outcome::Done;
        };
        delivery.attempts += 1;
        if delivery.attempts >= config.max_attempts {
            store.deliveries.remove(&key);
            tracing::warn!(url = %endpoint.url, "webhook delivery abandoned after {} attempts", config.max_attempts);
            return Outcome::Done;
        }
        let backoff = config
            .initial_backoff
            .saturating_mul(1 << (delivery.attempts - 1).min(30))
            .min(config.max_backoff);
        delivery.due_ms = now_ms().saturating_add(i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX));
        Outcome::Failed
    })
}

impl Deliverer {
    pub fn new(config: DeliveryConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            config,
            clock,
        }
    }

    /// One signed POST; true when the endpoint acknowledged it with 2xx.
    async fn attempt(&self, endpoint: &Endpoint, body: &Bytes) -> bool {
        // Each attempt is signed afresh, so a late retry is still within tolerance.
        let signature = sign(&endpoint.secret, self.clock.now(), body);
        let request = hyper::Request::post(&endpoint.url)
            .header("content-type", "application/json; charset=utf-8")
            .header(
                "user-agent",
                "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            )
            .header("stripe-signature", signature)
            .body(Full::new(body.clone()));
        let Ok(request) = request else {
            tracing::warn!(url = %endpoint.url, "webhook endpoint URL is not usable");
            return false;
        };
        match tokio::time::timeout(self.config.timeout, self.client.request(request)).await {
            Ok(Ok(response)) => {
                let ok = response.status().is_success();
                // Drain the body so the connection can be reused.
                let _ = response.into_body().collect().await;
                ok
            }
            Ok(Err(error)) => {
                tracing::debug!(url = %endpoint.url, %error, "webhook delivery failed");
                false
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    /// Computed independently of this code:
    /// python3 -c "import hmac,hashlib;print(hmac.new(b'whsec_test_secret',b'1700000000.{\"id\":\"evt_1\"}',hashlib.sha256).hexdigest())"
    const EXPECTED: &str =
        "t=1700000000,v1=248a374f50f943a28b0f6ab50faf9a7e7e29b710fa26df9fb1618b9bf8ea9c9a";

    #[test]
    fn signature_matches_an_independent_hmac() {
        assert_eq!(
            super::sign("whsec_test_secret", 1_700_000_000, br#"{"id":"evt_1"}"#),
            EXPECTED
        );
    }
}
