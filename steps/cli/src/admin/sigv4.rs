//! SigV4 for the deployed API: API Gateway authorizes the admin routes with
//! IAM, so each request is signed for the service `execute-api` with the
//! operator's own credentials, found as every AWS tool finds them
//! (environment, profile, SSO).

use std::time::SystemTime;

use anyhow::Context;
use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

/// The service API Gateway's IAM authorization signs for.
const SERVICE: &str = "execute-api";

/// Who signs and where: credentials and the API's region.
pub struct Signer {
    credentials: Credentials,
    region: String,
}

impl Signer {
    /// The credentials of the usual chain (`AWS_PROFILE` or `profile`
    /// chooses a profile) and the region: `region`, else the API host's
    /// (`{id}.execute-api.{region}.amazonaws.com`), else the profile's.
    pub async fn from_environment(
        api_host: &str,
        region: Option<String>,
        profile: Option<String>,
    ) -> anyhow::Result<Signer> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(campaigns_aws::https_client());
        if let Some(profile) = &profile {
            loader = loader.profile_name(profile);
        }
        let config = loader.load().await;
        let region = region
            .or_else(|| region_of_host(api_host))
            .or_else(|| config.region().map(|region| region.to_string()))
            .context(
                "no AWS region: pass --region, or use the API's execute-api address, or set one in your profile",
            )?;
        let credentials = config
            .credentials_provider()
            .context("no AWS credentials provider is configured")?
            .provide_credentials()
            .await
            .context("no AWS credentials (environment, profile or SSO: try `aws sso login`)")?;
        Ok(Signer {
            credentials,
            region,
        })
    }

    #[cfg(test)]
    pub fn new(credentials: Credentials, region: &str) -> Signer {
        Signer {
            credentials,
            region: region.into(),
        }
    }

    /// The headers that sign a request made at `time`: `authorization`,
    /// `x-amz-date` and, for temporary credentials, `x-amz-security-token`.
    /// `headers` are those the request will carry (they are signed too).
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
    ) -> anyhow::Result<Vec<(String, String)>> {
        let identity = self.credentials.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SERVICE)
            .time(time)
            .settings(SigningSettings::default())
            .build()
            .context("signing parameters")?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .context("a request to sign")?;
        let (instructions, _signature) = sign(request, &params)
            .context("signing the request")?
            .into_parts();
        Ok(instructions
            .headers()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect())
    }
}

/// The region in an API Gateway address (`abc123.execute-api.ap-southeast-2.amazonaws.com`).
fn region_of_host(host: &str) -> Option<String> {
    let mut labels = host.split('.');
    let (_id, service, region) = (labels.next()?, labels.next()?, labels.next()?);
    (service == SERVICE && !region.is_empty()).then(|| region.to_owned())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::process::Command;
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    /// botocore's signer over the same request, credentials and time
    /// (`tests/fixtures/botocore_sign.py`).
    const BOTOCORE: &str = include_str!("../../../../tests/fixtures/botocore_sign.py");

    fn python() -> PathBuf {
        let venv =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/test-venv/bin/python");
        assert!(
            venv.exists(),
            "{} is missing: `bash tests/run.sh` creates the test venv (boto3 from tests/services/requirements.txt)",
            venv.display()
        );
        venv
    }

    fn botocore_headers(case: &serde_json::Value) -> serde_json::Value {
        use std::io::Write;
        let mut child = Command::new(python())
            .args(["-c", BOTOCORE])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("python runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(case.to_string().as_bytes())
            .expect("writes the case");
        let output = child.wait_with_output().expect("python finishes");
        assert!(output.status.success(), "botocore signed");
        serde_json::from_slice(&output.stdout).expect("botocore's headers as JSON")
    }

    /// The same signature as botocore's, with long-lived and temporary
    /// credentials, for a POST with a body and a GET with a query string
    /// that needs encoding.
    #[test]
    fn signatures_match_botocores() {
        let time = UNIX_EPOCH + Duration::from_secs(1_764_925_200);
        let cases = [
            (
                "POST",
                "https://abc123defg.execute-api.ap-southeast-2.amazonaws.com/v1/refunds",
                vec![
                    ("content-type", "application/json"),
                    ("idempotency-key", "refund-2026-12-05-01"),
                ],
                r#"{"campaignId":"discount-purchase","recordId":"pur_1","reason":"duplicate"}"#,
                None,
            ),
            (
                "GET",
                "https://abc123defg.execute-api.ap-southeast-2.amazonaws.com/v1/mock-exams?limit=20&cursor=eyJ4IjoiYSBiIn0%3D",
                vec![],
                "",
                Some("IQoJb3JpZ2luX2VjEJr//////////wEaDmFwLXNvdXRoZWFzdC0y"),
            ),
        ];
        for (method, url, headers, body, token) in cases {
            let credentials = Credentials::new(
                "AKIDEXAMPLE",
                "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                token.map(str::to_owned),
                None,
                "test",
            );
            let host = url.split('/').nth(2).expect("a host");
            let mut signed_headers = headers.clone();
            signed_headers.push(("host", host));
            let ours = Signer::new(credentials, "ap-southeast-2")
                .sign(method, url, &signed_headers, body.as_bytes(), time)
                .expect("signs");
            let theirs = botocore_headers(&serde_json::json!({
                "service": "execute-api",
                "method": method,
                "url": url,
                "headers": headers,
                "body": body,
                "key": "AKIDEXAMPLE",
                "secret": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                "token": token,
                "region": "ap-southeast-2",
                "time": 1_764_925_200,
            }));
            for (name, value) in &ours {
                assert_eq!(
                    theirs[name.as_str()].as_str(),
                    Some(value.as_str()),
                    "{method} {url}: {name} differs from botocore's ({theirs})"
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
    fn the_region_comes_from_an_execute_api_host() {
        assert_eq!(
            region_of_host("abc123.execute-api.ap-southeast-2.amazonaws.com").as_deref(),
            Some("ap-southeast-2")
        );
        assert_eq!(region_of_host("api.prodenthub.com"), None);
        assert_eq!(region_of_host("127.0.0.1"), None);
    }
}
