//! Presigned uploads of score reports, with a real HTTP PUT to moto's S3.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_s3::Client;
use campaigns_aws::S3Files;
use campaigns_ports::files::{FileStore, PresignedUpload, UploadRequest};

use crate::common::{sdk_config, settings, unique};

const PDF: &[u8] = b"%PDF-1.7 score report";

/// What the browser does with an upload: PUT the file with its headers.
async fn put(upload: &PresignedUpload, body: &'static [u8]) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new().put(&upload.url).body(body);
    for (name, value) in &upload.headers {
        request = request.header(name, value);
    }
    request.send().await.expect("PUT").status()
}

#[tokio::test]
async fn a_report_uploads_through_the_presigned_url() {
    let sdk = sdk_config().await;
    let settings = settings();
    Client::new(&sdk)
        .create_bucket()
        .bucket(&settings.score_reports_bucket)
        .send()
        .await
        .expect("bucket");
    let files = S3Files::new(&sdk, &settings).expect("files");
    let key = format!("score-reports/{}.pdf", unique("report-"));
    assert!(!files.exists(&key).await.expect("exists"), "nothing yet");

    let upload = files
        .presign_upload(&UploadRequest {
            key: key.clone(),
            content_type: "application/pdf".into(),
            content_length: PDF.len() as u64,
            expires_in: Duration::from_secs(300),
        })
        .await
        .expect("presign");
    // S3 checks the signature, and with it the type and the size. moto checks
    // no signature (it accepts another type, another size and a tampered
    // signature alike), so what is asserted is what the URL signs.
    assert!(
        upload
            .url
            .contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"),
        "{}",
        upload.url
    );
    assert_eq!(
        upload.headers,
        BTreeMap::from([
            ("content-length".to_owned(), PDF.len().to_string()),
            ("content-type".to_owned(), "application/pdf".to_owned()),
        ])
    );
    assert_eq!(put(&upload, PDF).await, reqwest::StatusCode::OK);
    assert!(files.exists(&key).await.expect("exists"), "uploaded");
}
