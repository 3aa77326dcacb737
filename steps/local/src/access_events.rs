//! The access port on one machine: every event is a file in the data
//! directory (`access-events/<eventId>.json`, shown by the console) and,
//! when a URL is set, a POST to it signed like Stripe's webhooks, so the
//! main platform's receiver can be developed against `campaigns serve`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use campaigns_contracts::events::AccessEvent;
use campaigns_ports::access::{AccessEvents, AccessEventsError};

use crate::time::Time;

/// The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256
/// of "{t}.{body}">`, as in Stripe's `Stripe-Signature`.
pub const SIGNATURE_HEADER: &str = "ProDentHub-Signature";

/// Where events are POSTed, and how hard to try before leaving one owed.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub url: String,
    /// The secret the receiver verifies with.
    pub secret: String,
    /// Attempts per publish, the first included; the sweep publishes again
    /// later what all of them failed.
    pub attempts: u32,
    /// The wait after the first failed attempt, doubled after each one.
    pub backoff: Duration,
}

impl Delivery {
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> Delivery {
        Delivery {
            url: url.into(),
            secret: secret.into(),
            attempts: 4,
            backoff: Duration::from_millis(250),
        }
    }
}

pub struct LocalAccessEvents {
    dir: PathBuf,
    delivery: Option<Delivery>,
    time: Time,
    http: reqwest::Client,
}

impl LocalAccessEvents {
    pub fn new(
        dir: PathBuf,
        delivery: Option<Delivery>,
        time: Time,
    ) -> std::io::Result<LocalAccessEvents> {
        std::fs::create_dir_all(&dir)?;
        Ok(LocalAccessEvents {
            dir,
            delivery,
            time,
            // As EventBridge's API destinations give the platform: 5 s.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .map_err(std::io::Error::other)?,
        })
    }

    /// Every event published so far, in the order of their changes.
    pub fn list(&self) -> std::io::Result<Vec<AccessEvent>> {
        list(&self.dir)
    }

    async fn post(&self, delivery: &Delivery, body: &[u8]) -> Result<(), String> {
        let mut wait = delivery.backoff;
        let mut last = String::new();
        for attempt in 1..=delivery.attempts.max(1) {
            if attempt > 1 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            let signature =
                campaigns_payments::sign(&delivery.secret, self.time.now().timestamp(), body);
            let sent = self
                .http
                .post(&delivery.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, signature)
                .body(body.to_vec())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return Ok(()),
                Ok(response) => last = format!("{} answered {}", delivery.url, response.status()),
                Err(err) => last = format!("{}: {err}", delivery.url),
            }
        }
        Err(last)
    }
}

/// The events under `dir`, in the order of their changes: by their time,
/// then (changes made at one instant, as on a virtual clock) by when each
/// was first written.
pub fn list(dir: &Path) -> std::io::Result<Vec<AccessEvent>> {
    let mut events = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "json") {
            let text = std::fs::read(&path)?;
            let event = serde_json::from_slice::<AccessEvent>(&text)
                .map_err(|err| std::io::Error::other(format!("{}: {err}", path.display())))?;
            events.push((event.time, entry.metadata()?.modified()?, event));
        }
    }
    events.sort_by_key(|(time, written, _)| (*time, *written));
    Ok(events.into_iter().map(|(_, _, event)| event).collect())
}

#[async_trait]
impl AccessEvents for LocalAccessEvents {
    async fn publish(&self, event: &AccessEvent) -> Result<(), AccessEventsError> {
        let body = serde_json::to_vec_pretty(event)
            .map_err(|err| AccessEventsError::Unavailable(err.to_string()))?;
        // Written aside, then renamed: a reader never sees half an event. An
        // event published again keeps its first file, whose age orders the
        // list among changes made at one instant.
        let path = self.dir.join(format!("{}.json", event.detail.event_id));
        let aside = self
            .dir
            .join(format!(".{}.json.tmp", event.detail.event_id));
        if !path.exists() {
            std::fs::write(&aside, &body)
                .and_then(|()| std::fs::rename(&aside, &path))
                .map_err(|err| {
                    AccessEventsError::Unavailable(format!("{}: {err}", path.display()))
                })?;
        }
        if let Some(delivery) = &self.delivery {
            self.post(delivery, &body)
                .await
                .map_err(AccessEventsError::Unavailable)?;
        }
        Ok(())
    }
}
