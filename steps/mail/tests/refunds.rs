//! The emails of money going back or held: a refund with its adjustment
//! note, a dispute to ops, a cancelled mock exam.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use campaigns_contracts::Example;
use campaigns_contracts::records::{
    DiscountPurchase, MockExam, MockRegistration, PersonalizedPlan, RegistrationTier, Team,
};
use campaigns_core::money::Cents;
use campaigns_mail::emails::{
    DisputeOpened, MockExamCancelled, Payment, RefundDetails, RefundIssued,
};
use campaigns_mail::{EmailTemplate, Links, MailSettings, OutgoingEmail, TemplateName};

fn settings() -> MailSettings {
    MailSettings {
        ops_email: "payments-ops@prodenthub.com.au".into(),
        ..MailSettings::new(
            "noreply@prodenthub.com.au",
            Links::new("https://campaigns.example.com").unwrap(),
        )
    }
}

fn compose<T: EmailTemplate>(email: T) -> OutgoingEmail {
    settings().compose(&email).unwrap()
}

fn refund(amount: i64, total_refunded: i64) -> RefundDetails<'static> {
    RefundDetails {
        refund_id: "re_3QabcLena",
        amount: Cents(amount),
        total_refunded: Cents(total_refunded),
        refunded_at: "2025-03-19T02:00:00Z".parse().unwrap(),
    }
}

fn refund_email(payment: Payment<'_>, details: RefundDetails<'_>) -> OutgoingEmail {
    compose(RefundIssued::new(payment, details, "tok_r", &settings().links).unwrap())
}

/// `needle` is in both bodies (HTML-escaped in the HTML one).
fn assert_both(email: &OutgoingEmail, needle: &str) {
    let name = email.template;
    assert!(
        email.text.contains(needle),
        "{name}.txt lacks {needle:?}:\n{}",
        email.text
    );
    let escaped = minijinja::HtmlEscape(needle).to_string();
    assert!(
        email.html.contains(&escaped),
        "{name}.html lacks {escaped:?}:\n{}",
        email.html
    );
}

fn assert_neither(email: &OutgoingEmail, needle: &str) {
    let name = email.template;
    assert!(!email.text.contains(needle), "{name}.txt has {needle:?}");
    assert!(!email.html.contains(needle), "{name}.html has {needle:?}");
}

#[test]
fn a_partial_refund_says_what_stays_paid_that_access_goes_on_and_its_gst() {
    let purchase = DiscountPurchase::example();
    let email = refund_email(Payment::Purchase(&purchase), refund(5000, 5000));
    assert_eq!(email.to, "buyer@example.com");
    assert_eq!(email.template, TemplateName::RefundIssued);
    assert!(
        email.subject.contains("partial refund of $50.00 AUD"),
        "{}",
        email.subject
    );
    assert!(email.text.contains("Refunded now:      $50.00 AUD"));
    assert!(email.text.contains("Still paid:        $109.20 AUD"));
    assert!(
        email
            .text
            .contains("Your access continues until Wednesday 10 September 2025, 6:04 PM AEST.")
    );
    for needle in [
        "$159.20 AUD",
        "$109.20 AUD",
        "Adjustment note",
        "Adjusts tax invoice",
        "PDH-PUR-01JH3Z8Q4W6T2V9K5M7N1P3R",
        "re_3QabcLena",
        "19 March 2025",
        "GST included in the refund",
        // $14.47 of GST on $159.20, $9.93 on the $109.20 left.
        "$4.54 AUD",
        "ProDentHub Pty Ltd (local default)",
        "Your access continues until",
    ] {
        assert_both(&email, needle);
    }
    assert_neither(&email, "has ended");
}

#[test]
fn the_rest_refunded_ends_the_access_and_gives_back_the_rest_of_the_gst() {
    let purchase = DiscountPurchase::example();
    let email = refund_email(Payment::Purchase(&purchase), refund(10_920, 15_920));
    assert!(
        email.subject.starts_with("Refunded in full"),
        "{}",
        email.subject
    );
    assert!(email.text.contains("Still paid:        $0.00 AUD"));
    assert!(email.text.contains("Refunded in total: $159.20 AUD"));
    // $4.54 before and $9.93 now: the invoice's $14.47.
    assert!(email.text.contains("GST included in the refund: $9.93 AUD"));
    assert_both(&email, "Your access to the Full - 6 Months has ended.");
    assert_neither(&email, "continues");
}

#[test]
fn a_full_refund_of_a_team_share_goes_to_that_member_with_their_invoice() {
    let team = Team::example();
    let member = &team.members[2];
    let email = refund_email(
        Payment::TeamShare {
            team: &team,
            member,
        },
        refund(9966, 9966),
    );
    assert_eq!(email.to, "ravi@example.com");
    assert!(email.text.starts_with("ProDentHub"));
    assert!(email.text.contains("Hi Ravi Patel,"));
    for needle in [
        "$99.66 AUD",
        "PDH-MEM-01JH3Z8Q4W6T2V9K5M7N1P3V",
        "$9.06 AUD",
        "has ended",
    ] {
        assert_both(&email, needle);
    }
    assert!(
        email
            .text
            .contains("/team?teamId=team_01JH3Z8Q4W6T2V9K5M7N1P3R&token=tok_r")
    );
}

#[test]
fn a_refund_the_payment_cannot_hold_is_refused() {
    let purchase = DiscountPurchase::example();
    let links = &settings().links;
    for (amount, total) in [(0, 0), (5000, 4000), (16_000, 16_000), (100, 15_921)] {
        let err = RefundIssued::new(
            Payment::Purchase(&purchase),
            refund(amount, total),
            "tok",
            links,
        )
        .unwrap_err();
        assert_eq!(err.name(), "Mail.Invalid", "{amount} of {total}");
        assert!(!err.is_retryable());
    }
}

#[test]
fn a_dispute_alerts_ops_with_the_record_the_amount_and_the_reason() {
    let plan = PersonalizedPlan::example();
    let settings = settings();
    let email = settings
        .compose(
            &DisputeOpened::new(
                Payment::Plan(&plan),
                "dp_1QdefSam",
                "product_not_received",
                Cents(17_900),
                &settings.ops_email,
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(email.to, "payments-ops@prodenthub.com.au");
    assert!(email.subject.contains("dp_1QdefSam"), "{}", email.subject);
    for needle in [
        "dp_1QdefSam",
        "product_not_received",
        "$179.00 AUD",
        "personalized-plan",
        "plan_01JH3Z8Q4W6T2V9K5M7N1P3R",
        "sam.lee@example.com",
        "Cluster 1 - Clinical Knowledge Gap",
        "Access is suspended until the dispute closes",
    ] {
        assert_both(&email, needle);
    }
    assert_neither(&email, "Team member");
}

#[test]
fn a_disputed_team_share_names_the_member() {
    let team = Team::example();
    let member = &team.members[1];
    let email = compose(
        DisputeOpened::new(
            Payment::TeamShare {
                team: &team,
                member,
            },
            "dp_1QxyzJane",
            "fraudulent",
            member.share_amount,
            "ops@prodenthub.com.au",
        )
        .unwrap(),
    );
    for needle in [
        "team_01JH3Z8Q4W6T2V9K5M7N1P3R",
        "mem_01JH3Z8Q4W6T2V9K5M7N1P3T",
        "jane@example.com",
        "$99.67 AUD",
        "Team member",
    ] {
        assert_both(&email, needle);
    }
}

#[test]
fn a_cancelled_exam_tells_a_paid_candidate_the_seat_is_refunded_in_full() {
    let exam = MockExam::example();
    let registration = MockRegistration::example();
    let email = compose(MockExamCancelled::new(
        &exam,
        &registration,
        "tok",
        &settings().links,
    ));
    assert_eq!(email.to, "priya.k@example.com");
    for needle in [
        "ADC Part 1 Mock Exam - March",
        "is cancelled",
        // The example candidate gave Asia/Kolkata: both readings.
        "Saturday 22 March 2025, 11:00 AM AEDT (Saturday 22 March 2025, 5:30 AM IST your time)",
        "refunded in full",
        "$29.00 AUD",
    ] {
        assert_both(&email, needle);
    }
}

#[test]
fn a_cancelled_exam_promises_no_refund_where_nothing_was_paid() {
    let exam = MockExam::example();
    let mut free = MockRegistration::example();
    free.tier = RegistrationTier::Free;
    free.payment_intent_id = None;
    free.paid_at = None;
    let mut unpaid = MockRegistration::example();
    unpaid.payment_intent_id = None;
    unpaid.paid_at = None;
    for registration in [free, unpaid] {
        let email = compose(MockExamCancelled::new(
            &exam,
            &registration,
            "tok",
            &settings().links,
        ));
        assert_both(&email, "is cancelled");
        assert_neither(&email, "refund");
        assert_neither(&email, "$29.00");
    }
}
