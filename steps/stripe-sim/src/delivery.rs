//! Webhook delivery as Stripe does it: signed with the endpoint's secret, retried with
//! exponential backoff until the endpoint answers 2xx. Optionally every event is sent
//! twice and in reverse order, to prove receivers handle duplicates and reordering.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use sha2::Sha256;

use crate::clock::Clock;
use crate::objects::Endpoint;

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

/// Sends events to endpoints in the background.
#[derive(Debug)]
pub struct Deliverer {
    client: Client<HttpConnector, Full<Bytes>>,
    config: DeliveryConfig,
    clock: Arc<dyn Clock>,
}

impl Deliverer {
    pub fn new(config: DeliveryConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            config,
            clock,
        }
    }

    /// Delivers a batch of events (in the order they happened) to every endpoint that
    /// wants them. Returns at once; delivery and retries run on the runtime.
    pub fn deliver(self: &Arc<Self>, endpoints: Vec<Endpoint>, batch: Vec<Value>) {
        for endpoint in endpoints {
            let mut events: Vec<Value> = batch
                .iter()
                .filter(|e| endpoint.wants(e["type"].as_str().unwrap_or_default()))
                .cloned()
                .collect();
            if events.is_empty() {
                continue;
            }
            if self.config.duplicate_and_reorder {
                events.reverse();
                events.extend_from_within(..);
            }
            let this = Arc::clone(self);
            tokio::spawn(async move {
                // First attempts go out in order; a failed event retries on its own.
                for event in events {
                    let body =
                        Bytes::from(serde_json::to_vec(&event).expect("JSON values serialize"));
                    if !this.attempt(&endpoint, &body).await {
                        let this = Arc::clone(&this);
                        let endpoint = endpoint.clone();
                        tokio::spawn(async move { this.retry(&endpoint, &body).await });
                    }
                }
            });
        }
    }

    async fn retry(&self, endpoint: &Endpoint, body: &Bytes) {
        let mut backoff = self.config.initial_backoff;
        for _ in 1..self.config.max_attempts {
            tokio::time::sleep(backoff).await;
            if self.attempt(endpoint, body).await {
                return;
            }
            backoff = (backoff * 2).min(self.config.max_backoff);
        }
        tracing::warn!(url = %endpoint.url, "webhook delivery abandoned after {} attempts", self.config.max_attempts);
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
