//! The guard of a server that runs on one machine — this simulator, and the product's
//! embedded default that mounts it — against web pages on other sites.
//!
//! Listening on 127.0.0.1 keeps other machines out, not the browser on this one. A page
//! on any site can still (1) point a host name of its own at 127.0.0.1 (DNS rebinding)
//! and then call the server as if it were that page's own origin, reading the answers;
//! and (2) post a plain form to `http://127.0.0.1:PORT/…` (a "simple" cross-origin
//! request, which the browser sends without asking the server first). [`LocalGuard`]
//! refuses the first by the `Host` header: the name a page used cannot be one of ours.
//! [`refuse_foreign_origins`] refuses the second by the `Origin` header, on every request
//! that can change state.

use std::net::IpAddr;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The host names a server on one machine answers to: `localhost`, a loopback address,
/// or the address it is bound to. No other site can make a page address a request
/// with one of these names, however it points its own names.
#[derive(Debug, Clone)]
pub struct LocalGuard {
    bound: IpAddr,
}

impl LocalGuard {
    /// The guard of a server bound to `bound` (usually 127.0.0.1).
    pub fn new(bound: IpAddr) -> LocalGuard {
        LocalGuard { bound }
    }

    /// Whether the request's `Host` names this machine.
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(host) = headers
            .get(header::HOST)
            .and_then(|value| value.to_str().ok())
            .map(host_name)
        else {
            return false;
        };
        match host.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || ip == self.bound,
            Err(_) => host.eq_ignore_ascii_case("localhost"),
        }
    }

    /// `router` answering only requests whose `Host` this guard allows.
    pub fn protect(&self, router: Router) -> Router {
        router.layer(middleware::from_fn_with_state(
            self.clone(),
            refuse_foreign_hosts,
        ))
    }
}

async fn refuse_foreign_hosts(
    State(guard): State<LocalGuard>,
    request: Request,
    next: Next,
) -> Response {
    if guard.allows(request.headers()) {
        next.run(request).await
    } else {
        refusal(
            "HOST_NOT_ALLOWED",
            "this server answers only requests addressed to localhost or 127.0.0.1",
        )
    }
}

/// The host part of a `Host` header value (`name`, `name:port`, `[v6]:port`).
fn host_name(host: &str) -> &str {
    match host.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    }
}

/// Whether the request comes from no web page at all (no `Origin`: a program, a
/// navigation), or from a page of this very server (`Origin` is `http://{Host}`).
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let origin = origin.to_str().unwrap_or("");
    !host.is_empty()
        && origin
            .strip_prefix("http://")
            .is_some_and(|origin_host| origin_host.eq_ignore_ascii_case(host))
}

/// Middleware (`axum::middleware::from_fn`): refuses a request that can change state
/// (any method but GET, HEAD and OPTIONS) sent by a page on another origin. The pages
/// a server serves itself, such as the checkout page's forms, keep working.
pub async fn refuse_foreign_origins(request: Request, next: Next) -> Response {
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if reads || same_origin(request.headers()) {
        next.run(request).await
    } else {
        refusal(
            "ORIGIN_NOT_ALLOWED",
            "a page on another origin may not change this server's state",
        )
    }
}

/// A 403 with the error body both Stripe and the product answer with: an `error`
/// object with a machine-readable `code` and a `message`.
fn refusal(code: &str, message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| (name.clone(), value.parse().expect("a header value")))
            .collect()
    }

    #[test]
    fn only_names_of_this_machine_pass() {
        let guard = LocalGuard::new(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let allows = |host: &str| guard.allows(&headers(&[(header::HOST, host)]));
        assert!(allows("127.0.0.1:8080"));
        assert!(allows("localhost:3000"));
        assert!(allows("LOCALHOST"));
        assert!(allows("[::1]:3000"));
        assert!(allows("127.0.0.2"));
        assert!(!allows("rebind.attacker.example:8080"));
        assert!(!allows("127.0.0.1.attacker.example"));
        assert!(!allows("localhost.attacker.example"));
        assert!(!allows("192.168.1.5:8080"));
        assert!(!allows(""));
        assert!(!guard.allows(&HeaderMap::new()));
    }

    #[test]
    fn the_bound_address_passes_too() {
        let guard = LocalGuard::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 5)));
        assert!(guard.allows(&headers(&[(header::HOST, "192.168.1.5:8080")])));
        assert!(!guard.allows(&headers(&[(header::HOST, "192.168.1.6:8080")])));
    }

    #[test]
    fn only_a_page_of_the_server_itself_is_same_origin() {
        let with = |origin: &str| {
            same_origin(&headers(&[
                (header::HOST, "127.0.0.1:8080"),
                (header::ORIGIN, origin),
            ]))
        };
        assert!(with("http://127.0.0.1:8080"));
        assert!(!with("http://attacker.example"));
        assert!(!with("http://127.0.0.1:3000"));
        assert!(!with("https://127.0.0.1:8080"));
        assert!(!with("null"));
        assert!(same_origin(&headers(&[(header::HOST, "127.0.0.1:8080")])));
        assert!(!same_origin(&headers(&[(
            header::ORIGIN,
            "http://127.0.0.1:8080"
        )])));
    }
}
