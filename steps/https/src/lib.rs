//! The one HTTPS connector of the requests our own code sends — Stripe's
//! API (`campaigns_payments::transport`), S3 (`campaigns_aws::S3Files`) and
//! the deployed API (`campaigns admin`) — so they share one TLS setup and
//! no adapter depends on another for it.

use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;

/// HTTPS (or plain HTTP, for a local simulator or emulator) on hyper and
/// rustls with ring's crypto, the provider the AWS SDK's client uses too
/// (`campaigns_aws::https_client`). The provider is named rather than taken
/// from rustls' process default, which panics when the build enables more
/// than one. The TLS roots are compiled in (Mozilla's, from webpki-roots),
/// so reaching Stripe or AWS does not depend on the machine's certificate
/// store.
pub fn https_connector() -> Result<HttpsConnector<HttpConnector>, rustls::Error> {
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())?
        .https_or_http()
        .enable_http1()
        .build())
}
