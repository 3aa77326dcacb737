//! An email sent through SESv2 and read back from moto's record of sent mail.

use aws_sdk_sesv2::Client;
use campaigns_aws::SesMailer;
use campaigns_mail::{Links, MailError, MailSettings, Mailer, sample_emails};
use serde_json::Value;

use crate::common::{moto_url, sdk_config, unique};

/// The message moto's SES accepted with this id. moto keeps one body, the
/// HTML one when there is one, so the text body cannot be read back.
async fn sent_message(id: &str) -> Value {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto_url()))
        .await
        .expect("data.json")
        .json()
        .await
        .expect("json");
    data["ses"]["Message"]
        .as_array()
        .expect("ses messages")
        .iter()
        .find(|message| message["id"] == id)
        .unwrap_or_else(|| panic!("no message {id} in moto's data"))
        .clone()
}

#[tokio::test]
async fn an_email_is_sent_from_the_verified_sender() {
    let sdk = sdk_config().await;
    let from = format!("{}@prodenthub.com.au", unique("noreply-"));
    let settings = MailSettings::new(
        from.clone(),
        Links::new("https://campaigns.prodenthub.com.au").expect("links"),
    );
    let email = sample_emails(&settings).expect("samples").remove(0);
    let mailer = SesMailer::new(&sdk);

    let unverified = mailer.send(&email).await;
    assert!(
        matches!(unverified, Err(MailError::Rejected(_))),
        "{unverified:?}"
    );

    Client::new(&sdk)
        .create_email_identity()
        .email_identity(&from)
        .send()
        .await
        .expect("identity");
    let sent = mailer.send(&email).await.expect("send");
    assert!(!sent.id.is_empty());
    let message = sent_message(&sent.id).await;
    assert_eq!(message["source"], from.as_str());
    assert_eq!(message["destinations"]["ToAddresses"][0], email.to.as_str());
    assert_eq!(message["subject"], email.subject.as_str());
    assert_eq!(message["body"], email.html.as_str());
}
