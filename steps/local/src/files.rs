//! Uploads to a local folder behind presigned-style URLs, so the frontend
//! uploads score reports on one machine exactly as it does to S3: a `PUT` to
//! a URL that is good only for one key, one content type and one length,
//! until it expires.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq;

use async_trait::async_trait;
use campaigns_ports::files::{FileStore, FilesError, PresignedUpload, UploadRequest};
use chrono::{DateTime, TimeDelta};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::time::Time;

pub struct LocalFiles {
    dir: PathBuf,
    /// Where `PUT /uploads/{key}` is served, without a trailing slash.
    base_url: String,
    secret: Vec<u8>,
    time: Time,
}

/// Why an upload was refused (the message goes back to the uploader).
#[derive(Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// Signature, expiry, key, content type or length do not match the URL.
    Forbidden(&'static str),
    Failed(String),
}

impl LocalFiles {
    pub fn new(
        dir: PathBuf,
        base_url: String,
        secret: Vec<u8>,
        time: Time,
    ) -> Result<Self, FilesError> {
        std::fs::create_dir_all(&dir).map_err(|err| FilesError::Unavailable(err.to_string()))?;
        Ok(LocalFiles {
            dir,
            base_url,
            secret,
            time,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn signature(&self, key: &str, content_type: &str, length: u64, expires: i64) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes keys of any length");
        mac.update(format!("{key}\n{content_type}\n{length}\n{expires}").as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Stores an upload if it is exactly what its URL was signed for.
    pub fn accept(
        &self,
        key: &str,
        query: &BTreeMap<String, String>,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), UploadRefusal> {
        let path = self
            .path_of(key)
            .ok_or(UploadRefusal::Forbidden("invalid key"))?;
        let expires: i64 = query
            .get("expires")
            .and_then(|value| value.parse().ok())
            .ok_or(UploadRefusal::Forbidden("missing expiry"))?;
        let signed_type = query
            .get("contentType")
            .ok_or(UploadRefusal::Forbidden("missing content type"))?;
        let signed_length: u64 = query
            .get("contentLength")
            .and_then(|value| value.parse().ok())
            .ok_or(UploadRefusal::Forbidden("missing content length"))?;
        let expected = self.signature(key, signed_type, signed_length, expires);
        let given = query.get("signature").map(String::as_str).unwrap_or("");
        if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
            return Err(UploadRefusal::Forbidden("the signature does not match"));
        }
        if self.time.now().timestamp() > expires {
            return Err(UploadRefusal::Forbidden("the upload URL has expired"));
        }
        if content_type != Some(signed_type.as_str()) {
            return Err(UploadRefusal::Forbidden(
                "the content type is not the one signed",
            ));
        }
        if body.len() as u64 != signed_length {
            return Err(UploadRefusal::Forbidden("the length is not the one signed"));
        }
        let parent = path.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(|err| UploadRefusal::Failed(err.to_string()))?;
        let partial = path.with_extension("partial");
        std::fs::write(&partial, body).map_err(|err| UploadRefusal::Failed(err.to_string()))?;
        std::fs::rename(&partial, &path).map_err(|err| UploadRefusal::Failed(err.to_string()))
    }

    /// The file of a key: keys are relative paths of safe segments only.
    fn path_of(&self, key: &str) -> Option<PathBuf> {
        let safe = !key.is_empty()
            && key.len() <= 300
            && key.split('/').all(|segment| {
                !segment.is_empty()
                    && segment != "."
                    && segment != ".."
                    && segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            });
        safe.then(|| self.dir.join(key))
    }
}

#[async_trait]
impl FileStore for LocalFiles {
    async fn presign_upload(&self, request: &UploadRequest) -> Result<PresignedUpload, FilesError> {
        if self.path_of(&request.key).is_none() {
            return Err(FilesError::Unavailable(format!(
                "invalid key {}",
                request.key
            )));
        }
        let lifetime = TimeDelta::from_std(request.expires_in).unwrap_or(TimeDelta::minutes(15));
        let expires_at = self.time.now() + lifetime;
        let expires = expires_at.timestamp();
        let signature = self.signature(
            &request.key,
            &request.content_type,
            request.content_length,
            expires,
        );
        let query: String = [
            ("expires", expires.to_string()),
            ("contentType", request.content_type.clone()),
            ("contentLength", request.content_length.to_string()),
            ("signature", signature),
        ]
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&");
        Ok(PresignedUpload {
            url: format!("{}/{}?{query}", self.base_url, request.key),
            headers: BTreeMap::from([
                ("Content-Type".to_owned(), request.content_type.clone()),
                (
                    "Content-Length".to_owned(),
                    request.content_length.to_string(),
                ),
            ]),
            expires_at: DateTime::from_timestamp(expires, 0).unwrap_or(expires_at),
        })
    }

    async fn exists(&self, key: &str) -> Result<bool, FilesError> {
        Ok(self.path_of(key).is_some_and(|path| path.is_file()))
    }

    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        let path = self
            .path_of(key)
            .ok_or_else(|| FilesError::Unavailable(format!("invalid key {key}")))?;
        match std::fs::remove_file(path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                Err(FilesError::Unavailable(err.to_string()))
            }
            _ => Ok(()),
        }
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
