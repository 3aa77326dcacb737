//! The files port on S3: score reports go from the browser straight to the
//! bucket through a presigned PUT, never through a Lambda.
//!
//! Three S3 operations, each one signed request (SigV4 from `aws-sigv4`,
//! AWS's own signer) on the workspace's one HTTPS connector
//! (`campaigns_https::https_connector`), instead of
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
    SigningInstructions, SigningSettings, UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use campaigns_https::https_connector;
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
        let signable = SignableRequest::new(
            "PUT",
            &url,
            headers
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
            SignableBody::UnsignedPayload,
        )
        .map_err(unavailable)?;
        let instructions = self.instructions(credentials, start, settings, signable)?;
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
        let signable =
            SignableRequest::new(method, url, std::iter::empty(), SignableBody::Bytes(&[]))
                .map_err(unavailable)?;
        Ok(self
            .instructions(credentials, time, settings, signable)?
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }

    /// What signs `request` for S3 in the bucket's region at `time`: the
    /// headers or query parameters to add.
    fn instructions(
        &self,
        credentials: Credentials,
        time: SystemTime,
        settings: SigningSettings,
        request: SignableRequest<'_>,
    ) -> Result<SigningInstructions, FilesError> {
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
        let (instructions, _signature) = sign(request, &params).map_err(unavailable)?.into_parts();
        Ok(instructions)
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
/// again. A pooled connection found dead before the request was written
/// (after a Lambda sandbox was frozen) is retried by hyper's client itself.
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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::PathBuf;
    use std::process::{Command, Stdio};
    use std::time::UNIX_EPOCH;

    use super::*;

    /// botocore at a fixed time (`tests/fixtures/botocore_sign.py`).
    const BOTOCORE: &str = include_str!("../../../tests/fixtures/botocore_sign.py");

    const TIME: u64 = 1_764_925_200;
    const ACCESS_KEY: &str = "AKIDEXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLXNvdXRoZWFzdC0y+a=";
    /// Spaces, non-ASCII, reserved characters and `/` between segments.
    const OBJECT: &str = "score-reports/Zoë Smith/report (1) #2+final~v.pdf";

    fn botocore(case: serde_json::Value) -> serde_json::Value {
        let python =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: `bash tests/run.sh` creates the test venv (boto3 from tests/services/requirements.txt)",
            python.display()
        );
        let mut child = Command::new(python)
            .args(["-c", BOTOCORE])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(case.to_string().as_bytes())
            .expect("writes the case");
        let output = child.wait_with_output().expect("python finishes");
        assert!(output.status.success(), "botocore signed {case}");
        serde_json::from_slice(&output.stdout).expect("botocore's answer as JSON")
    }

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials::new(ACCESS_KEY, SECRET, token.map(str::to_owned), None, "test")
    }

    /// A URL's address and its query's pairs, in order (the order of a
    /// query string does not matter to S3).
    fn parts(url: &str) -> (String, Vec<String>) {
        let (address, query) = url.split_once('?').unwrap_or((url, ""));
        let mut pairs: Vec<String> = query.split('&').map(str::to_owned).collect();
        pairs.sort();
        (address.to_owned(), pairs)
    }

    /// The presigned PUT is boto3's, byte for byte but for the query's
    /// order, on AWS (virtual-hosted, temporary credentials) and on an
    /// endpoint override (path-style, long-lived credentials).
    #[test]
    fn presigned_uploads_match_boto3s() {
        let request = UploadRequest {
            key: OBJECT.into(),
            content_type: "application/pdf".into(),
            content_length: 48_213,
            expires_in: Duration::from_secs(900),
        };
        let cases = [
            ("ap-southeast-2", None, Some(TOKEN)),
            ("us-east-1", Some("http://127.0.0.1:5000"), None),
        ];
        for (region, endpoint, token) in cases {
            let bucket = Bucket::new("prodenthub-score-reports", region, endpoint);
            let ours = bucket
                .presign(
                    credentials(token),
                    &request,
                    UNIX_EPOCH + Duration::from_secs(TIME),
                )
                .expect("presigns");
            let theirs = botocore(serde_json::json!({
                "presign": "put_object", "time": TIME, "region": region, "endpoint": endpoint,
                "key": ACCESS_KEY, "secret": SECRET, "token": token,
                "bucket": "prodenthub-score-reports", "object": OBJECT,
                "content_type": "application/pdf", "content_length": 48_213, "expires_in": 900,
            }));
            let theirs = theirs.as_str().expect("a URL");
            assert_eq!(parts(&ours.url), parts(theirs), "{endpoint:?}");
            assert!(
                ours.url
                    .contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
                "{}",
                ours.url
            );
            assert_eq!(
                ours.headers,
                [
                    ("content-length".to_owned(), "48213".to_owned()),
                    ("content-type".to_owned(), "application/pdf".to_owned()),
                ]
                .into()
            );
            assert_eq!(
                ours.expires_at.timestamp(),
                i64::try_from(TIME + 900).expect("fits")
            );
        }
    }

    /// HeadObject's and DeleteObject's headers are botocore's S3 signer's,
    /// the empty body's hash signed as `x-amz-content-sha256`.
    #[test]
    fn bodiless_requests_are_signed_as_botocore_signs_them() {
        for (method, token) in [("HEAD", None), ("DELETE", Some(TOKEN))] {
            let bucket = Bucket::new("prodenthub-score-reports", "ap-southeast-2", None);
            let url = bucket.url(OBJECT);
            let ours = bucket
                .sign_headers(
                    credentials(token),
                    method,
                    &url,
                    UNIX_EPOCH + Duration::from_secs(TIME),
                )
                .expect("signs");
            let theirs = botocore(serde_json::json!({
                "service": "s3", "method": method, "time": TIME, "region": "ap-southeast-2", "url": url,
                "key": ACCESS_KEY, "secret": SECRET, "token": token,
            }));
            assert_eq!(
                ours.iter()
                    .find(|(name, _)| name == "x-amz-content-sha256")
                    .map(|(_, value)| value.as_str()),
                Some("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            );
            for (name, value) in &ours {
                assert_eq!(
                    theirs[name.as_str()].as_str(),
                    Some(value.as_str()),
                    "{method}: {name} differs from botocore's ({theirs})"
                );
            }
            assert!(
                ours.iter().any(|(name, _)| name == "authorization"),
                "{ours:?}"
            );
            assert_eq!(
                ours.iter().any(|(name, _)| name == "x-amz-security-token"),
                token.is_some()
            );
        }
    }

    #[test]
    fn keys_are_encoded_per_segment_and_addressed_by_endpoint() {
        assert_eq!(
            Bucket::new("reports", "eu-west-1", None).url("a b/ü/(x)+y~z.pdf"),
            "https://reports.s3.eu-west-1.amazonaws.com/a%20b/%C3%BC/%28x%29%2By~z.pdf"
        );
        assert_eq!(
            Bucket::new("reports", "us-east-1", Some("http://127.0.0.1:5000/")).url("a/b.pdf"),
            "http://127.0.0.1:5000/reports/a/b.pdf"
        );
    }
}
