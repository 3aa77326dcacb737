//! The business metrics as CloudWatch reads them: `campaigns serve` runs as a
//! child process, `campaigns demo` drives every journey against it, and a
//! buyer declines a card then backs out of the checkout. Every line of
//! serve's stdout that is an EMF document is checked against the EMF
//! specification (validator below), and the metrics against the journeys:
//! one per fact, the right dimensions and units, rates that can be computed.
//!
//! The EMF rules checked are those of AWS's "Embedded metric format
//! specification": a root `_aws` object with `Timestamp` (epoch milliseconds)
//! and `CloudWatchMetrics`, an array of directives each with a `Namespace`
//! string, `Dimensions` (an array of dimension sets, each at most 30 names)
//! and `Metrics` (at most 100, each a `Name` and a `Unit` of the allowed
//! list); every dimension a top-level string member; every metric a
//! top-level number (or array of at most 100 numbers).

mod process;

use std::collections::{BTreeMap, BTreeSet};

use campaigns_app::metrics::{self, NAMESPACE};
use campaigns_core::campaign::CampaignId;
use campaigns_local::client::{Client, text};
use process::{PATIENCE, Process, free_port};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "metrics-admin-token";

/// The units CloudWatch accepts (PutMetricData's StandardUnit).
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// What is wrong with `line` as an EMF document; empty when it is valid.
fn emf_violations(line: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(root) = line.as_object() else {
        return vec!["the document is not a JSON object".into()];
    };
    let Some(aws) = root.get("_aws").and_then(Value::as_object) else {
        return vec!["no _aws object".into()];
    };
    // Milliseconds since the epoch: after 2001 in seconds would be before
    // 1971 in milliseconds.
    match aws.get("Timestamp").and_then(Value::as_i64) {
        Some(ms) if ms > 1_000_000_000_000 => {}
        other => problems.push(format!("Timestamp {other:?} is not epoch milliseconds")),
    }
    let Some(directives) = aws.get("CloudWatchMetrics").and_then(Value::as_array) else {
        problems.push("CloudWatchMetrics is not an array".into());
        return problems;
    };
    if directives.is_empty() {
        problems.push("CloudWatchMetrics is empty".into());
    }
    for directive in directives {
        if directive["Namespace"].as_str().is_none_or(str::is_empty) {
            problems.push("a directive without a Namespace string".into());
        }
        match directive["Dimensions"].as_array() {
            Some(sets) => {
                for set in sets {
                    let Some(names) = set.as_array() else {
                        problems.push(format!("dimension set {set} is not an array"));
                        continue;
                    };
                    if names.len() > 30 {
                        problems.push(format!("dimension set {set} has over 30 dimensions"));
                    }
                    for name in names {
                        let value = name
                            .as_str()
                            .and_then(|name| root.get(name))
                            .and_then(Value::as_str);
                        if value.is_none_or(str::is_empty) {
                            problems.push(format!("dimension {name} is not a top-level string"));
                        }
                    }
                }
            }
            None => problems.push("Dimensions is not an array of arrays".into()),
        }
        match directive["Metrics"].as_array() {
            Some(defs) => {
                if defs.len() > 100 {
                    problems.push("over 100 metrics in a directive".into());
                }
                for def in defs {
                    let Some(name) = def["Name"].as_str().filter(|name| !name.is_empty()) else {
                        problems.push(format!("metric {def} has no Name"));
                        continue;
                    };
                    if !def["Unit"]
                        .as_str()
                        .is_some_and(|unit| UNITS.contains(&unit))
                    {
                        problems.push(format!(
                            "{name}: unit {} is not one CloudWatch allows",
                            def["Unit"]
                        ));
                    }
                    let value = &root.get(name);
                    let numeric = match value {
                        Some(Value::Number(_)) => true,
                        Some(Value::Array(values)) => {
                            values.len() <= 100 && values.iter().all(Value::is_number)
                        }
                        _ => false,
                    };
                    if !numeric {
                        problems.push(format!("metric {name} has no top-level number: {value:?}"));
                    }
                }
            }
            None => problems.push("Metrics is not an array".into()),
        }
    }
    problems
}

#[test]
fn the_validator_refuses_what_the_specification_refuses() {
    let valid = json!({
        "_aws": {"Timestamp": 1_700_000_000_000_i64, "CloudWatchMetrics": [{
            "Namespace": "N", "Dimensions": [["Campaign"]],
            "Metrics": [{"Name": "Paid", "Unit": "Count"}]}]},
        "Campaign": "mock-exam", "Paid": 1
    });
    assert_eq!(emf_violations(&valid), Vec::<String>::new());
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut line = valid.clone();
        change(&mut line);
        assert!(!emf_violations(&line).is_empty(), "{line} passed");
    };
    broken(&|line| line["_aws"]["Timestamp"] = json!(1_700_000_000));
    broken(&|line| line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Unit"] = json!("Dollars"));
    broken(&|line| line["Paid"] = json!("1"));
    broken(&|line| line["Campaign"] = json!(5));
    broken(&|line| {
        line.as_object_mut().expect("an object").remove("_aws");
    });
    broken(&|line| {
        let names: Vec<String> = (0..31).map(|n| format!("D{n}")).collect();
        for name in &names {
            line[name] = json!("x");
        }
        line["_aws"]["CloudWatchMetrics"][0]["Dimensions"] = json!([names]);
    });
}

/// The EMF documents serve printed.
fn emf_lines(log: &str) -> Vec<Value> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect()
}

/// The first metric a line of ours carries (the count, for a pair).
fn metric_of(line: &Value) -> &str {
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"]
        .as_str()
        .expect("a metric name")
}

/// Who a payment metric is about: record and member.
fn payee(line: &Value) -> (String, Option<String>) {
    (
        line["RecordId"].as_str().expect("a RecordId").to_owned(),
        line["MemberId"].as_str().map(str::to_owned),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demo_run_prints_valid_emf_for_every_business_fact() {
    let temp = tempfile::tempdir().expect("a temporary directory");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let data = temp.path().join("data");
    let mut serve = Process::start(
        &[
            "serve",
            "--port",
            &port.to_string(),
            "--data-dir",
            data.to_str().expect("UTF-8"),
        ],
        // Info logs too, to show the EMF lines are not also among the logs.
        &[("ADMIN_TOKEN", ADMIN_TOKEN), ("RUST_LOG", "info")],
        temp.path().join("serve.log"),
    );
    let http = reqwest::Client::new();
    serve.ready(&http, &format!("{base}/v1/openapi.json")).await;
    let started = chrono::Utc::now();

    let mut demo = Process::start(
        &["demo", "--url", &base, "--admin-token", ADMIN_TOKEN],
        &[],
        temp.path().join("demo.log"),
    );
    assert!(
        demo.exits().await.success(),
        "the demo failed:\n{}",
        demo.log()
    );

    // A buyer whose card is declined, who then backs out of the page.
    let client = Client::new(&format!("{base}/v1"), ADMIN_TOKEN).expect("a client");
    let stamp = started.timestamp_millis();
    let created = client
        .post(
            "/purchases/create",
            &json!({"email": format!("kai.{stamp}@example.com"), "firstName": "Kai",
                    "lastName": "Ito", "productId": "standard-3months"}),
            &[],
            201,
        )
        .await
        .expect("a purchase");
    let declined = text(&created, "/purchaseId").expect("an id");
    let page = text(&created, "/checkout/checkoutUrl").expect("a checkout page");
    let manual = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let answer = manual
        .post(format!("{page}/decline"))
        .send()
        .await
        .expect("declined");
    assert!(answer.status().is_redirection() || answer.status().is_success());
    let back = manual
        .post(format!("{page}/cancel"))
        .send()
        .await
        .expect("cancelled");
    let cancel_link = back.headers()["location"]
        .to_str()
        .expect("a link")
        .to_owned();
    let cancelled = manual
        .get(&cancel_link)
        .send()
        .await
        .expect("the cancel link");
    assert!(
        cancelled.status().is_redirection(),
        "{}",
        cancelled.status()
    );
    let token = text(&created, "/accessToken").expect("a token");
    client
        .until_status(&format!("/purchases/{declined}"), &token, "expired")
        .await
        .expect("the purchase expires");

    // A purchase paid through a session it never opened (0.50 USD), its
    // metadata naming the purchase: held for review.
    let created = client
        .post(
            "/purchases/create",
            &json!({"email": format!("ines.{stamp}@example.com"), "firstName": "Ines",
                    "lastName": "Costa", "productId": "standard-3months"}),
            &[],
            201,
        )
        .await
        .expect("a purchase");
    let held = text(&created, "/purchaseId").expect("an id");
    let mut form = vec![
        ("mode".to_owned(), "payment".to_owned()),
        (
            "line_items[0][price_data][currency]".to_owned(),
            "usd".to_owned(),
        ),
        (
            "line_items[0][price_data][unit_amount]".to_owned(),
            "50".to_owned(),
        ),
        (
            "line_items[0][price_data][product_data][name]".to_owned(),
            "Anything".to_owned(),
        ),
        ("line_items[0][quantity]".to_owned(), "1".to_owned()),
    ];
    for (key, value) in [
        ("campaignId", "discount-purchase"),
        ("recordId", held.as_str()),
    ] {
        form.push((format!("metadata[{key}]"), value.to_owned()));
        form.push((
            format!("payment_intent_data[metadata][{key}]"),
            value.to_owned(),
        ));
    }
    let session: Value = http
        .post(format!("{base}/stripe/v1/checkout/sessions"))
        .bearer_auth("sk_test_simulator")
        .form(&form)
        .send()
        .await
        .expect("the simulator answers")
        .json()
        .await
        .expect("a session");
    let page = text(&session, "/url").expect("a checkout page");
    let paid = manual
        .post(format!("{page}/pay"))
        .send()
        .await
        .expect("paid");
    assert!(paid.status().is_redirection() || paid.status().is_success());
    let token = text(&created, "/accessToken").expect("a token");
    client
        .until_status(&format!("/purchases/{held}"), &token, "payment_review")
        .await
        .expect("the purchase is held for review");

    // Every line is valid EMF, in our namespace, as the code defines it.
    let deadline = std::time::Instant::now() + PATIENCE;
    let lines = loop {
        let lines = emf_lines(&serve.log());
        let seen = |name: &str, record: &str| {
            lines
                .iter()
                .any(|line| metric_of(line) == name && line["RecordId"] == record)
        };
        if seen("CheckoutExpired", &declined)
            && seen("PaymentFailed", &declined)
            && seen("PaymentHeldForReview", &held)
        {
            break lines;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no metrics for {declined}:\n{}",
            serve.log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let log = serve.log();
    let mentions = log.lines().filter(|line| line.contains("_aws")).count();
    assert_eq!(
        mentions,
        lines.len(),
        "each EMF line is printed once, as JSON"
    );
    assert!(
        log.lines()
            .any(|line| line.contains("ERROR") && line.contains("payment_mismatch")),
        "serve's own logs are printed beside them:\n{log}"
    );
    let defs: BTreeMap<&str, &metrics::MetricDef> =
        metrics::ALL.iter().map(|def| (def.name, def)).collect();
    for line in &lines {
        assert_eq!(emf_violations(line), Vec::<String>::new(), "{line}");
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE, "{line}");
        for metric in directive["Metrics"].as_array().expect("metrics") {
            let name = metric["Name"].as_str().expect("a name");
            let def = defs
                .get(name)
                .unwrap_or_else(|| panic!("{name} is not in metrics::ALL"));
            assert_eq!(metric["Unit"], def.unit.as_str(), "{line}");
            assert_eq!(directive["Dimensions"], json!([def.dimensions]), "{line}");
        }
        let at = line["_aws"]["Timestamp"].as_i64().expect("a timestamp");
        assert!(
            at >= started.timestamp_millis() - 1000 && at <= chrono::Utc::now().timestamp_millis(),
            "stamped by serve's clock during the run: {line}"
        );
    }
    let named = |name: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|line| metric_of(line) == name)
            .collect()
    };

    // Conversion: every payment succeeded had its checkout started, once
    // each, and every campaign converted at least once in the demo.
    let started_by: BTreeSet<_> = named("CheckoutStarted").into_iter().map(payee).collect();
    assert_eq!(
        started_by.len(),
        named("CheckoutStarted").len(),
        "one start per payee"
    );
    let paid = named("PaymentSucceeded");
    let paid_by: BTreeSet<_> = paid.iter().copied().map(payee).collect();
    assert_eq!(paid_by.len(), paid.len(), "one success per payee");
    assert!(paid_by.is_subset(&started_by), "{paid_by:?} all started");
    for campaign in CampaignId::ALL {
        assert!(
            paid.iter()
                .any(|line| line["Campaign"] == campaign.as_str()),
            "{campaign} converted"
        );
    }
    let team_shares = paid
        .iter()
        .filter(|line| line["Campaign"] == "team-creation")
        .count();
    assert_eq!(team_shares, 3, "each of the demo team's three shares");

    // The declined buyer: one start, one failure, one expiry, no success.
    let about = |name: &str| {
        named(name)
            .into_iter()
            .filter(|line| line["RecordId"] == declined.as_str())
            .count()
    };
    assert_eq!(
        [
            about("CheckoutStarted"),
            about("PaymentFailed"),
            about("CheckoutExpired"),
            about("PaymentSucceeded")
        ],
        [1, 1, 1, 0]
    );
    let failed = named("PaymentFailed");
    assert!(
        failed[0]["StripeEventId"]
            .as_str()
            .is_some_and(|id| id.starts_with("evt_"))
    );

    let review = named("PaymentHeldForReview");
    assert_eq!(review.len(), 1, "{review:?}");
    assert_eq!(
        (
            review[0]["Campaign"].as_str(),
            review[0]["RecordId"].as_str()
        ),
        (Some("discount-purchase"), Some(held.as_str()))
    );
    assert!(
        !paid_by.contains(&(held.clone(), None)),
        "a payment held for review is no success"
    );

    // The coupon: counted with its code as a property, not a dimension,
    // and the discount in dollars (20 % off $199).
    let coupons = named("CouponRedeemed");
    assert_eq!(coupons.len(), 1, "{coupons:?}");
    assert!(
        coupons[0]["CouponCode"]
            .as_str()
            .is_some_and(|code| code.starts_with("DEMO"))
    );
    assert_eq!(coupons[0]["CouponDiscountAmount"], json!(39.8));
    assert_eq!(coupons[0]["Campaign"], "discount-purchase");

    // Registrations by tier: the free seat at once, the premium one once paid.
    let tiers: Vec<_> = named("MockExamRegistered")
        .iter()
        .map(|line| line["Tier"].as_str().expect("a tier").to_owned())
        .collect();
    assert_eq!(tiers, ["free", "premium"]);

    // Scholarships: each application's percentage, and again when approved.
    let percentages = |name: &str| -> BTreeMap<String, Value> {
        named(name)
            .into_iter()
            .map(|line| (payee(line).0, line[metric_key(name)].clone()))
            .collect()
    };
    let applied = percentages("ScholarshipApplied");
    let approved = percentages("ScholarshipApproved");
    assert_eq!(applied, approved, "both demo applications were approved");
    let mut values: Vec<_> = applied.values().cloned().collect();
    values.sort_by_key(|value| value.as_u64());
    assert_eq!(values, [json!(25), json!(65)]);
}

/// The percentage member that accompanies each scholarship count.
fn metric_key(count: &str) -> &'static str {
    match count {
        "ScholarshipApplied" => "ScholarshipPercentage",
        _ => "ApprovedScholarshipPercentage",
    }
}
