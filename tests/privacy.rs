//! A person's data on the embedded default, over HTTP: an operator's lookup,
//! the export of everything held about an email and its erasure among other
//! customers' records, reports and emails; the retention every write gives a
//! personal record; and the removal of a scholarship's sensitive fields 90
//! days after its decision, on the virtual clock.

use std::collections::BTreeMap;
use std::time::Duration;

use campaigns_contracts::records::{
    CouponUsage, DiscountPurchase, PurchaseStatus, Scholarship, ScholarshipStatus, Team,
};
use campaigns_records::Table;
use campaigns_tests::{ADMIN_TOKEN, Product, text};
use chrono::{DateTime, Months, TimeDelta, Utc};
use serde_json::{Value, json};

const DAY: Duration = Duration::from_secs(24 * 3600);
/// The person erased, as she typed her address on one form.
const AMIRA: &str = "amira.haddad+exams@Example.com";
/// Everyone else's.
const BEN: &str = "ben.okafor@example.com";

fn admin() -> String {
    format!("Bearer {ADMIN_TOKEN}")
}

async fn as_admin(product: &Product, path: &str, body: &Value, key: Option<&str>) -> (u16, Value) {
    let bearer = admin();
    let mut headers = vec![("Authorization", bearer.as_str())];
    if let Some(key) = key {
        headers.push(("Idempotency-Key", key));
    }
    product.post(path, body, &headers).await
}

/// A full-6months purchase with SAVE20, paid and settled by its journey.
async fn paid_purchase(product: &Product, email: &str, first: &str, last: &str) -> String {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": email, "firstName": first, "lastName": last, "productId": "full-6months", "couponCode": "SAVE20"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = text(&created, "purchaseId");
    product
        .checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
        .await;
    product.succeeded("discount-purchase", &id).await;
    id
}

/// A purchase left waiting for its payment, created under Idempotency-Key `key`.
async fn pending_purchase(
    product: &Product,
    key: &str,
    email: &str,
    first: &str,
    last: &str,
) -> String {
    let (status, created) = product
        .post(
            "/purchases/create",
            &json!({"email": email, "firstName": first, "lastName": last, "productId": "standard-3months"}),
            &[("Idempotency-Key", key)],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = text(&created, "purchaseId");
    product.until_payment_waits(&id).await;
    id
}

/// 25 %: approved at once, no reviewer.
async fn applied_scholarship(product: &Product, email: &str) -> (String, String) {
    let (status, body) = product
        .post(
            "/scholarships/apply",
            &json!({
                "email": email,
                "firstName": "Amira",
                "lastName": "Haddad",
                "application": {"householdIncome": 120000, "householdSize": 2, "country": "Brazil", "employmentStatus": "student"},
                "statement": "I study full-time and my family supports me.",
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = text(&body, "scholarshipId");
    product
        .eventually("the application is approved", || async {
            product.record::<Scholarship>(&id).await.status == ScholarshipStatus::Approved
        })
        .await;
    (id, text(&body, "accessToken"))
}

/// A plan with its score report uploaded through the presigned URL.
async fn plan_with_report(product: &Product, email: &str) -> (String, String) {
    let pdf = b"%PDF-1.7 Amira's ADC score report".to_vec();
    let (status, upload) = product
        .post(
            "/personalized-plans/upload-url",
            &json!({"fileName": "report.pdf", "contentType": "application/pdf", "contentLength": pdf.len()}),
            &[],
        )
        .await;
    assert_eq!(status, 200, "{upload}");
    let key = text(&upload, "key");
    let put = product
        .http
        .put(text(&upload, "uploadUrl"))
        .header("Content-Type", "application/pdf")
        .body(pdf)
        .send()
        .await
        .expect("the upload URL answers");
    assert_eq!(put.status().as_u16(), 200);
    let (status, created) = product
        .post(
            "/personalized-plans/create",
            &json!({
                "email": email, "firstName": "Amira", "lastName": "Haddad", "scoreReportKey": key,
                "scoreReport": {"clinicalPercent": 52.0, "theoryPercent": 66.0, "overallPercent": 59.0, "questionsAnswered": 150, "questionsTotal": 150, "timeUsedMinutes": 180, "timeAllowedMinutes": 210}
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{created}");
    (text(&created, "planId"), key)
}

async fn free_registration(product: &Product, exam_id: &str, email: &str) -> String {
    let (status, body) = product
        .post(
            "/mock-exams/register",
            &json!({"mockExamId": exam_id, "email": email, "firstName": "Amira", "lastName": "Haddad", "tier": "free", "timeZone": "Asia/Dubai"}),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    text(&body, "registrationId")
}

/// A team Ben leads, Amira one of its two other members.
async fn team_with_amira(product: &Product) -> String {
    let (status, body) = product
        .post(
            "/teams/create",
            &json!({
                "leaderEmail": BEN, "leaderFirstName": "Ben", "leaderLastName": "Okafor", "country": "Australia",
                "members": [{"name": "Amira Haddad", "email": "Amira.Haddad@example.com"}, {"name": "Chidi Eze", "email": "chidi@example.com"}]
            }),
            &[],
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = text(&body, "teamId");
    product
        .until_payment_waits(&format!("{id}/{}", text(&body["members"][0], "memberId")))
        .await;
    id
}

/// Every record of every table, by table and key.
async fn everything(product: &Product) -> BTreeMap<(Table, String), Value> {
    let mut all = BTreeMap::new();
    for table in Table::ALL {
        for item in product.records().store().scan(table).await.expect("scans") {
            all.insert((table, item.key), item.body);
        }
    }
    all
}

/// Whether a record holds anything of Amira's: her address in any form,
/// her names.
fn hers(body: &Value) -> bool {
    let text = body.to_string().to_lowercase();
    text.contains("amira") || text.contains("haddad")
}

/// The outbox's emails, id => recipient.
fn outbox(product: &Product) -> BTreeMap<String, String> {
    product
        .embedded
        .outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .map(|entry| (entry.id, entry.to))
        .collect()
}

fn is_amira(address: &str) -> bool {
    campaigns_app::privacy::Person::new(AMIRA).is(address)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erasing_one_person_leaves_nothing_of_hers_and_changes_nobody_elses() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let exam = product.create_exam(50, TimeDelta::days(20)).await;

    let paid = paid_purchase(&product, AMIRA, "Amira", "Haddad").await;
    let pending = pending_purchase(&product, "k1", AMIRA, "Amira", "Haddad").await;
    let (scholarship, _) = applied_scholarship(&product, AMIRA).await;
    let (plan, report) = plan_with_report(&product, AMIRA).await;
    let registration = free_registration(&product, &exam, AMIRA).await;
    let team = team_with_amira(&product).await;
    let bens = paid_purchase(&product, BEN, "Ben", "Okafor").await;
    let _bens_pending = pending_purchase(&product, "k2", BEN, "Ben", "Okafor").await;
    product.until_sent("mock_exam_registration").await;

    let before = everything(&product).await;
    let mail_before = outbox(&product);
    let amiras_mail: Vec<&String> = mail_before
        .iter()
        .filter(|(_, to)| is_amira(to))
        .map(|(id, _)| id)
        .collect();
    assert!(
        amiras_mail.len() >= 4,
        "receipts, approval, seat, invitation: {mail_before:?}"
    );
    assert!(product.embedded.files.dir().join(&report).is_file());

    // The operator's table, found under another form of her address.
    let (status, found) = as_admin(
        &product,
        "/customers/lookup",
        &json!({"email": "AMIRA.HADDAD@example.com"}),
        None,
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let lines: Vec<(String, String)> = found["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|line| (text(line, "kind"), text(line, "id")))
        .collect();
    for expected in [
        ("discount_purchase", &paid),
        ("discount_purchase", &pending),
        ("scholarship", &scholarship),
        ("personalized_plan", &plan),
        ("mock_registration", &registration),
        ("team_member", &team),
    ] {
        assert!(
            lines.contains(&(expected.0.to_owned(), expected.1.clone())),
            "{expected:?} in {found}"
        );
    }
    assert!(
        lines.iter().any(|(kind, _)| kind == "coupon_use"),
        "{found}"
    );
    assert!(
        lines.iter().any(|(kind, _)| kind == "access_grant"),
        "{found}"
    );
    assert!(
        !lines.iter().any(|(_, id)| *id == bens),
        "only hers: {found}"
    );
    let paid_line = found["records"]
        .as_array()
        .expect("records")
        .iter()
        .find(|line| line["id"] == json!(paid))
        .expect("the paid purchase");
    assert_eq!(
        (
            &paid_line["status"],
            &paid_line["amount"],
            &paid_line["campaignId"]
        ),
        (&json!("paid"), &json!(159.2), &json!("discount-purchase"))
    );

    // The export: every record that names her, whole; her report; her mail.
    let (status, export) =
        as_admin(&product, "/privacy/export", &json!({"email": AMIRA}), None).await;
    assert_eq!(status, 200, "{export}");
    let mut exported: Vec<(String, Value)> = Vec::new();
    for (table, records) in export["records"].as_object().expect("by table") {
        for record in records.as_array().expect("records") {
            exported.push((table.clone(), record.clone()));
        }
    }
    let mut held: Vec<(String, Value)> = before
        .iter()
        .filter(|(_, body)| hers(body))
        .map(|((table, _), body)| (table.def().default_name.to_owned(), body.clone()))
        .collect();
    exported.sort_by_key(|(table, body)| (table.clone(), body.to_string()));
    held.sort_by_key(|(table, body)| (table.clone(), body.to_string()));
    assert_eq!(
        exported, held,
        "every record of hers, whole, and nothing else"
    );
    assert_eq!(export["scoreReports"], json!([report]));
    let mut exported_mail: Vec<String> = export["outbox"]
        .as_array()
        .expect("outbox")
        .iter()
        .map(|message| text(message, "messageId"))
        .collect();
    exported_mail.sort();
    assert_eq!(exported_mail.iter().collect::<Vec<_>>(), amiras_mail);

    // Erasure needs an Idempotency-Key.
    let (status, refused) =
        as_admin(&product, "/privacy/erase", &json!({"email": AMIRA}), None).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["error"]["code"], "IDEMPOTENCY_KEY_REQUIRED");

    let (status, erased) = as_admin(
        &product,
        "/privacy/erase",
        &json!({"email": "amira.haddad@example.com"}),
        Some("erase-1"),
    )
    .await;
    assert_eq!(status, 201, "{erased}");
    assert_eq!(erased["scoreReportsDeleted"], 1);
    assert_eq!(erased["outboxMessagesDeleted"], json!(amiras_mail.len()));
    let pseudonym = text(&erased, "pseudonym");
    assert!(pseudonym.ends_with("@erased.invalid"), "{pseudonym}");
    let line = |table: &str| {
        erased["tables"]
            .as_array()
            .expect("tables")
            .iter()
            .find(|line| line["table"] == table)
            .cloned()
            .unwrap_or_else(|| panic!("{table} in {erased}"))
    };
    let purchases = line("prodenthub-discount-purchases");
    assert_eq!(
        (&purchases["deleted"], &purchases["pseudonymized"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(line("prodenthub-scholarships")["deleted"], 1);
    assert_eq!(line("prodenthub-personalized-plans")["deleted"], 1);
    assert_eq!(line("prodenthub-mock-registrations")["deleted"], 1);
    assert_eq!(line("prodenthub-teams")["pseudonymized"], 1);

    // Nothing of hers remains: no record, no report, no email.
    let after = everything(&product).await;
    let left: Vec<_> = after.iter().filter(|(_, body)| hers(body)).collect();
    assert!(left.is_empty(), "records still hers: {left:#?}");
    assert!(
        !product.embedded.files.dir().join(&report).exists(),
        "the report is deleted"
    );
    let mail_after = outbox(&product);
    assert!(
        !mail_after.values().any(|to| is_amira(to)),
        "{mail_after:?}"
    );

    // Nothing of anyone else's changed: their records, their emails.
    for (key, body) in before.iter().filter(|(_, body)| !hers(body)) {
        assert_eq!(after.get(key), Some(body), "{key:?} changed");
    }
    let others_mail: BTreeMap<_, _> = mail_before
        .into_iter()
        .filter(|(_, to)| !is_amira(to))
        .collect();
    assert_eq!(mail_after, others_mail);
    let kept_team: Team = product.record(&team).await;
    let team_before: Team =
        serde_json::from_value(before[&(Table::Teams, team.clone())].clone()).expect("a team");
    assert_eq!(
        (
            &kept_team.leader_email,
            &kept_team.members[0],
            &kept_team.members[2]
        ),
        (
            &team_before.leader_email,
            &team_before.members[0],
            &team_before.members[2]
        ),
        "Ben and Chidi are as they were"
    );
    assert_eq!(
        (
            kept_team.members[1].name.as_str(),
            kept_team.members[1].email.as_str()
        ),
        ("Erased", pseudonym.as_str())
    );

    // The financial facts are kept, under the pseudonym.
    let kept: DiscountPurchase = product.record(&paid).await;
    let paid_before: DiscountPurchase =
        serde_json::from_value(before[&(Table::DiscountPurchases, paid.clone())].clone())
            .expect("a purchase");
    assert_eq!(
        (
            kept.email.as_str(),
            kept.first_name.as_str(),
            kept.last_name.as_str()
        ),
        (pseudonym.as_str(), "Erased", "Erased")
    );
    assert_eq!(
        (
            kept.status,
            kept.final_price,
            &kept.payment_intent_id,
            kept.paid_at,
            kept.created_at
        ),
        (
            PurchaseStatus::Paid,
            paid_before.final_price,
            &paid_before.payment_intent_id,
            paid_before.paid_at,
            paid_before.created_at
        )
    );
    let usage_id = kept.coupon_usage_id.expect("the coupon use");
    assert!(usage_id.contains(&pseudonym), "{usage_id}");
    let usage: CouponUsage = product.record(&usage_id).await;
    assert_eq!(
        (usage.purchase_id.as_str(), usage.email.as_str()),
        (paid.as_str(), pseudonym.as_str())
    );

    // Safe to send again: the same key answers the same; another finds nothing.
    let (status, replayed) = as_admin(
        &product,
        "/privacy/erase",
        &json!({"email": "amira.haddad@example.com"}),
        Some("erase-1"),
    )
    .await;
    assert_eq!((status, &replayed), (201, &erased));
    let (status, again) = as_admin(
        &product,
        "/privacy/erase",
        &json!({"email": AMIRA}),
        Some("erase-2"),
    )
    .await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(
        (
            &again["tables"],
            &again["scoreReportsDeleted"],
            &again["outboxMessagesDeleted"],
            &again["pseudonym"]
        ),
        (&json!([]), &json!(0), &json!(0), &json!(pseudonym))
    );
    let (_, export) = as_admin(&product, "/privacy/export", &json!({"email": AMIRA}), None).await;
    assert_eq!(
        (&export["records"], &export["outbox"]),
        (&json!({}), &json!([]))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_privacy_routes_are_for_admins_only() {
    let product = Product::start().await;
    for path in ["/customers/lookup", "/privacy/export", "/privacy/erase"] {
        let (status, body) = product
            .post(path, &json!({"email": BEN}), &[("Idempotency-Key", "k")])
            .await;
        assert_eq!(status, 401, "{path}: {body}");
    }
    let (status, body) = as_admin(
        &product,
        "/privacy/export",
        &json!({"email": "not an address"}),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("/email")),
        "{body}"
    );
}

fn ttl(body: &Value) -> i64 {
    body["ttl"]
        .as_i64()
        .unwrap_or_else(|| panic!("a ttl on {body}"))
}

fn at(body: &Value, field: &str) -> DateTime<Utc> {
    text(body, field).parse().expect("an instant")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_personal_record_is_written_with_its_retention() {
    let product = Product::start().await;
    product.seed_coupon("SAVE20", 100, 20).await;
    let exam = product.create_exam(50, TimeDelta::days(20)).await;
    let paid = paid_purchase(&product, BEN, "Ben", "Okafor").await;
    let pending = pending_purchase(&product, "k3", "dana@example.com", "Dana", "Ito").await;
    applied_scholarship(&product, "eve@example.com").await;
    plan_with_report(&product, "fay@example.com").await;
    free_registration(&product, &exam, "gil@example.com").await;
    team_with_amira(&product).await;

    let all = everything(&product).await;
    let retained = [
        Table::Teams,
        Table::Scholarships,
        Table::CouponUsage,
        Table::DiscountPurchases,
        Table::PersonalizedPlans,
        Table::MockRegistrations,
    ];
    for table in retained {
        let records: Vec<_> = all.iter().filter(|((of, _), _)| *of == table).collect();
        assert!(!records.is_empty(), "{table:?} has records");
        for (key, body) in records {
            assert!(body["ttl"].is_i64(), "{key:?} has no ttl: {body}");
        }
    }
    let five_years = |instant: DateTime<Utc>| {
        instant
            .checked_add_months(Months::new(60))
            .expect("in range")
            .timestamp()
    };
    let paid_body = &all[&(Table::DiscountPurchases, paid.clone())];
    assert_eq!(
        ttl(paid_body),
        five_years(at(paid_body, "paidAt")),
        "a financial record: 5 years"
    );
    let pending_body = &all[&(Table::DiscountPurchases, pending.clone())];
    assert_eq!(
        ttl(pending_body),
        (at(pending_body, "createdAt") + TimeDelta::days(365)).timestamp(),
        "an open record: a year at most"
    );
    let usage = all
        .iter()
        .find(|((table, _), _)| *table == Table::CouponUsage)
        .map(|(_, body)| body)
        .expect("a coupon use");
    assert_eq!(ttl(usage), five_years(at(usage, "settledAt")));

    // An unpaid record that ended is kept 90 days from then.
    product.advance(2 * DAY);
    product
        .eventually("the pending purchase expires", || async {
            product.record::<DiscountPurchase>(&pending).await.status == PurchaseStatus::Expired
        })
        .await;
    let expired = product
        .records()
        .store()
        .get(Table::DiscountPurchases, &pending)
        .await
        .expect("reads")
        .expect("kept");
    assert_eq!(
        ttl(&expired.body),
        (at(&expired.body, "createdAt") + TimeDelta::days(90)).timestamp()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scholarships_sensitive_fields_go_90_days_after_its_decision() {
    let product = Product::start().await;
    let (id, token) = applied_scholarship(&product, "hana@example.com").await;
    let (status, session) = product
        .post(
            "/checkout/create",
            &json!({"campaignId": "scholarship-application", "recordId": id}),
            &[("X-Access-Token", token.as_str())],
        )
        .await;
    assert_eq!(status, 200, "{session}");
    product
        .checkout_action(&text(&session, "checkoutUrl"), "pay")
        .await;
    product.succeeded("scholarship-application", &id).await;
    let decided: Scholarship = product.record(&id).await;
    assert_eq!(decided.status, ScholarshipStatus::Paid);
    assert!(decided.application.is_some() && decided.statement.is_some());
    let decided_at = decided.decided_at.expect("decided");

    // 89 days on, the sweep (every second) leaves it whole.
    let elapsed = product.embedded.time.now() - decided_at;
    product.advance(89 * DAY - elapsed.to_std().expect("not negative"));
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let kept: Scholarship = product.record(&id).await;
    assert!(kept.application.is_some(), "not yet: {kept:?}");

    product.advance(2 * DAY);
    product
        .eventually("the sensitive fields are removed", || async {
            product
                .record::<Scholarship>(&id)
                .await
                .application
                .is_none()
        })
        .await;
    let redacted: Scholarship = product.record(&id).await;
    assert_eq!(
        (
            redacted.statement.as_deref(),
            redacted.reviewer_note.as_deref(),
            redacted.calculation.components.len()
        ),
        (None, None, 0)
    );
    assert_eq!(
        (
            redacted.status,
            redacted.price,
            redacted.calculation.percentage,
            redacted.decided_at,
            &redacted.payment_intent_id,
            &redacted.email
        ),
        (
            decided.status,
            decided.price,
            decided.calculation.percentage,
            decided.decided_at,
            &decided.payment_intent_id,
            &decided.email
        ),
        "the decision, price and payment stay"
    );
}
