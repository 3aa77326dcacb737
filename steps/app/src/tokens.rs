//! Access tokens: proof that the caller was given a record's link.
//!
//! A token is an HMAC of the record's scope (e.g. `purchase:pur_…`) under a
//! server secret, so nothing is stored, any step can put the token in an
//! email link, and checking it is a constant-time comparison. Rolling the
//! secret invalidates every outstanding link; the previous secret is
//! accepted during a roll.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct AccessTokens {
    current: Vec<u8>,
    previous: Option<Vec<u8>>,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokens(<secret>)")
    }
}

impl AccessTokens {
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        AccessTokens {
            current: secret.into(),
            previous: None,
        }
    }

    pub fn with_previous(mut self, secret: impl Into<Vec<u8>>) -> Self {
        self.previous = Some(secret.into());
        self
    }

    /// The token for `scope`, hex-encoded.
    pub fn issue(&self, scope: &str) -> String {
        format!(
            "tok_{}",
            hex::encode(mac(&self.current, scope).finalize().into_bytes())
        )
    }

    /// 128 bits keyed by the current secret, for ids that are the same for
    /// the same `input` yet cannot be guessed from it. Callers start `input`
    /// with a purpose that no token scope starts with.
    pub fn derive(&self, input: &str) -> [u8; 16] {
        let digest = mac(&self.current, input).finalize().into_bytes();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes
    }

    /// Whether `token` was issued for `scope` under the current or previous secret.
    pub fn verify(&self, scope: &str, token: &str) -> bool {
        let Some(bytes) = token
            .strip_prefix("tok_")
            .and_then(|hex| hex::decode(hex).ok())
        else {
            return false;
        };
        std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .any(|secret| mac(secret, scope).verify_slice(&bytes).is_ok())
    }
}

fn mac(secret: &[u8], scope: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(scope.as_bytes());
    mac
}

/// The scope of a record's token: its kind and id.
pub fn record_scope(kind: &str, id: &str) -> String {
    format!("{kind}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_opens_its_own_scope_only() {
        let tokens = AccessTokens::new(b"secret".to_vec());
        let token = tokens.issue("purchase:pur_1");
        assert!(tokens.verify("purchase:pur_1", &token));
        assert!(!tokens.verify("purchase:pur_2", &token));
        assert!(!tokens.verify("purchase:pur_1", "tok_00"));
        assert!(!tokens.verify("purchase:pur_1", "garbage"));
    }

    #[test]
    fn tokens_survive_a_secret_roll_until_the_previous_secret_goes() {
        let old = AccessTokens::new(b"old".to_vec());
        let token = old.issue("team:team_1");
        let rolled = AccessTokens::new(b"new".to_vec()).with_previous(b"old".to_vec());
        assert!(rolled.verify("team:team_1", &token));
        assert!(!AccessTokens::new(b"new".to_vec()).verify("team:team_1", &token));
    }
}
