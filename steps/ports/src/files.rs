//! Uploads that go straight to storage, never through a handler.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// What the uploader promises to send; the URL is only good for exactly this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRequest {
    pub key: String,
    pub content_type: String,
    pub content_length: u64,
    pub expires_in: Duration,
}

/// A URL to `PUT` the file to, with the headers the upload must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedUpload {
    pub url: String,
    pub headers: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilesError {
    #[error("file storage unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait FileStore: Send + Sync {
    async fn presign_upload(&self, request: &UploadRequest) -> Result<PresignedUpload, FilesError>;

    /// Whether an object was uploaded under `key`.
    async fn exists(&self, key: &str) -> Result<bool, FilesError>;

    /// Removes the object under `key`; nothing there is not an error (an
    /// erasure sent again finds the report gone).
    async fn delete(&self, key: &str) -> Result<(), FilesError>;
}
