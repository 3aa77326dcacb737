//! The outbox writes real RFC 5322 messages, lists them newest first, and
//! never loses one to a concurrent send.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use std::path::PathBuf;
use std::sync::Arc;

use campaigns_mail::{
    KeptMail, Links, MailSettings, Mailer, OutboxMailer, OutgoingEmail, TemplateName, sample_emails,
};
use chrono::{DateTime, TimeZone, Utc};
use mail_parser::{HeaderValue, MessageParser, MimeHeaders};

fn outbox(name: &str) -> (OutboxMailer, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "campaigns-mail-outbox-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    (OutboxMailer::new(&dir, Utc::now).unwrap(), dir)
}

fn samples() -> Vec<OutgoingEmail> {
    let settings = MailSettings::new(
        "noreply@prodenthub.com.au",
        Links::new("https://campaigns.example.com").unwrap(),
    );
    sample_emails(&settings).unwrap()
}

#[tokio::test]
async fn a_sent_email_parses_back_with_both_parts_and_its_headers() {
    let (outbox, dir) = outbox("parse");
    let mut email = samples().remove(1);
    email.subject = "Ihre Einladung – Zahnärztin Zoë".into();
    let sent = outbox.send(&email).await.unwrap();

    let eml = std::fs::read(dir.join(format!("{}.eml", sent.id))).unwrap();
    let message = MessageParser::default().parse(&eml).unwrap();
    assert_eq!(message.subject(), Some(email.subject.as_str()));
    assert_eq!(
        message.from().unwrap().first().unwrap().address(),
        Some("noreply@prodenthub.com.au")
    );
    assert_eq!(
        message.to().unwrap().first().unwrap().address(),
        Some(email.to.as_str())
    );
    assert!(
        message
            .message_id()
            .unwrap()
            .ends_with("@prodenthub.com.au")
    );
    assert_eq!(
        message.date().unwrap().to_timestamp(),
        sent.sent_at.timestamp()
    );
    assert_eq!(
        message.header("X-ProDentHub-Template"),
        Some(&HeaderValue::Text("team_invitation".into()))
    );
    let content_type = message.content_type().unwrap();
    assert_eq!(
        (content_type.ctype(), content_type.subtype()),
        ("multipart", Some("alternative"))
    );
    assert_eq!(
        (message.text_body_count(), message.html_body_count()),
        (1, 1)
    );
    let unix = |body: &str| body.replace("\r\n", "\n").trim_end().to_string();
    assert_eq!(unix(&message.body_text(0).unwrap()), unix(&email.text));
    assert_eq!(unix(&message.body_html(0).unwrap()), unix(&email.html));

    let stored = outbox.read(&sent.id).unwrap();
    assert_eq!(stored.entry.template, Some(TemplateName::TeamInvitation));
    assert_eq!(stored.entry.subject, email.subject);
    assert_eq!(stored.eml, eml);
    assert_eq!(stored.text.trim_end(), email.text.trim_end());
    assert_eq!(stored.html.trim_end(), email.html.trim_end());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_listing_is_newest_first() {
    let (outbox, dir) = outbox("list");
    let samples = samples();
    let mut sent = Vec::new();
    for email in &samples[..3] {
        sent.push(outbox.send(email).await.unwrap().id);
    }
    let listed = outbox.list().unwrap();
    let ids: Vec<&str> = listed.iter().map(|entry| entry.id.as_str()).collect();
    sent.reverse();
    assert_eq!(ids, sent);
    assert_eq!(listed[0].template, Some(samples[2].template));
    assert_eq!(listed[0].to, samples[2].to);
    assert_eq!(listed[0].subject, samples[2].subject);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn emails_are_stamped_by_the_machines_clock_and_sort_when_it_stands_still() {
    let dir = std::env::temp_dir().join(format!(
        "campaigns-mail-outbox-clock-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let at: DateTime<Utc> = Utc.with_ymd_and_hms(2031, 3, 6, 10, 30, 0).unwrap();
    let outbox = OutboxMailer::new(&dir, move || at).unwrap();
    let email = samples().remove(0);
    let mut sent = Vec::new();
    // Enough to cross a power of ten in the process-wide sequence, whatever
    // the other tests of this binary sent before.
    for _ in 0..120 {
        let stamped = outbox.send(&email).await.unwrap();
        assert_eq!(stamped.sent_at, at);
        sent.push(stamped.id);
    }
    let listed = outbox.list().unwrap();
    assert!(listed.iter().all(|entry| entry.sent_at == at));
    let ids: Vec<String> = listed.into_iter().map(|entry| entry.id).collect();
    sent.reverse();
    assert_eq!(
        ids, sent,
        "newest first, though all were sent at one instant"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_each_get_their_own_file() {
    let (outbox, dir) = outbox("concurrent");
    let outbox: Arc<dyn Mailer> = Arc::new(outbox);
    let email = samples().remove(0);
    let sends = (0..64).map(|n| {
        let (outbox, mut email) = (outbox.clone(), email.clone());
        email.subject = format!("email {n}");
        tokio::spawn(async move { outbox.send(&email).await.unwrap() })
    });
    let mut ids = Vec::new();
    for send in sends {
        ids.push(send.await.unwrap().id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 64);

    let listed = OutboxMailer::new(&dir, Utc::now).unwrap().list().unwrap();
    let mut subjects: Vec<String> = listed.into_iter().map(|entry| entry.subject).collect();
    subjects.sort();
    let mut expected: Vec<String> = (0..64).map(|n| format!("email {n}")).collect();
    expected.sort();
    assert_eq!(subjects, expected);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn reading_an_unknown_or_outside_id_is_not_found() {
    let (outbox, dir) = outbox("read");
    for id in ["missing", "../secret", "", ".hidden", "a/b"] {
        let err = outbox.read(id).unwrap_err();
        assert_eq!(err.name(), "Mail.NotFound", "{id}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_outbox_lists_what_it_keeps_and_forgets_one_email_alone() {
    let (outbox, dir) = outbox("kept");
    let mut first = samples().remove(0);
    first.to = "amira@example.com".into();
    let mut second = samples().remove(1);
    second.to = "ben@example.com".into();
    let kept_one = outbox.send(&first).await.unwrap();
    let kept_two = outbox.send(&second).await.unwrap();

    let kept = outbox.kept().await.unwrap();
    let listed: Vec<(&str, &str, &str)> = kept
        .iter()
        .map(|email| (email.id.as_str(), email.to.as_str(), email.subject.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                kept_two.id.as_str(),
                "ben@example.com",
                second.subject.as_str()
            ),
            (
                kept_one.id.as_str(),
                "amira@example.com",
                first.subject.as_str()
            ),
        ],
        "newest first"
    );

    outbox.forget(&kept_one.id).await.unwrap();
    assert!(!dir.join(format!("{}.eml", kept_one.id)).exists());
    let left: Vec<String> = outbox
        .kept()
        .await
        .unwrap()
        .into_iter()
        .map(|email| email.id)
        .collect();
    assert_eq!(left, std::slice::from_ref(&kept_two.id));
    outbox
        .forget(&kept_one.id)
        .await
        .expect("an email already gone is not an error");
    assert!(
        outbox.forget("../outside").await.is_err(),
        "an id that is no outbox id"
    );
}
