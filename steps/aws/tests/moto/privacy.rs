//! A person's data on DynamoDB and S3: the privacy routes, dispatched as
//! API Gateway hands them to privacy-handler, export everything one person
//! holds across the tables and the score-report bucket and erase it among
//! another customer's records, which stay as they were; every personal
//! record is written with its retention TTL.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::Client as S3;
use aws_sdk_s3::primitives::ByteStream;
use campaigns_app::App;
use campaigns_app::access::{self, Grant};
use campaigns_app::clock::SystemClock;
use campaigns_app::http::{ApiRequest, dispatch, route};
use campaigns_app::settings::{AdminAuth, Settings};
use campaigns_app::tokens::AccessTokens;
use campaigns_app::wiring::{Port, Unwired};
use campaigns_aws::{DynamoRecords, S3Files, SesMailer};
use campaigns_contracts::Example;
use campaigns_contracts::records::{
    CouponUsage, CouponUsageStatus, DiscountPurchase, MemberStatus, PersonalizedPlan, PlanStatus,
    Scholarship, Team,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::ProductId;
use campaigns_core::email::canonical_key;
use campaigns_mail::{Links, MailSettings, NothingKept};
use campaigns_payments::SignatureVerifier;
use campaigns_records::{Records, Table};
use chrono::{Months, Utc};
use serde_json::{Value, json};

use crate::common::{sdk_config, settings, unique};
use crate::records::create_tables;

/// privacy-handler's App on the AWS adapters: DynamoDB, S3, SES (which
/// keeps no messages); the ports it does not declare stay unwired. With its
/// bucket.
async fn privacy_app() -> (App, String) {
    let sdk = sdk_config().await;
    let settings = settings();
    create_tables(&sdk, &settings).await;
    S3::new(&sdk)
        .create_bucket()
        .bucket(&settings.score_reports_bucket)
        .send()
        .await
        .expect("bucket");
    let clock = Arc::new(SystemClock);
    let app = App {
        records: Records::new(Arc::new(DynamoRecords::new(&sdk, &settings, clock.clone()))),
        payments: Arc::new(Unwired(Port::Payments)),
        mail: Arc::new(SesMailer::new(&sdk)),
        kept_mail: Arc::new(NothingKept),
        mail_settings: MailSettings::new(
            "noreply@prodenthub.com.au",
            Links::new("https://campaigns.prodenthub.com.au").expect("links"),
        ),
        webhook_verifier: Arc::new(SignatureVerifier::new("whsec_unused")),
        files: Arc::new(S3Files::new(&sdk, &settings).expect("files")),
        scheduler: Arc::new(Unwired(Port::Schedules)),
        workflows: Arc::new(Unwired(Port::Workflows)),
        // A grant's owed event stays owed here, an item that names the person.
        access_events: Arc::new(Unwired(Port::Access)),
        clock,
        tokens: AccessTokens::new(b"a secret for the moto tests only".to_vec()),
        settings: Arc::new(Settings {
            frontend_url: "https://campaigns.prodenthub.com.au".into(),
            api_base_url: "https://api.prodenthub.com.au/v1".into(),
            admin: AdminAuth::Gateway,
            checkout_lifetime: Duration::from_secs(31 * 60),
            upload_lifetime: Duration::from_secs(15 * 60),
        }),
    };
    (app, settings.score_reports_bucket)
}

/// `POST` of an admin route as API Gateway hands it to the function.
async fn call(app: &App, operation: &str, email: &str, key: Option<&str>) -> (u16, Value) {
    let mut headers = BTreeMap::new();
    if let Some(key) = key {
        headers.insert("idempotency-key".to_owned(), key.to_owned());
    }
    let request = ApiRequest {
        path_params: BTreeMap::new(),
        query: BTreeMap::new(),
        headers,
        body: serde_json::to_vec(&json!({"email": email})).expect("JSON"),
    };
    let route = route(operation).expect("a route");
    let response = dispatch(app, &route, request).await;
    (response.status, response.body)
}

/// A paid purchase with a coupon use, and its access granted.
async fn paid_purchase(app: &App, email: &str, first: &str) -> (String, String) {
    let purchase_id = unique("pur_");
    let usage_id = format!("SAVE20#{}#1", canonical_key(email));
    let purchase = DiscountPurchase {
        purchase_id: purchase_id.clone(),
        email: email.into(),
        first_name: first.into(),
        coupon_usage_id: Some(usage_id.clone()),
        payment_intent_id: Some(unique("pi_")),
        paid_at: Some(Utc::now()),
        ..DiscountPurchase::example()
    };
    app.records.insert(&purchase).await.expect("stored");
    let usage = CouponUsage {
        usage_id: usage_id.clone(),
        email: email.into(),
        purchase_id: purchase_id.clone(),
        status: CouponUsageStatus::Confirmed,
        settled_at: Some(Utc::now()),
        ..CouponUsage::example()
    };
    app.records.insert(&usage).await.expect("stored");
    access::grant(
        app,
        &Grant {
            email,
            product: ProductId::Full6Months,
            campaign: CampaignId::DiscountPurchase,
            record_id: &purchase_id,
            member_id: None,
            payment_intent_id: purchase.payment_intent_id.as_deref(),
            starts_at: app.now(),
            months: 6,
        },
    )
    .await
    .expect("granted");
    (purchase_id, usage_id)
}

/// Every item of every table that contains `needle`, by table and key.
async fn holding(app: &App, needle: &str) -> BTreeMap<(Table, String), Value> {
    let mut found = BTreeMap::new();
    for table in Table::ALL {
        for item in app.records.store().scan(table).await.expect("scans") {
            if item.body.to_string().to_lowercase().contains(needle) {
                found.insert((table, item.key), item.body);
            }
        }
    }
    found
}

#[tokio::test]
async fn one_person_is_exported_and_erased_on_dynamodb_and_s3_and_nobody_else_changes() {
    let (app, bucket) = privacy_app().await;
    // Tables are shared by the tests of one moto server: every name here is
    // this run's own.
    let tag = unique("p").to_lowercase();
    let amira = format!("Amira.{tag}+exams@Example.com");
    let ben = format!("ben.{tag}@example.com");

    let (paid, usage) = paid_purchase(&app, &amira, "Amira").await;
    let (bens, _) = paid_purchase(&app, &ben, "Ben").await;
    let report = format!("score-reports/2026/12/{}.pdf", unique("rep_"));
    let sdk = sdk_config().await;
    S3::new(&sdk)
        .put_object()
        .bucket(&bucket)
        .key(&report)
        .body(ByteStream::from_static(b"%PDF-1.7 report"))
        .send()
        .await
        .expect("uploaded");
    let plan = PersonalizedPlan {
        plan_id: unique("plan_"),
        email: amira.to_lowercase(),
        score_report_key: Some(report.clone()),
        status: PlanStatus::PendingPayment,
        // Open records are kept a year from their creation.
        created_at: Utc::now(),
        payment_intent_id: None,
        activated_at: None,
        expires_at: None,
        ..PersonalizedPlan::example()
    };
    app.records.insert(&plan).await.expect("stored");
    let scholarship = Scholarship {
        scholarship_id: unique("sch_"),
        email: amira.clone(),
        created_at: Utc::now(),
        ..Scholarship::example()
    };
    app.records.insert(&scholarship).await.expect("stored");
    let mut team = Team::example();
    team.team_id = unique("team_");
    team.leader_email = ben.clone();
    team.members[0].email = ben.clone();
    team.members[1].email = amira.to_uppercase();
    team.members[1].name = "Amira Haddad".into();
    team.members[2].email = format!("ravi.{tag}@example.com");
    app.records.insert(&team).await.expect("stored");

    // Every personal record was written with its retention.
    let purchase_item = app
        .records
        .store()
        .get(Table::DiscountPurchases, &paid)
        .await
        .expect("reads")
        .expect("stored");
    let paid_at: chrono::DateTime<Utc> = purchase_item.body["paidAt"]
        .as_str()
        .expect("paidAt")
        .parse()
        .expect("an instant");
    assert_eq!(
        purchase_item.body["ttl"],
        json!(
            paid_at
                .checked_add_months(Months::new(60))
                .expect("in range")
                .timestamp()
        ),
        "a financial record, five years"
    );
    for (table, key) in [
        (Table::CouponUsage, usage.as_str()),
        (Table::PersonalizedPlans, plan.plan_id.as_str()),
        (Table::Scholarships, scholarship.scholarship_id.as_str()),
        (Table::Teams, team.team_id.as_str()),
    ] {
        let item = app
            .records
            .store()
            .get(table, key)
            .await
            .expect("reads")
            .expect("stored");
        assert!(item.body["ttl"].is_i64(), "{table:?} {key}: {}", item.body);
    }

    let hers = format!("amira.{tag}");
    let before = holding(&app, &hers).await;
    let others_before = holding(&app, &format!("ben.{tag}")).await;
    assert!(
        before.contains_key(&(Table::AccessGrants, format!("grant_{paid}"))),
        "{before:#?}"
    );
    assert!(
        before
            .keys()
            .any(|(table, _)| *table == Table::AccessEvents),
        "{before:#?}"
    );

    let (status, export) = call(&app, "exportPersonalData", &amira.to_lowercase(), None).await;
    assert_eq!(status, 200, "{export}");
    let mut exported: Vec<Value> = export["records"]
        .as_object()
        .expect("by table")
        .values()
        .flat_map(|records| records.as_array().expect("records").clone())
        .collect();
    let mut held: Vec<Value> = before.values().cloned().collect();
    exported.sort_by_key(Value::to_string);
    held.sort_by_key(Value::to_string);
    assert_eq!(exported, held, "every record of hers, whole");
    assert_eq!(export["scoreReports"], json!([report]));
    assert_eq!(export["outbox"], json!([]), "SES keeps no messages");

    let (status, erased) = call(&app, "erasePersonalData", &amira, Some(&unique("erase-"))).await;
    assert_eq!(status, 201, "{erased}");
    assert_eq!(erased["scoreReportsDeleted"], 1);
    let pseudonym = erased["pseudonym"]
        .as_str()
        .expect("a pseudonym")
        .to_owned();

    let left = holding(&app, &hers).await;
    assert!(left.is_empty(), "still hers: {left:#?}");
    assert!(
        !app.files.exists(&report).await.expect("exists"),
        "the report is deleted"
    );
    assert_eq!(
        app.records
            .get::<PersonalizedPlan>(&plan.plan_id)
            .await
            .expect("reads"),
        None,
        "an unpaid plan is deleted"
    );
    assert_eq!(
        app.records
            .get::<Scholarship>(&scholarship.scholarship_id)
            .await
            .expect("reads"),
        None
    );
    let kept = app
        .records
        .get::<DiscountPurchase>(&paid)
        .await
        .expect("reads")
        .expect("kept")
        .record;
    assert_eq!(
        (
            kept.email.as_str(),
            kept.first_name.as_str(),
            kept.final_price,
            kept.payment_intent_id.is_some()
        ),
        (
            pseudonym.as_str(),
            "Erased",
            DiscountPurchase::example().final_price,
            true
        )
    );
    let usage_id = kept.coupon_usage_id.expect("its coupon use");
    let moved = app
        .records
        .get::<CouponUsage>(&usage_id)
        .await
        .expect("reads")
        .expect("moved");
    assert_eq!(moved.record.email, pseudonym);
    assert_eq!(
        app.records.get::<CouponUsage>(&usage).await.expect("reads"),
        None
    );

    // Ben's records, his part of the team included, are as they were.
    let others_after = holding(&app, &format!("ben.{tag}")).await;
    assert_eq!(
        others_after.keys().collect::<Vec<_>>(),
        others_before.keys().collect::<Vec<_>>()
    );
    for (key, body) in &others_before {
        if key.0 != Table::Teams {
            assert_eq!(&others_after[key], body, "{key:?} changed");
        }
    }
    let kept_team = app
        .records
        .get::<Team>(&team.team_id)
        .await
        .expect("reads")
        .expect("kept")
        .record;
    assert_eq!(
        (
            &kept_team.leader_email,
            &kept_team.members[0],
            &kept_team.members[2]
        ),
        (&team.leader_email, &team.members[0], &team.members[2])
    );
    assert_eq!(
        (
            kept_team.members[1].email.as_str(),
            kept_team.members[1].name.as_str(),
            kept_team.members[1].status
        ),
        (pseudonym.as_str(), "Erased", MemberStatus::Paid)
    );
    assert!(
        app.records
            .get::<DiscountPurchase>(&bens)
            .await
            .expect("reads")
            .is_some(),
        "Ben's purchase"
    );

    let (status, again) = call(&app, "erasePersonalData", &amira, Some(&unique("erase-"))).await;
    assert_eq!((status, &again["tables"]), (201, &json!([])), "{again}");
}

#[tokio::test]
async fn the_sweep_removes_a_scholarships_sensitive_fields_90_days_after_its_decision() {
    let (app, _) = privacy_app().await;
    let decided = |days: i64| {
        let decided_at = Utc::now() - chrono::TimeDelta::days(days);
        Scholarship {
            scholarship_id: unique("sch_"),
            status: campaigns_contracts::records::ScholarshipStatus::Paid,
            created_at: decided_at,
            decided_at: Some(decided_at),
            payment_intent_id: Some(unique("pi_")),
            paid_at: Some(decided_at),
            reviewer_note: Some("Part-time work confirmed".into()),
            ..Scholarship::example()
        }
    };
    let (old, recent) = (decided(91), decided(10));
    app.records.insert(&old).await.expect("stored");
    app.records.insert(&recent).await.expect("stored");

    let swept = campaigns_app::privacy::redact_scholarships(&app, Utc::now())
        .await
        .expect("swept");
    assert!(swept.scholarships >= 1, "{swept:?}");

    let read = |id: String| {
        let app = &app;
        async move {
            app.records
                .get::<Scholarship>(&id)
                .await
                .expect("reads")
                .expect("kept")
                .record
        }
    };
    let redacted = read(old.scholarship_id.clone()).await;
    assert_eq!(
        (
            redacted.application.is_none(),
            redacted.statement.is_none(),
            redacted.reviewer_note.is_none(),
            redacted.calculation.components.is_empty()
        ),
        (true, true, true, true)
    );
    assert_eq!(
        (
            redacted.status,
            redacted.price,
            redacted.calculation.percentage,
            &redacted.payment_intent_id
        ),
        (
            old.status,
            old.price,
            old.calculation.percentage,
            &old.payment_intent_id
        )
    );
    assert_eq!(
        read(recent.scholarship_id.clone()).await,
        recent,
        "decided 10 days ago: whole"
    );
}
