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
    /// The origin (`scheme://host[:port]`, the default port left out) of
    /// FRONTEND_URL: the one origin whose pages may call the API, as a
    /// browser sends it in `Origin` (never with a path). None when
    /// FRONTEND_URL is not an http(s) URL (then no page may).
    pub fn cors_origin(&self) -> Option<String> {
        let (scheme, rest) = self.frontend_url.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => ":80",
            "https" => ":443",
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next()?.to_ascii_lowercase();
        let host = authority.strip_suffix(default_port).unwrap_or(&authority);
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        valid.then(|| format!("{scheme}://{host}"))
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cors_origin_is_the_frontends_origin_only() {
        let origin =
            |url: &str| Settings::local("http://127.0.0.1:8080/v1", url, "t").cors_origin();
        assert_eq!(
            origin("http://localhost:3000/app/"),
            Some("http://localhost:3000".into())
        );
        assert_eq!(
            origin("https://Campaigns.ProDentHub.com.au:443/offers?x=1#top"),
            Some("https://campaigns.prodenthub.com.au".into())
        );
        assert_eq!(
            origin("http://127.0.0.1:8080"),
            Some("http://127.0.0.1:8080".into())
        );
        assert_eq!(
            origin("https://prodenthub.com.au:8443"),
            Some("https://prodenthub.com.au:8443".into())
        );
        assert_eq!(origin("file:///srv/app/index.html"), None);
        assert_eq!(origin("https://user@evil.example/"), None);
        assert_eq!(origin("not a url"), None);
    }
}
