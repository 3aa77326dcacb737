//! Test helpers: a plain HTTP client for form posts, and a webhook receiver.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]
#![allow(dead_code)] // each test binary uses a different part

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes as AxumBytes;
use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// POSTs a form (empty or not) and returns the status, `Location` header and body.
pub async fn post_form(
    url: &str,
    body: &str,
    bearer: Option<&str>,
) -> (u16, Option<String>, String) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let mut request =
        hyper::Request::post(url).header("content-type", "application/x-www-form-urlencoded");
    if let Some(key) = bearer {
        request = request.header("authorization", format!("Bearer {key}"));
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
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// One received delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub signature: Option<String>,
    pub body: Vec<u8>,
}

/// A webhook endpoint on 127.0.0.1 that records deliveries and can refuse the first ones.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub deliveries: Arc<Mutex<Vec<Delivery>>>,
    refusals: Arc<Mutex<u32>>,
}

impl Receiver {
    /// Starts a receiver that answers 500 to its first `refuse` requests.
    pub async fn start(refuse: u32) -> Self {
        let deliveries = Arc::new(Mutex::new(Vec::new()));
        let refusals = Arc::new(Mutex::new(refuse));
        let (d, r) = (deliveries.clone(), refusals.clone());
        let app = axum::Router::new().route(
            "/webhook",
            axum::routing::post(move |headers: HeaderMap, body: AxumBytes| {
                let (d, r) = (d.clone(), r.clone());
                async move {
                    let mut left = r.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    let signature = headers
                        .get("stripe-signature")
                        .map(|v| v.to_str().unwrap().to_owned());
                    d.lock().unwrap().push(Delivery {
                        signature,
                        body: body.to_vec(),
                    });
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            deliveries,
            refusals,
        }
    }

    /// Waits (up to 10 s) until at least `count` deliveries arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<Delivery> {
        for _ in 0..200 {
            {
                let got = self.deliveries.lock().unwrap();
                if got.len() >= count {
                    return got.clone();
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} deliveries, got {}",
            self.deliveries.lock().unwrap().len()
        );
    }
}
