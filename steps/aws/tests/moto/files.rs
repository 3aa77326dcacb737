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

/// Keys with spaces, non-ASCII letters, reserved characters and `/` reach
/// the same object through the presigned PUT, HeadObject and DeleteObject,
/// and the object S3 holds is the one uploaded, under the key as given.
#[tokio::test]
async fn any_key_round_trips_through_upload_exists_and_delete() {
    let sdk = sdk_config().await;
    let settings = settings();
    let s3 = Client::new(&sdk);
    s3.create_bucket()
        .bucket(&settings.score_reports_bucket)
        .send()
        .await
        .expect("bucket");
    let files = S3Files::new(&sdk, &settings).expect("files");
    let key = format!(
        "score-reports/{}/Zoë Smith/report (1) #2+final~v.pdf",
        unique("exam-")
    );

    let upload = files
        .presign_upload(&UploadRequest {
            key: key.clone(),
            content_type: "application/pdf".into(),
            content_length: PDF.len() as u64,
            expires_in: Duration::from_secs(300),
        })
        .await
        .expect("presign");
    assert_eq!(put(&upload, PDF).await, reqwest::StatusCode::OK);
    assert!(files.exists(&key).await.expect("exists"), "uploaded");
    let stored = s3
        .get_object()
        .bucket(&settings.score_reports_bucket)
        .key(&key)
        .send()
        .await
        .expect("the object, under the key as given");
    assert_eq!(stored.content_type(), Some("application/pdf"));
    let body = stored.body.collect().await.expect("body").into_bytes();
    assert_eq!(&body[..], PDF);

    files.delete(&key).await.expect("delete");
    assert!(!files.exists(&key).await.expect("exists"), "deleted");
    // Deleting what is gone is no error (an erasure sent again).
    files.delete(&key).await.expect("delete again");
}

/// What S3 refuses is reported as unavailable with S3's status and answer:
/// DeleteObject in a bucket that does not exist.
#[tokio::test]
async fn a_missing_bucket_makes_deletes_unavailable() {
    let sdk = sdk_config().await;
    let files = S3Files::new(&sdk, &settings()).expect("files");
    let error = files
        .delete("score-reports/any.pdf")
        .await
        .expect_err("no bucket");
    assert!(
        error.to_string().contains("404") && error.to_string().contains("NoSuchBucket"),
        "{error}"
    );
}
