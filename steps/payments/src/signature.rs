//! Stripe webhook signatures (scheme `v1`): HMAC-SHA256 over `"{t}.{payload}"`, keyed by
//! the endpoint secret, sent as `Stripe-Signature: t=...,v1=...[,v1=...]`.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The header Stripe signs webhook deliveries with.
pub const SIGNATURE_HEADER: &str = "Stripe-Signature";

/// How far a signature's timestamp may be from our clock, as Stripe's libraries allow.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a delivery was not accepted as coming from Stripe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No `Stripe-Signature` header.
    #[error("missing Stripe-Signature header")]
    MissingHeader,
    /// The header has no integer `t=` or is otherwise unreadable.
    #[error("malformed Stripe-Signature header")]
    MalformedHeader,
    /// The header carries no `v1=` signature.
    #[error("no v1 signature in Stripe-Signature header")]
    NoV1Signature,
    /// The timestamp is further from now than the tolerance (a replay, or a skewed clock).
    #[error("signature timestamp {timestamp} is outside the tolerance at {now}")]
    OutsideTolerance {
        /// Unix seconds signed by the sender.
        timestamp: i64,
        /// Unix seconds by our clock.
        now: i64,
    },
    /// No signature matches any of our secrets.
    #[error("no signature matches")]
    Mismatch,
}

/// Verifies deliveries against one or, during a secret roll, two endpoint secrets.
#[derive(Clone)]
pub struct SignatureVerifier {
    secrets: Vec<String>,
    tolerance_secs: i64,
}

impl std::fmt::Debug for SignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureVerifier")
            .field("secrets", &self.secrets.len())
            .field("tolerance_secs", &self.tolerance_secs)
            .finish()
    }
}

impl SignatureVerifier {
    /// A verifier for the current endpoint secret (`whsec_...`).
    pub fn new(secret: impl Into<String>) -> Self {
        Self {
            secrets: vec![secret.into()],
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
        }
    }

    /// Also accepts the previous secret, while Stripe still signs some deliveries with it.
    pub fn with_previous_secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// Checks `header` (the `Stripe-Signature` value, if any) for `payload` as received,
    /// byte for byte, at `now` (unix seconds from the caller's clock).
    pub fn verify(
        &self,
        payload: &[u8],
        header: Option<&str>,
        now: i64,
    ) -> Result<(), SignatureError> {
        let header = header.ok_or(SignatureError::MissingHeader)?;
        let parsed = ParsedHeader::parse(header)?;
        // `abs_diff` cannot overflow, whatever `t=` the sender wrote.
        if now.abs_diff(parsed.timestamp) > self.tolerance_secs.unsigned_abs() {
            return Err(SignatureError::OutsideTolerance {
                timestamp: parsed.timestamp,
                now,
            });
        }
        let matches = self.secrets.iter().any(|secret| {
            let mac = signed_payload_mac(secret, parsed.timestamp, payload);
            // `verify_slice` compares in constant time.
            parsed
                .signatures
                .iter()
                .any(|sig| mac.clone().verify_slice(sig).is_ok())
        });
        if matches {
            Ok(())
        } else {
            Err(SignatureError::Mismatch)
        }
    }
}

/// The `Stripe-Signature` header value for `payload` signed with `secret` at `timestamp`,
/// as Stripe sends it (used by senders such as the simulator and by tests).
pub fn sign(secret: &str, timestamp: i64, payload: &[u8]) -> String {
    let mac = signed_payload_mac(secret, timestamp, payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn signed_payload_mac(secret: &str, timestamp: i64, payload: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

struct ParsedHeader {
    timestamp: i64,
    signatures: Vec<Vec<u8>>,
}

impl ParsedHeader {
    fn parse(header: &str) -> Result<Self, SignatureError> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        let mut saw_v1 = false;
        for item in header.split(',') {
            let (key, value) = item
                .trim()
                .split_once('=')
                .ok_or(SignatureError::MalformedHeader)?;
            match key {
                "t" if timestamp.is_none() => {
                    timestamp = Some(
                        value
                            .parse::<i64>()
                            .map_err(|_| SignatureError::MalformedHeader)?,
                    );
                }
                // A v1 entry that is not hex cannot match; skip it rather than reject the
                // others, as Stripe's libraries do.
                "v1" => {
                    saw_v1 = true;
                    signatures.extend(hex::decode(value).ok());
                }
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or(SignatureError::MalformedHeader)?;
        if !saw_v1 {
            return Err(SignatureError::NoV1Signature);
        }
        Ok(Self {
            timestamp,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn verify(header: &str, now: i64) -> Result<(), SignatureError> {
        SignatureVerifier::new("whsec_test").verify(b"{}", Some(header), now)
    }

    #[test]
    fn extreme_timestamps_are_refused_as_outside_the_tolerance() {
        for timestamp in [i64::MIN, i64::MIN + 1, i64::MAX, -1, 0] {
            assert_eq!(
                verify(&format!("t={timestamp},v1=00"), NOW),
                Err(SignatureError::OutsideTolerance {
                    timestamp,
                    now: NOW
                }),
                "t={timestamp}"
            );
        }
        // Both ends at once: the widest distance there is.
        assert_eq!(
            verify(&format!("t={},v1=00", i64::MAX), i64::MIN),
            Err(SignatureError::OutsideTolerance {
                timestamp: i64::MAX,
                now: i64::MIN
            })
        );
    }

    #[test]
    fn timestamps_that_are_not_an_i64_are_malformed() {
        for t in [
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999999",
            "soon",
            "1.7e9",
            "0x10",
            "",
            "-",
        ] {
            assert_eq!(
                verify(&format!("t={t},v1=00"), NOW),
                Err(SignatureError::MalformedHeader),
                "t={t}"
            );
        }
    }

    #[test]
    fn a_signature_at_the_largest_timestamp_still_verifies() {
        let header = sign("whsec_test", i64::MAX, b"{}");
        assert_eq!(verify(&header, i64::MAX), Ok(()));
        assert_eq!(verify(&header, i64::MAX - 300), Ok(()));
    }
}
