//! The admin API as `campaigns admin` calls it: one request, authorized with
//! a bearer token (a local `serve`) or SigV4 (the deployed API), answered
//! with the API's JSON or its error body turned into an [`AdminError`].
//! HTTPS goes through the workspace's one connector (`campaigns_https`: hyper
//! and rustls on ring, Mozilla's roots compiled in), the stack the AWS SDK uses too.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use url::Url;

use super::error::AdminError;
use super::sigv4::Signer;

/// Long enough for an exam's cancellation, which refunds and emails every
/// candidate in one request.
const TIMEOUT: Duration = Duration::from_secs(120);

/// How a request proves it comes from an operator.
pub enum Auth {
    /// `Authorization: Bearer …`: the token a local `serve` was started with.
    Bearer(String),
    /// IAM on API Gateway.
    SigV4(Signer),
}

pub struct AdminApi {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    /// Where the route table's paths start (`…/v1`).
    base: Url,
    auth: Auth,
}

impl AdminApi {
    pub fn new(base: Url, auth: Auth) -> Result<AdminApi, AdminError> {
        let connector = campaigns_https::https_connector()
            .map_err(|error| AdminError::Local(anyhow::anyhow!("TLS setup: {error}")))?;
        Ok(AdminApi {
            http: Client::builder(TokioExecutor::new()).build(connector),
            base,
            auth,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Value, AdminError> {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, AdminError> {
        self.send(Method::POST, path, Some(body), None).await
    }

    /// A create route: `key` makes a retried request return the first
    /// answer instead of acting twice.
    pub async fn create(&self, path: &str, body: &Value, key: &str) -> Result<Value, AdminError> {
        self.send(Method::POST, path, Some(body), Some(key)).await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, AdminError> {
        let url = self.url(path)?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let host = host_header(&url)?;
        let mut headers: Vec<(String, String)> = vec![("host".into(), host)];
        if !body.is_empty() {
            headers.push(("content-type".into(), "application/json".into()));
        }
        if let Some(key) = idempotency_key {
            headers.push(("idempotency-key".into(), key.into()));
        }
        match &self.auth {
            Auth::Bearer(token) => {
                headers.push(("authorization".into(), format!("Bearer {token}")))
            }
            Auth::SigV4(signer) => {
                let signed: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                let signature = signer.sign(
                    method.as_str(),
                    url.as_str(),
                    &signed,
                    body.as_bytes(),
                    SystemTime::now(),
                )?;
                headers.extend(signature);
            }
        }
        let mut request = Request::builder().method(method.clone()).uri(url.as_str());
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|err| AdminError::Local(anyhow::anyhow!("the request: {err}")))?;
        let waiting = spinner(&format!("{method} {}", url.path()));
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|err| AdminError::Unreachable(format!("{err:?}")))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|err| AdminError::Unreachable(err.to_string()))?
                .to_bytes();
            Ok::<_, AdminError>((status, body))
        };
        let answer = tokio::time::timeout(TIMEOUT, exchange).await;
        waiting.finish_and_clear();
        let (status, body) =
            answer.map_err(|_| AdminError::Unreachable(format!("no answer in {TIMEOUT:?}")))??;
        let value: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).map_err(|_| AdminError::Api {
                status,
                code: "NOT_JSON".into(),
                message: String::from_utf8_lossy(&body).chars().take(300).collect(),
                field: None,
            })?
        };
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err(AdminError::from_body(status, &value))
        }
    }

    fn url(&self, path: &str) -> Result<Url, AdminError> {
        let joined = format!("{}{path}", self.base.as_str().trim_end_matches('/'));
        Url::parse(&joined).map_err(|err| AdminError::Local(anyhow::anyhow!("{joined}: {err}")))
    }
}

/// The `host` header as HTTP sends it (with a port only when not the
/// scheme's own), which SigV4 signs.
fn host_header(url: &Url) -> Result<String, AdminError> {
    let host = url
        .host_str()
        .ok_or_else(|| AdminError::Local(anyhow::anyhow!("{url} names no host")))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// A spinner on a terminal while a request is out; nothing when stderr is
/// not a terminal (a script reads only the answer).
fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
