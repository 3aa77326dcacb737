//! A framework-neutral HTTP request and response, and the dispatcher from a
//! route's operation id to its handler. The local server (axum) and the
//! Lambda entry points (API Gateway proxy events) both translate into these.

use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

use campaigns_contracts::api::ErrorResponse;
use campaigns_contracts::routes::{Access, Route, routes};
use serde::Serialize;
use serde_json::Value;

use crate::api;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::idempotency;
use crate::settings::AdminAuth;

#[derive(Debug, Clone, Default)]
pub struct ApiRequest {
    pub path_params: BTreeMap<String, String>,
    /// The query string's parameters (a name given twice keeps its last value).
    pub query: BTreeMap<String, String>,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl ApiRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// A `{name}` segment of the path.
    pub fn param(&self, name: &str) -> Result<&str, ApiFailure> {
        self.path_params
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ApiFailure::not_found(name))
    }

    /// The `X-Access-Token` header, required where a record holds personal data.
    pub fn access_token(&self) -> Result<&str, ApiFailure> {
        self.header("x-access-token").ok_or_else(|| {
            ApiFailure::unauthorized("this record needs its access token in X-Access-Token")
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
}

impl ApiResponse {
    /// Where a redirect (3xx) sends the client: its body's `location`, which
    /// the servers also put in the `Location` header.
    pub fn location(&self) -> Option<&str> {
        if (300..400).contains(&self.status) {
            self.body.get("location")?.as_str()
        } else {
            None
        }
    }

    pub fn json(status: u16, body: &impl Serialize) -> ApiResponse {
        ApiResponse {
            status,
            body: serde_json::to_value(body).expect("response bodies serialize"),
        }
    }
}

impl From<ApiFailure> for ApiResponse {
    fn from(failure: ApiFailure) -> Self {
        ApiResponse::json(
            failure.status,
            &ErrorResponse {
                error: failure.error,
            },
        )
    }
}

/// The handler's result: a status and a body, or a failure.
pub type Handled = Result<ApiResponse, ApiFailure>;

/// Runs the route's handler, with the checks every route of its kind needs
/// (admin credentials, idempotency keys), on only the ports its function
/// declares.
pub async fn dispatch(app: &App, route: &Route, request: ApiRequest) -> ApiResponse {
    let app = &app.wired_for(crate::api::ports(route.lambda));
    let result = async {
        if route.access == Access::Admin {
            check_admin(app, &request)?;
        }
        if route.idempotent_create
            && let Some(key) = request.header("idempotency-key")
        {
            let key = key.to_owned();
            return idempotency::replay_or_run(
                &app.records,
                app.now(),
                route.operation_id,
                &key,
                &request.body,
                || handle(app, route, &request),
            )
            .await;
        }
        handle(app, route, &request).await
    }
    .await;
    result.unwrap_or_else(ApiResponse::from)
}

/// The route of the table with this operation id.
pub fn route(operation_id: &str) -> Option<Route> {
    routes()
        .into_iter()
        .find(|route| route.operation_id == operation_id)
}

fn check_admin(app: &App, request: &ApiRequest) -> Result<(), ApiFailure> {
    match &app.settings.admin {
        AdminAuth::Gateway => Ok(()),
        AdminAuth::Bearer(expected) => {
            let given = request
                .header("authorization")
                .and_then(|value| value.strip_prefix("Bearer "))
                .ok_or_else(|| {
                    ApiFailure::unauthorized("administrators send Authorization: Bearer <token>")
                })?;
            if bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
                Ok(())
            } else {
                Err(ApiFailure::unauthorized("wrong administrator token"))
            }
        }
    }
}

async fn handle(app: &App, route: &Route, request: &ApiRequest) -> Handled {
    api::handle(app, route.operation_id, request).await
}
