//! `POST /customers/lookup`, `/privacy/export` and `/privacy/erase`: a
//! person's data, found by email, for operators.

use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, Handled};

fn not_yet() -> Handled {
    Err(ApiFailure::new(
        501,
        "NOT_IMPLEMENTED",
        "this route is being built",
    ))
}

pub async fn lookup(_app: &App, _request: &ApiRequest) -> Handled {
    not_yet()
}

pub async fn export(_app: &App, _request: &ApiRequest) -> Handled {
    not_yet()
}

pub async fn erase(_app: &App, _request: &ApiRequest) -> Handled {
    not_yet()
}
