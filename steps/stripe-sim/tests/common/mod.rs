//! What the simulator's tests share: its HTTP API, called the way a Stripe
//! client calls it (form bodies, the secret key as a bearer token).
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]
#![allow(dead_code)] // each test binary uses a different part

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::net::SocketAddr;

use stripe_sim::{RunningSimulator, SimConfig};

/// The secret key the tests' simulators accept.
pub const KEY: &str = "sk_test_simulator";

/// A simulator accepting [`KEY`], on a free port of 127.0.0.1.
pub async fn start() -> RunningSimulator {
    let config = SimConfig {
        api_key: KEY.into(),
        ..SimConfig::default()
    };
    stripe_sim::spawn(SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .unwrap()
}

/// Sends a form body with `key` as the bearer token (none when `None`) and
/// extra `headers`; the answer's status, headers and body.
pub async fn call(
    method: &str,
    url: &str,
    body: &str,
    key: Option<&str>,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(
            request
                .body(Full::new(Bytes::from(body.to_owned())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, headers, String::from_utf8(body.to_vec()).unwrap())
}

/// A call to `sim`'s API with [`KEY`] that must answer 200; the body.
pub async fn api(sim: &RunningSimulator, method: &str, path: &str, body: &str) -> String {
    api_answering(sim, method, path, body, 200).await
}

/// A call to `sim`'s API with [`KEY`] that must answer `status`; the body.
pub async fn api_answering(
    sim: &RunningSimulator,
    method: &str,
    path: &str,
    body: &str,
    status: u16,
) -> String {
    let (got, _, body) = call(
        method,
        &format!("{}{path}", sim.api_base()),
        body,
        Some(KEY),
        &[],
    )
    .await;
    assert_eq!(got, status, "{path}: {body}");
    body
}
