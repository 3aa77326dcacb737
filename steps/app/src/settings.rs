//! What handlers need to know about their deployment, from the seed's §7
//! environment variables.

use std::time::Duration;

/// How administrators prove themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminAuth {
    /// API Gateway checked IAM before the request arrived (production).
    Gateway,
    /// `Authorization: Bearer <token>` (the local server).
    Bearer(String),
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// FRONTEND_URL: the CORS origin (emails and Stripe's return URLs are
    /// built from it by the mail and payments adapters).
    pub frontend_url: String,
    /// API_BASE_URL, e.g. `https://api.prodenthub.com.au/v1`.
    pub api_base_url: String,
    pub admin: AdminAuth,
    /// How long a Checkout Session stays open (Stripe allows 30 min–24 h).
    pub checkout_lifetime: Duration,
    /// How long a presigned upload URL is good for.
    pub upload_lifetime: Duration,
}

impl Settings {
    /// Settings for one machine: everything on 127.0.0.1.
    pub fn local(api_base_url: &str, frontend_url: &str, admin_token: &str) -> Settings {
        Settings {
            frontend_url: frontend_url.to_owned(),
            api_base_url: api_base_url.to_owned(),
            admin: AdminAuth::Bearer(admin_token.to_owned()),
            checkout_lifetime: Duration::from_secs(23 * 3600),
            upload_lifetime: Duration::from_secs(15 * 60),
        }
    }
}
