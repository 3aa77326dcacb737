//! The files port on S3: score reports go from the browser straight to the
//! bucket through a presigned PUT, never through a Lambda.

use std::time::SystemTime;

use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::presigning::PresigningConfig;
use campaigns_ports::files::{FileStore, FilesError, PresignedUpload, UploadRequest};
use chrono::{DateTime, Utc};

use crate::settings::AwsSettings;

pub struct S3Files {
    client: Client,
    bucket: String,
}

impl S3Files {
    /// The store of the S3_SCORE_REPORTS_BUCKET bucket. With an endpoint
    /// override (AWS_ENDPOINT_URL: an emulator on 127.0.0.1) it addresses
    /// the bucket in the path, since `bucket.127.0.0.1` does not resolve.
    pub fn new(sdk: &SdkConfig, settings: &AwsSettings) -> S3Files {
        let config = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(sdk.endpoint_url().is_some())
            .build();
        S3Files {
            client: Client::from_conf(config),
            bucket: settings.score_reports_bucket.clone(),
        }
    }
}

fn unavailable(err: impl std::error::Error) -> FilesError {
    FilesError::Unavailable(DisplayErrorContext(err).to_string())
}

#[async_trait]
impl FileStore for S3Files {
    /// Content-Type and Content-Length are signed, so S3 refuses an upload
    /// that sends another type or size than the one requested.
    async fn presign_upload(&self, request: &UploadRequest) -> Result<PresignedUpload, FilesError> {
        let start = SystemTime::now();
        let presigning = PresigningConfig::builder()
            .start_time(start)
            .expires_in(request.expires_in)
            .build()
            .map_err(unavailable)?;
        let content_length = i64::try_from(request.content_length)
            .map_err(|_| FilesError::Unavailable("content length out of range".into()))?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&request.key)
            .content_type(&request.content_type)
            .content_length(content_length)
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(PresignedUpload {
            url: presigned.uri().to_owned(),
            headers: presigned
                .headers()
                .map(|(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            expires_at: DateTime::<Utc>::from(start + request.expires_in),
        })
    }

    async fn exists(&self, key: &str) -> Result<bool, FilesError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|err| err.is_not_found()) => Ok(false),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// S3's DeleteObject succeeds on a key that holds nothing.
    async fn delete(&self, key: &str) -> Result<(), FilesError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(drop)
            .map_err(unavailable)
    }
}
