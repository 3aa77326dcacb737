//! Every paid order's receipt is an Australian tax invoice, in both bodies;
//! a free order's is a plain confirmation.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

use campaigns_contracts::Example;
use campaigns_contracts::records::{
    DiscountPurchase, MockExam, MockRegistration, PersonalizedPlan, RegistrationTier, Scholarship,
    ScholarshipStatus, Team,
};
use campaigns_core::catalog::ProductId;
use campaigns_core::money::Cents;
use campaigns_mail::emails::{
    MockExamRegistration, PlanActivated, PurchaseConfirmation, ScholarshipPaid, TeamActivated,
};
use campaigns_mail::{EmailTemplate, Links, MailSettings, OutgoingEmail, Seller};
use chrono::Duration;

const SELLER: &str = "ProDentHub Pty Ltd";
const ABN: &str = "51 824 753 556";

fn settings() -> MailSettings {
    MailSettings {
        seller: Seller::new(SELLER, "51824753556").unwrap(),
        ..MailSettings::new(
            "noreply@prodenthub.com.au",
            Links::new("https://campaigns.example.com").unwrap(),
        )
    }
}

fn compose<T: EmailTemplate>(email: T) -> OutgoingEmail {
    settings().compose(&email).unwrap()
}

/// The text of an HTML body, one entry per run of text between tags.
fn html_text(html: &str) -> Vec<String> {
    html.split('<')
        .filter_map(|part| part.split_once('>').map(|(_, text)| text.trim()))
        .filter(|text| !text.is_empty())
        .map(|text| {
            text.replace("&minus;", "-")
                .replace("&#x2f;", "/")
                .replace("&amp;", "&")
        })
        .collect()
}

/// What a receipt's tax invoice must show.
struct Invoice<'a> {
    number: &'a str,
    issued_on: &'a str,
    /// Each item (or deduction) and its amount, as shown.
    lines: &'a [(&'a str, &'a str)],
    total: &'a str,
    gst: &'a str,
}

/// Both bodies show every element of `invoice`, each value beside its label.
fn assert_tax_invoice(email: &OutgoingEmail, invoice: &Invoice<'_>) {
    let name = email.template;
    let pairs: Vec<(&str, &str)> = [
        ("Invoice number", invoice.number),
        ("Date of issue", invoice.issued_on),
        ("Total paid", invoice.total),
        ("GST included", invoice.gst),
    ]
    .into_iter()
    .chain(invoice.lines.iter().copied())
    .collect();

    // The block, from its title on.
    let text = &email.text[email
        .text
        .find("Tax invoice")
        .unwrap_or_else(|| panic!("{name}.txt has no tax invoice:\n{}", email.text))..];
    assert!(text.contains(SELLER), "{name}.txt: seller");
    assert!(text.contains(&format!("ABN {ABN}")), "{name}.txt: ABN");
    for (label, value) in &pairs {
        let line = text
            .lines()
            .find(|line| line.starts_with(&format!("{label}:")))
            .unwrap_or_else(|| panic!("{name}.txt has no {label}:\n{text}"));
        assert!(line.ends_with(value), "{name}.txt: {line:?} is not {value}");
    }

    let html = html_text(&email.html);
    let start = html
        .iter()
        .position(|text| text == "Tax invoice")
        .unwrap_or_else(|| panic!("{name}.html has no tax invoice: {html:?}"));
    let html = &html[start..];
    assert!(html.contains(&SELLER.to_string()), "{name}.html: seller");
    assert!(html.contains(&format!("ABN {ABN}")), "{name}.html: ABN");
    for (label, value) in &pairs {
        let at = html
            .iter()
            .position(|text| text == label)
            .unwrap_or_else(|| panic!("{name}.html has no {label}: {html:?}"));
        assert!(
            html[at + 1].ends_with(value),
            "{name}.html: {label} is {:?}, not {value}",
            html[at + 1]
        );
    }
    assert!(!email.text.contains("placeholder") && !email.html.contains("placeholder"));
}

#[test]
fn a_purchase_receipt_is_a_tax_invoice_with_the_coupon_line() {
    let email = compose(
        PurchaseConfirmation::new(&DiscountPurchase::example(), "tok", &settings().links).unwrap(),
    );
    assert_tax_invoice(
        &email,
        &Invoice {
            number: "PDH-PUR-01JH3Z8Q4W6T2V9K5M7N1P3R",
            issued_on: "10 March 2025",
            lines: &[
                ("Full - 6 Months", "$199.00 AUD"),
                ("Coupon SAVE20", "-$39.80 AUD"),
            ],
            total: "$159.20 AUD",
            gst: "$14.47 AUD",
        },
    );
}

#[test]
fn a_299_dollar_order_includes_27_dollars_18_of_gst() {
    let mut purchase = DiscountPurchase::example();
    purchase.product_id = ProductId::Premium12Months;
    purchase.coupon_code = None;
    purchase.coupon_usage_id = None;
    purchase.original_price = Cents::from_dollars(299);
    purchase.discount_amount = Cents::ZERO;
    purchase.final_price = Cents::from_dollars(299);
    let email = compose(PurchaseConfirmation::new(&purchase, "tok", &settings().links).unwrap());
    assert_tax_invoice(
        &email,
        &Invoice {
            number: "PDH-PUR-01JH3Z8Q4W6T2V9K5M7N1P3R",
            issued_on: "10 March 2025",
            lines: &[("Premium - 12 Months", "$299.00 AUD")],
            total: "$299.00 AUD",
            gst: "$27.18 AUD",
        },
    );
    assert!(!email.text.contains("Coupon"));
}

#[test]
fn a_free_order_is_confirmed_without_an_invoice() {
    let mut purchase = DiscountPurchase::example();
    purchase.coupon_code = Some("FREE100".into());
    purchase.discount_amount = purchase.original_price;
    purchase.final_price = Cents::ZERO;
    purchase.payment_intent_id = None;
    let email = compose(PurchaseConfirmation::new(&purchase, "tok", &settings().links).unwrap());
    for (form, body) in [("text", &email.text), ("html", &email.html)] {
        for absent in ["Tax invoice", "ABN", "GST", "Invoice number", SELLER] {
            assert!(!body.contains(absent), "{form} shows {absent}:\n{body}");
        }
    }
    assert!(
        email.text.contains("Coupon FREE100: -$199.00 AUD"),
        "{}",
        email.text
    );
    assert!(
        email.text.contains("Total paid: $0.00 AUD"),
        "{}",
        email.text
    );
    let html = html_text(&email.html);
    let total = html.iter().position(|text| text == "Total paid").unwrap();
    assert_eq!(html[total + 1], "$0.00 AUD");
}

#[test]
fn a_personalized_plan_receipt_is_a_tax_invoice() {
    let email = compose(
        PlanActivated::new(&PersonalizedPlan::example(), "tok", &settings().links).unwrap(),
    );
    assert_tax_invoice(
        &email,
        &Invoice {
            number: "PDH-PLAN-01JH3Z8Q4W6T2V9K5M7N1P3R",
            issued_on: "12 March 2025",
            lines: &[("Cluster 1 - Clinical Knowledge Gap", "$179.00 AUD")],
            total: "$179.00 AUD",
            gst: "$16.27 AUD",
        },
    );
}

#[test]
fn each_team_member_gets_the_invoice_of_their_own_share() {
    let team = Team::example();
    let expected = [
        (
            "PDH-MEM-01JH3Z8Q4W6T2V9K5M7N1P3S",
            "$99.67 AUD",
            "$9.06 AUD",
        ),
        (
            "PDH-MEM-01JH3Z8Q4W6T2V9K5M7N1P3T",
            "$99.67 AUD",
            "$9.06 AUD",
        ),
        (
            "PDH-MEM-01JH3Z8Q4W6T2V9K5M7N1P3V",
            "$99.66 AUD",
            "$9.06 AUD",
        ),
    ];
    for (member, (number, share, gst)) in team.members.iter().zip(expected) {
        let email = compose(TeamActivated::new(&team, member, "tok", &settings().links).unwrap());
        assert_eq!(email.to, member.email);
        assert_tax_invoice(
            &email,
            &Invoice {
                number,
                issued_on: "6 January 2025",
                lines: &[(
                    "ProDentHub Full Version - 6 Months (Team Plan), one of 3 shares of $299.00 AUD",
                    share,
                )],
                total: share,
                gst,
            },
        );
    }
}

#[test]
fn a_team_share_without_a_member_id_cannot_be_invoiced() {
    let mut team = Team::example();
    team.members[1].member_id = None;
    let err = TeamActivated::new(&team, &team.members[1], "tok", &settings().links).unwrap_err();
    assert_eq!(err.name(), "Mail.Incomplete");
    assert!(err.to_string().contains("memberId"), "{err}");
}

#[test]
fn a_premium_mock_exam_registration_is_a_tax_invoice_and_a_free_one_is_not() {
    let exam = MockExam::example();
    let premium = MockRegistration::example();
    let email =
        compose(MockExamRegistration::new(&exam, &premium, "tok", &settings().links).unwrap());
    assert_tax_invoice(
        &email,
        &Invoice {
            number: "PDH-REG-01JH3Z8Q4W6T2V9K5M7N1P3R",
            issued_on: "1 March 2025",
            lines: &[(
                "Mock Exam Premium Access: ADC Part 1 Mock Exam - March",
                "$29.00 AUD",
            )],
            total: "$29.00 AUD",
            gst: "$2.64 AUD",
        },
    );

    let mut free = premium.clone();
    free.tier = RegistrationTier::Free;
    free.payment_intent_id = None;
    free.paid_at = None;
    let email = compose(MockExamRegistration::new(&exam, &free, "tok", &settings().links).unwrap());
    assert!(!email.text.contains("Tax invoice") && !email.html.contains("Tax invoice"));
    assert!(!email.text.contains("$29.00"), "{}", email.text);

    let mut unsettled = premium;
    unsettled.paid_at = None;
    let err = MockExamRegistration::new(&exam, &unsettled, "tok", &settings().links).unwrap_err();
    assert_eq!(err.name(), "Mail.Incomplete");
}

fn paid_scholarship() -> Scholarship {
    let mut scholarship = Scholarship::example();
    scholarship.status = ScholarshipStatus::Paid;
    let paid_at = scholarship.created_at + Duration::days(3);
    scholarship.paid_at = Some(paid_at);
    scholarship.access_expires_at = Some(paid_at + Duration::days(92));
    scholarship
}

#[test]
fn a_paid_scholarship_gets_its_access_and_its_tax_invoice() {
    let email =
        compose(ScholarshipPaid::new(&paid_scholarship(), "tok", &settings().links).unwrap());
    assert_eq!(email.to, "amira.haddad@example.com");
    assert_tax_invoice(
        &email,
        &Invoice {
            number: "PDH-SCH-01JH3Z8Q4W6T2V9K5M7N1P3R",
            issued_on: "6 February 2025",
            lines: &[
                ("ProDentHub Scholarship Access - 3 Months", "$129.00 AUD"),
                ("Scholarship (65%)", "-$84.00 AUD"),
            ],
            total: "$45.00 AUD",
            gst: "$4.09 AUD",
        },
    );
    for body in [&email.text, &email.html] {
        assert!(
            body.contains("Thursday 6 February 2025, 8:15 PM AEDT"),
            "{body}"
        );
        assert!(body.contains("Friday 9 May 2025, 7:15 PM AEST"), "{body}");
        assert!(body.contains("amira.haddad@example.com"), "{body}");
    }

    let mut unpaid = paid_scholarship();
    unpaid.paid_at = None;
    let err = ScholarshipPaid::new(&unpaid, "tok", &settings().links).unwrap_err();
    assert_eq!(err.name(), "Mail.Incomplete");
}

#[test]
fn the_invoice_number_is_stable_for_a_record_and_distinct_across_records() {
    let number = |email: &OutgoingEmail| {
        email
            .text
            .lines()
            .find_map(|line| line.strip_prefix("Invoice number: "))
            .unwrap()
            .to_string()
    };
    let purchase = DiscountPurchase::example();
    let first = compose(PurchaseConfirmation::new(&purchase, "tok", &settings().links).unwrap());
    // A retried step re-reads the record and renders again.
    let reread: DiscountPurchase =
        serde_json::from_str(&serde_json::to_string(&purchase).unwrap()).unwrap();
    let again = compose(PurchaseConfirmation::new(&reread, "tok2", &settings().links).unwrap());
    assert_eq!(number(&first), number(&again));
    assert_eq!(
        first.text.replace("tok2", "tok"),
        again.text.replace("tok2", "tok")
    );

    let mut other = purchase.clone();
    other.purchase_id = "pur_01JH3Z8Q4W6T2V9K5M7N1P3S".into();
    let other = compose(PurchaseConfirmation::new(&other, "tok", &settings().links).unwrap());
    assert_ne!(number(&first), number(&other));

    let team = Team::example();
    let mut numbers: Vec<String> = team
        .members
        .iter()
        .map(|member| {
            number(&compose(
                TeamActivated::new(&team, member, "tok", &settings().links).unwrap(),
            ))
        })
        .collect();
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), team.members.len());
}

#[test]
fn the_seller_is_escaped_in_html() {
    let settings = MailSettings {
        seller: Seller::new("Smith & <Jones> Pty Ltd", ABN).unwrap(),
        ..settings()
    };
    let email = settings
        .compose(&PlanActivated::new(&PersonalizedPlan::example(), "tok", &settings.links).unwrap())
        .unwrap();
    assert!(email.html.contains("Smith &amp; &lt;Jones&gt; Pty Ltd"));
    assert!(email.text.contains("Smith & <Jones> Pty Ltd"));
}

#[test]
fn unconfigured_settings_mark_the_invoice_as_not_real() {
    let settings = MailSettings::new(
        "noreply@prodenthub.com.au",
        Links::new("https://campaigns.example.com").unwrap(),
    );
    let email = settings
        .compose(&PlanActivated::new(&PersonalizedPlan::example(), "tok", &settings.links).unwrap())
        .unwrap();
    for body in [&email.text, &email.html] {
        assert!(
            body.contains("ProDentHub Pty Ltd (local default)"),
            "{body}"
        );
        assert!(body.contains("placeholder, not a real ABN"), "{body}");
    }
}
