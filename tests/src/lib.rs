//! Support for the cross-crate tests: the product started on the embedded
//! default with a virtual clock, and a client that speaks to it over HTTP
//! as the frontend and a paying customer would.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use campaigns_local::time::Time;
use campaigns_local::{Embedded, Options};
use serde_json::Value;
use workflows::{ExecutionStatus, VirtualClock};

/// The product on 127.0.0.1, its data in a temporary directory.
pub struct Product {
    pub embedded: Embedded,
    pub clock: Arc<VirtualClock>,
    pub http: reqwest::Client,
    _data: tempfile::TempDir,
}

/// The admin token the tests' product accepts.
pub const ADMIN_TOKEN: &str = "test-admin-token";

impl Product {
    pub async fn start() -> Product {
        Self::start_with(|_| {}).await
    }

    /// Starts with options adjusted by `adjust` (e.g. webhook delivery).
    pub async fn start_with(adjust: impl FnOnce(&mut Options)) -> Product {
        let data = tempfile::tempdir().expect("a temporary directory");
        let clock = Arc::new(VirtualClock::new(chrono::Utc::now()));
        let mut options = Options::new(
            data.path().to_owned(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        );
        options.time = Time::Virtual(clock.clone());
        options.admin_token = ADMIN_TOKEN.into();
        options.delivery.initial_backoff = Duration::from_millis(50);
        options.delivery.max_backoff = Duration::from_millis(500);
        adjust(&mut options);
        let embedded = Embedded::start(options).await.expect("the product starts");
        Product {
            embedded,
            clock,
            http: reqwest::Client::new(),
            _data: data,
        }
    }

    /// The product's records store, to arrange and inspect records directly.
    pub fn records(&self) -> &campaigns_records::Records {
        &self.embedded.app.records
    }

    /// The stored record of type `T` with this key; panics when it is missing.
    pub async fn record<T: campaigns_records::Record>(&self, key: &str) -> T {
        self.records()
            .get::<T>(key)
            .await
            .expect("the records store reads")
            .unwrap_or_else(|| panic!("no record {key}"))
            .record
    }

    /// `POST /v1{path}` with a JSON body and extra headers; status and body.
    pub async fn post(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.embedded.api_url()))
            .json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        respond(request).await
    }

    /// `GET /v1{path}`, with the record's access token when given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.embedded.api_url()));
        if let Some(token) = token {
            request = request.header("X-Access-Token", token);
        }
        respond(request).await
    }

    /// What a payer does on the hosted checkout page: `pay`, `decline`,
    /// `delayed`, `delayed-succeed`, `delayed-fail` or `cancel`.
    pub async fn checkout_action(&self, checkout_url: &str, action: &str) {
        let page = self
            .http
            .get(checkout_url)
            .send()
            .await
            .expect("the checkout page answers");
        assert!(
            page.status().is_success(),
            "checkout page: {}",
            page.status()
        );
        // The page redirects to the frontend's success or cancel page,
        // which is not served here: look at the redirect, don't follow it.
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let done = no_redirects
            .post(format!("{checkout_url}/{action}"))
            .send()
            .await
            .expect("the checkout form answers");
        assert!(
            done.status().is_success() || done.status().is_redirection(),
            "{action}: {}",
            done.status()
        );
    }

    /// Moves every clock of the product forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Waits (in real time, bounded) until the execution has finished.
    pub async fn finished(
        &self,
        state_machine: &str,
        name: &str,
    ) -> workflows::ExecutionDescription {
        let arn = format!(
            "arn:aws:states:{}:{}:execution:{state_machine}:{name}",
            workflows::REGION,
            workflows::ACCOUNT
        );
        let wait = self.embedded.engine.wait_for_completion(&arn);
        let description = tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .unwrap_or_else(|_| panic!("{name} did not finish in time"))
            .expect("the execution exists");
        assert_ne!(description.status, ExecutionStatus::Running);
        description
    }

    /// Polls `check` (real time, bounded) until it holds.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..200 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting until {what}");
    }

    /// The templates and recipients of the emails sent so far, oldest first.
    pub fn emails(&self) -> Vec<(String, String)> {
        let mut sent: Vec<(String, String)> = self
            .embedded
            .outbox
            .list()
            .expect("the outbox lists")
            .into_iter()
            .map(|entry| {
                (
                    entry.template.map(|t| t.to_string()).unwrap_or_default(),
                    entry.to,
                )
            })
            .collect();
        sent.reverse();
        sent
    }
}

async fn respond(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the product answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}
