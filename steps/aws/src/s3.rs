//! The files port on S3: score reports go from the browser straight to the
//! bucket through a presigned PUT, never through a Lambda.
//!
//! Three S3 operations, each one signed request (SigV4 from `aws-sigv4`,
//! AWS's own signer) on the HTTPS client the Stripe transport already links
//! (`campaigns_payments::transport::https_connector`), instead of
//! aws-sdk-s3's client, whose endpoint rules, checksum interceptors and
//! runtime weighed most of a megabyte in each Lambda that reports uploads
//! (docs/decisions.md).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation,
    SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use campaigns_payments::transport::https_connector;
use campaigns_ports::files::{FileStore, FilesError, PresignedUpload, UploadRequest};
use chrono::{DateTime, Utc};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::settings::AwsSettings;

/// The service name requests are signed for.
const SERVICE: &str = "s3";

/// How long one request to S3 may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// What S3 leaves unencoded in an object key's path: the unreserved
/// characters of RFC 3986 and the `/` between segments.
const KEY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// What is left unencoded in a query string's names and values: only the
/// unreserved characters (SigV4's canonical query string).
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Where the bucket's objects are: `{base}{encoded key}`.
#[derive(Debug, Clone)]
struct Bucket {
    /// `https://{bucket}.s3.{region}.amazonaws.com/` on AWS, and
    /// `{endpoint}/{bucket}/` with an endpoint override.
    base: String,
    region: String,
}

impl Bucket {
    /// Virtual-hosted addressing on AWS; with an endpoint override
    /// (AWS_ENDPOINT_URL: an emulator on 127.0.0.1) the bucket goes in the
    /// path, since `bucket.127.0.0.1` does not resolve.
    fn new(bucket: &str, region: &str, endpoint: Option<&str>) -> Bucket {
        let base = match endpoint {
            Some(endpoint) => format!("{}/{bucket}/", endpoint.trim_end_matches('/')),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com/"),
        };
        Bucket {
            base,
            region: region.to_owned(),
        }
    }

    /// The object's URL; the key is percent-encoded segment by segment,
    /// as S3 (and its signature) expects.
    fn url(&self, key: &str) -> String {
        format!("{}{}", self.base, utf8_percent_encode(key, KEY))
    }

    /// The query-signed PUT of `request`, valid from `start`: Content-Type
    /// and Content-Length are signed, the body is not (`UNSIGNED-PAYLOAD`).
    fn presign(
        &self,
        credentials: Credentials,
        request: &UploadRequest,
        start: SystemTime,
    ) -> Result<PresignedUpload, FilesError> {
        let url = self.url(&request.key);
        let headers = [
            (
                "content-length".to_owned(),
                request.content_length.to_string(),
            ),
            ("content-type".to_owned(), request.content_type.clone()),
        ];
        let mut settings = s3_settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(request.expires_in);
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(start)
            .settings(settings)
            .build()
            .map_err(unavailable)?
            .into();
        let signable = SignableRequest::new(
            "PUT",
            &url,
            headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            SignableBody::UnsignedPayload,
        )
        .map_err(unavailable)?;
        let (instructions, _signature) = sign(signable, &params).map_err(unavailable)?.into_parts();
        let mut signed = url;
        for (index, (name, value)) in instructions.params().iter().enumerate() {
            signed.push(if index == 0 { '?' } else { '&' });
            signed.extend(utf8_percent_encode(name, QUERY));
            signed.push('=');
            signed.extend(utf8_percent_encode(value, QUERY));
        }
        Ok(PresignedUpload {
            url: signed,
            headers: headers.into_iter().collect(),
            expires_at: DateTime::<Utc>::from(start + request.expires_in),
        })
    }

    /// The headers that sign a bodiless `method` on the object at `time`:
    /// `authorization`, `x-amz-date`, `x-amz-content-sha256` (the empty
    /// body's hash) and, for temporary credentials, `x-amz-security-token`.
    fn sign_headers(
        &self,
        credentials: Credentials,
        method: &str,
        url: &str,
        time: SystemTime,
    ) -> Result<Vec<(String, String)>, FilesError> {
        let mut settings = s3_settings();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(time)
            .settings(settings)
            .build()
            .map_err(unavailable)?
            .into();
        let signable =
            SignableRequest::new(method, url, std::iter::empty(), SignableBody::Bytes(&[]))
                .map_err(unavailable)?;
        let (instructions, _signature) = sign(signable, &params).map_err(unavailable)?.into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

/// S3's flavour of SigV4: the path is signed as sent, encoded once and not
/// normalized (a key may hold `//` or `./`).
fn s3_settings() -> SigningSettings {
    let mut settings = SigningSettings::default();
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings
}

/// The store of the S3_SCORE_REPORTS_BUCKET bucket.
///
/// Each operation is one attempt within [`REQUEST_TIMEOUT`], without the
/// SDK's retries: the operations that call it answer "unavailable" on a
/// failure, and their callers (the browser, a state machine's Retry) try
/// again.
pub struct S3Files {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    credentials: SharedCredentialsProvider,
    bucket: Bucket,
}

impl S3Files {
    /// The store on `sdk`'s region, credentials provider and endpoint
    /// override. Fails without a region or a credentials provider, or when
    /// rustls refuses ring's provider.
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings) -> Result<S3Files, FilesError> {
        let region = sdk
            .region()
            .ok_or_else(|| FilesError::Unavailable("no AWS region is configured".into()))?;
        let credentials = sdk.credentials_provider().ok_or_else(|| {
            FilesError::Unavailable("no AWS credentials provider is configured".into())
        })?;
        let connector = https_connector()
            .map_err(|error| FilesError::Unavailable(format!("TLS setup: {error}")))?;
        Ok(S3Files {
            http: Client::builder(TokioExecutor::new()).build(connector),
            credentials,
            bucket: Bucket::new(
                &settings.score_reports_bucket,
                region.as_ref(),
                sdk.endpoint_url(),
            ),
        })
    }

    /// The current credentials: asked for on each request, since those of
    /// a Lambda's role expire and rotate.
    async fn credentials(&self) -> Result<Credentials, FilesError> {
        self.credentials
            .provide_credentials()
            .await
            .map_err(unavailable)
    }

    /// Sends a signed, bodiless `method` to the object under `key`: its
    /// status and body.
    async fn send(&self, method: Method, key: &str) -> Result<(StatusCode, Bytes), FilesError> {
        let url = self.bucket.url(key);
        let headers = self.bucket.sign_headers(
            self.credentials().await?,
            method.as_str(),
            &url,
            SystemTime::now(),
        )?;
        let mut request = Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let request = request.body(Full::new(Bytes::new())).map_err(unavailable)?;
        let answer = async {
            let response = self.http.request(request).await.map_err(unavailable)?;
            let status = response.status();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(unavailable)?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(REQUEST_TIMEOUT, answer)
            .await
            .map_err(|_| {
                FilesError::Unavailable(format!("S3 did not answer within {REQUEST_TIMEOUT:?}"))
            })?
    }
}

fn unavailable(err: impl std::fmt::Display) -> FilesError {
    FilesError::Unavailable(err.to_string())
}

/// S3's answer to a request that failed: its status and what it said.
fn refused(status: StatusCode, body: &[u8]) -> FilesError {
    FilesError::Unavailable(format!(
        "S3 answered {status}: {}",
        String::from_utf8_lossy(body)
    ))
}

#[async_trait]
impl FileStore for S3Files {
    /// Content-Type and Content-Length are signed, so S3 refuses an upload
    /// that sends another type or size than the one requested.
    async fn presign_upload(&self, request: &UploadRequest) -> Result<PresignedUpload, FilesError> {
        self.bucket
            .presign(self.credentials().await?, request, SystemTime::now())
    }

    async fn exists(&self, key: &str) -> Result<bool, FilesError> {
        match self.send(Method::HEAD, key).await? {
            (StatusCode::OK, _) => Ok(true),
            (StatusCode::NOT_FOUND, _) => Ok(false),
            (status, body) => Err(refused(status, &body)),
        }
    }

    /// S3's DeleteObject succeeds (204) on a key that holds nothing.
    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        match self.send(Method::DELETE, key).await? {
            (StatusCode::NO_CONTENT | StatusCode::OK, _) => Ok(()),
            (status, body) => Err(refused(status, &body)),
        }
    }
}
