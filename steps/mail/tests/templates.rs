//! Every template, rendered with sample data, in both forms.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use campaigns_contracts::Example;
use campaigns_contracts::records::{DiscountPurchase, Team};
use campaigns_mail::emails::{PurchaseConfirmation, TeamInvitation};
use campaigns_mail::{
    Links, MailSettings, OutgoingEmail, TemplateName, render_previews, sample_emails,
};
use minijinja::HtmlEscape;

const FRONTEND: &str = "https://campaigns.example.com/app";

fn settings() -> MailSettings {
    MailSettings::new("noreply@prodenthub.com.au", Links::new(FRONTEND).unwrap())
}

fn samples() -> Vec<OutgoingEmail> {
    sample_emails(&settings()).expect("every sample renders")
}

/// Every `href` in an HTML body, unescaped.
fn hrefs(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .map(|rest| {
            rest[..rest.find('"').unwrap()]
                .replace("&#x2f;", "/")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn there_is_one_sample_per_template() {
    let templates: Vec<TemplateName> = samples().iter().map(|email| email.template).collect();
    assert_eq!(templates, TemplateName::ALL);
}

#[test]
fn every_template_renders_both_forms_completely() {
    for email in samples() {
        let name = email.template;
        assert!(!email.subject.is_empty(), "{name}: subject");
        for (form, body) in [("html", &email.html), ("text", &email.text)] {
            assert!(body.len() > 200, "{name}.{form} is too short:\n{body}");
            for leftover in ["{{", "}}", "{%", "%}", "{#"] {
                assert!(
                    !body.contains(leftover),
                    "{name}.{form} contains {leftover}"
                );
            }
            // Mock exam times are read in Sydney (the sample's is AEDT).
            let zones: &[&str] = if name.to_string().starts_with("mock_") {
                &["AM AEDT", "PM AEDT"]
            } else {
                &["AEST", "AEDT"]
            };
            assert!(
                zones.iter().any(|zone| body.contains(zone)),
                "{name}.{form} does not say its time zone"
            );
        }
        // The footer's time-zone sentence (a block a template may replace)
        // keeps its own line.
        assert!(
            email.text.contains(").\nProDentHub prepares"),
            "{name}: {}",
            email.text
        );
        assert!(email.html.starts_with("<!DOCTYPE html>"), "{name}");
        assert!(
            !email.html.contains("<script") && !email.html.contains("src="),
            "{name}: external resources"
        );
        assert!(!email.text.contains('<'), "{name}: markup in the text body");
    }
}

#[test]
fn amounts_are_shown_in_aud() {
    let expected: &[(TemplateName, &[&str])] = &[
        (
            TemplateName::TeamCreated,
            &["$299.00 AUD", "$99.67 AUD", "$99.66 AUD"],
        ),
        (TemplateName::TeamInvitation, &["$99.66 AUD", "$299.00 AUD"]),
        (TemplateName::TeamActivated, &["$99.67 AUD"]),
        (TemplateName::TeamPaymentReminder, &["$99.66 AUD"]),
        (TemplateName::TeamExpired, &["$99.67 AUD"]),
        (TemplateName::ScholarshipReceived, &["$129.00 AUD"]),
        (
            TemplateName::ScholarshipApproved,
            &["$129.00 AUD", "$45.00 AUD", "$84.00 AUD"],
        ),
        (TemplateName::ScholarshipDeclined, &["$129.00 AUD"]),
        (
            TemplateName::PurchaseConfirmation,
            &["$199.00 AUD", "$39.80 AUD", "$159.20 AUD", "SAVE20"],
        ),
        (TemplateName::PlanActivated, &["$179.00 AUD"]),
        (TemplateName::MockExamRegistration, &["$29.00 AUD"]),
        (TemplateName::PaymentFailed, &["$159.20 AUD"]),
        (
            TemplateName::RefundIssued,
            &["$159.20 AUD", "$50.00 AUD", "$109.20 AUD", "$4.54 AUD"],
        ),
        (TemplateName::DisputeOpened, &["$179.00 AUD"]),
        (TemplateName::MockExamCancelled, &["$29.00 AUD"]),
        (
            TemplateName::ScholarshipPaid,
            &["$129.00 AUD", "$84.00 AUD", "$45.00 AUD", "$4.09 AUD"],
        ),
    ];
    let samples = samples();
    for (template, amounts) in expected {
        let email = samples
            .iter()
            .find(|email| email.template == *template)
            .unwrap();
        for amount in *amounts {
            assert!(
                email.html.contains(amount),
                "{template}.html lacks {amount}"
            );
            assert!(email.text.contains(amount), "{template}.txt lacks {amount}");
        }
    }
}

#[test]
fn links_are_absolute_frontend_links_with_ids_and_tokens() {
    for email in samples() {
        let name = email.template;
        let links = hrefs(&email.html);
        if matches!(
            name,
            TemplateName::DisputeOpened | TemplateName::MockResultsMissing
        ) {
            // To ops: no customer's token leaves in it.
            assert!(links.is_empty(), "{name}: {links:?}");
            assert!(!email.text.contains("token="), "{name}");
            continue;
        }
        assert!(!links.is_empty(), "{name} has no link");
        for link in &links {
            assert!(link.starts_with(&format!("{FRONTEND}/")), "{name}: {link}");
            assert!(link.contains("Id="), "{name}: no record id in {link}");
            assert!(link.contains("&token=tok_"), "{name}: no token in {link}");
            assert!(
                email.text.contains(link.as_str()),
                "{name}.txt lacks {link}"
            );
            assert!(!link.contains("stripe.com"), "{name}: links to Stripe");
        }
    }
}

#[test]
fn payment_links_open_the_pay_page_for_the_right_record() {
    let samples = samples();
    let invitation = samples
        .iter()
        .find(|e| e.template == TemplateName::TeamInvitation)
        .unwrap();
    assert!(invitation.text.contains(
        "https://campaigns.example.com/app/pay?campaignId=team-creation&recordId=team_01JH3Z8Q4W6T2V9K5M7N1P3R&memberId=mem_01JH3Z8Q4W6T2V9K5M7N1P3V&token=tok_"
    ), "{}", invitation.text);
    let approved = samples
        .iter()
        .find(|e| e.template == TemplateName::ScholarshipApproved)
        .unwrap();
    assert!(
        approved
            .text
            .contains("/pay?campaignId=scholarship-application&recordId=sch_")
    );
}

#[test]
fn tokens_are_url_encoded() {
    let team = Team::example();
    let member = &team.members[1];
    let email = settings()
        .compose(&TeamInvitation::new(&team, member, "a+b/c&d=e", &settings().links).unwrap())
        .unwrap();
    assert!(
        email.text.contains("&token=a%2Bb%2Fc%26d%3De"),
        "{}",
        email.text
    );
    assert!(!email.text.contains("a+b/c&d=e"));
}

#[test]
fn user_provided_names_are_escaped_in_html() {
    let mut purchase = DiscountPurchase::example();
    purchase.first_name = "<script>alert(1)</script>".into();
    let email = settings()
        .compose(&PurchaseConfirmation::new(&purchase, "tok_x", &settings().links).unwrap())
        .unwrap();
    assert!(!email.html.contains("<script>"));
    assert!(
        email
            .html
            .contains(&HtmlEscape("<script>alert(1)</script>").to_string())
    );
    assert!(email.text.contains("Hi <script>alert(1)</script>,"));
}

#[test]
fn a_record_without_a_field_the_email_needs_is_reported_by_name() {
    let mut team = Team::example();
    team.payment_deadline = None;
    let err = TeamInvitation::new(&team, &team.members[1], "tok", &settings().links).unwrap_err();
    assert_eq!(err.name(), "Mail.Incomplete");
    assert!(!err.is_retryable());
}

#[test]
fn previews_write_every_template_and_an_index() {
    let dir = std::env::temp_dir().join(format!("campaigns-mail-previews-{}", std::process::id()));
    let index = render_previews(&dir).unwrap();
    let index = std::fs::read_to_string(index).unwrap();
    for template in TemplateName::ALL {
        for extension in ["html", "txt"] {
            let file = format!("{template}.{extension}");
            assert!(dir.join(&file).is_file(), "{file}");
            assert!(
                index.contains(&format!("href=\"{file}\"")),
                "index lacks {file}"
            );
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// A Sydney exam on the Monday after daylight saving ends, for a candidate
/// in Auckland and for one who gave no zone.
#[test]
fn mock_exam_emails_read_times_in_the_exams_zone_and_the_candidates() {
    use campaigns_contracts::records::{MockExam, MockRegistration, MockStatistics};
    use campaigns_core::time_zone::TimeZone;
    use campaigns_mail::emails::{
        MockExamCancelled, MockExamRegistration, MockExamReminder, MockExamResults,
    };

    let settings = settings();
    let links = &settings.links;
    let mut exam = MockExam::example();
    exam.starts_at = "2026-04-05T23:00:00Z".parse().unwrap();
    exam.ends_at = "2026-04-06T02:30:00Z".parse().unwrap();
    let statistics = MockStatistics::example();
    let exam_zone = "Monday 6 April 2026, 9:00 AM AEST";
    for (candidate_zone, starts, ends) in [
        (
            TimeZone::parse("Pacific/Auckland"),
            "Monday 6 April 2026, 9:00 AM AEST (Monday 6 April 2026, 11:00 AM NZST your time)",
            "Monday 6 April 2026, 12:30 PM AEST (Monday 6 April 2026, 2:30 PM NZST your time)",
        ),
        (None, exam_zone, "Monday 6 April 2026, 12:30 PM AEST"),
    ] {
        let mut registration = MockRegistration::example();
        registration.time_zone = candidate_zone;
        let emails = [
            settings
                .compose(&MockExamRegistration::new(&exam, &registration, "tok", links).unwrap())
                .unwrap(),
            settings
                .compose(&MockExamReminder::new(&exam, &registration, "tok", links))
                .unwrap(),
            settings
                .compose(&MockExamCancelled::new(&exam, &registration, "tok", links))
                .unwrap(),
        ];
        for email in &emails {
            for body in [&email.text, &email.html] {
                assert!(body.contains(starts), "{}: {body}", email.template);
                assert!(body.contains(ends), "{}: {body}", email.template);
                assert!(!body.contains("UTC"), "{}: {body}", email.template);
                assert_eq!(
                    body.contains("your time"),
                    candidate_zone.is_some(),
                    "{}",
                    email.template
                );
            }
        }
        // Subjects carry the exam's own reading only.
        assert!(
            emails[1].subject.ends_with(exam_zone),
            "{}",
            emails[1].subject
        );
        assert!(
            emails[2].subject.ends_with(exam_zone),
            "{}",
            emails[2].subject
        );
        let results = settings
            .compose(
                &MockExamResults::new(&exam, &registration, &statistics, "tok", links).unwrap(),
            )
            .unwrap();
        assert!(results.text.contains(starts), "{}", results.text);
        assert!(results.html.contains(starts), "{}", results.html);
    }
}
