//! `kill -9` of `campaigns serve` in the middle of journeys, then a restart on
//! the same data directory: every journey completes, and none does anything
//! twice — one payment per purchase, one capture per team share, one email
//! of each kind, coupon uses counted once, one access grant per customer,
//! each told to the platform once, one execution per journey.
//!
//! The real binary runs as a child process; the journeys are driven over
//! HTTP only, with the client `campaigns demo` uses.

use std::collections::BTreeMap;
mod process;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use campaigns_local::client::{Client, Created, text};
use campaigns_local::demo::{SCORE_REPORT_PDF, score_report};
use campaigns_records::sqlite::SqliteStore;
use campaigns_records::{SystemClock, Table};
use process::{Process, eventually, free_port};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "restart-admin-token";
const STRIPE_KEY: &str = "sk_test_restart";
const WEBHOOK_SECRET: &str = "whsec_restart";

/// Life `life` of `campaigns serve` on `data`, its output in a log beside it.
fn serve(data: &Path, port: u16, life: u32) -> Process {
    let data_dir = data.to_str().expect("a UTF-8 path");
    Process::start(
        &["serve", "--port", &port.to_string(), "--data-dir", data_dir],
        &[
            ("ADMIN_TOKEN", ADMIN_TOKEN),
            ("STRIPE_SECRET_KEY", STRIPE_KEY),
            ("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
        data.with_extension(format!("serve-{life}.log")),
    )
}

/// What the test needs beyond the customer's client: the simulator's and
/// the Step Functions endpoint's own APIs.
struct Operator {
    http: reqwest::Client,
    base: String,
}

impl Operator {
    async fn stripe(&self, method: reqwest::Method, path: &str) -> Value {
        let response = self
            .http
            .request(method, format!("{}/stripe{path}", self.base))
            .bearer_auth(STRIPE_KEY)
            .send()
            .await
            .expect("the simulator answers");
        assert!(response.status().is_success(), "{path}: {response:?}");
        let text = response.text().await.expect("a body");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    async fn sfn(&self, operation: &str, input: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/sfn", self.base))
            .header("X-Amz-Target", format!("AWSStepFunctions.{operation}"))
            .header("Content-Type", "application/x-amz-json-1.0")
            .body(input.to_string())
            .send()
            .await
            .expect("/sfn answers");
        let status = response.status();
        let body: Value = response.json().await.expect("JSON");
        assert!(status.is_success(), "{operation}: {body}");
        body
    }

    async fn history(&self, machine: &str, record: &str) -> Vec<Value> {
        let arn = format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{record}");
        let body = self
            .sfn(
                "GetExecutionHistory",
                json!({"executionArn": arn, "maxResults": 1000}),
            )
            .await;
        body["events"].as_array().cloned().unwrap_or_default()
    }

    /// Every execution of `machine`: name and status.
    async fn executions(&self, machine: &str) -> Vec<(String, String)> {
        let arn = format!("arn:aws:states:us-east-1:123456789012:stateMachine:{machine}");
        let body = self
            .sfn(
                "ListExecutions",
                json!({"stateMachineArn": arn, "maxResults": 1000}),
            )
            .await;
        body["executions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                (
                    e["name"].as_str().unwrap_or_default().to_owned(),
                    e["status"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }
}

/// Starts life `life` of the server on `data` and signs the client in to
/// its console again (a session does not outlive the process).
async fn start_life(
    data: &Path,
    port: u16,
    life: u32,
    op: &Operator,
    client: &mut Client,
) -> Process {
    let mut serve = serve(data, port, life);
    serve
        .ready(&op.http, &format!("{}/v1/openapi.json", op.base))
        .await;
    client.console_sign_in().await.expect("console sign-in");
    serve
}

/// Waits until `record`, read at `collection/<id>`, has `status`; its body.
async fn until(
    client: &Client,
    serve: &Process,
    collection: &str,
    record: &Created,
    status: &str,
) -> Value {
    let path = format!("{collection}/{}", record.id);
    client
        .until_status(&path, &record.token, status)
        .await
        .unwrap_or_else(|e| panic!("{e:#}\nserve's log:\n{}", serve.log()))
}

/// The member invited at `email` opens the invitation and pays their share.
async fn member_pays(client: &Client, team: &Created, email: &str) {
    let invitation = client
        .email_arrives(email, "team_invitation")
        .await
        .expect("invitation");
    client
        .pay_invitation(&team.id, &invitation)
        .await
        .expect("the member pays");
}

fn templates(sent: &[(String, String)]) -> BTreeMap<String, usize> {
    let mut counted = BTreeMap::new();
    for (_, template) in sent {
        *counted.entry(template.clone()).or_default() += 1;
    }
    counted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_cut_by_kill_9_complete_once_after_a_restart() {
    let started = Instant::now();
    let temp = tempfile::tempdir().expect("a temporary directory");
    let data = temp.path().join("data");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let op = Operator {
        http: reqwest::Client::new(),
        base: base.clone(),
    };
    let stamp = chrono::Utc::now().timestamp_millis();
    let email = |who: &str| format!("{who}.{stamp}@example.com");

    // --- first life: every journey is taken to its middle -----------------
    let mut client = Client::new(&format!("{base}/v1"), ADMIN_TOKEN).expect("a client");
    let serve = start_life(&data, port, 1, &op, &mut client).await;
    // Stripe keeps its webhooks: payments made now are delivered only after
    // the restart.
    op.stripe(reqwest::Method::POST, "/_sim/webhooks/hold")
        .await;

    // A coupon purchase, paid.
    let code = format!("RESTART{stamp}");
    client.create_coupon(&code, 5).await.expect("coupon");
    let buyer = email("lena");
    let purchase = client
        .create_purchase(&buyer, "full-6months", &code, &format!("restart-{stamp}"))
        .await
        .expect("purchase");
    client.pay_for(&purchase).await.expect("pay");

    // A personalized plan, paid.
    let planner = email("sam");
    let key = client
        .upload_report("report.pdf", SCORE_REPORT_PDF.to_vec())
        .await
        .expect("upload");
    let plan = client
        .create_plan(&planner, &score_report(), &key)
        .await
        .expect("plan");
    client.pay_for(&plan).await.expect("pay");

    // A team of three: the leader and one member authorize their shares; the
    // other member will pay after the restart.
    let leader = email("leader");
    let members = [
        ("Jane Smith".to_owned(), email("jane")),
        ("Ravi Patel".to_owned(), email("ravi")),
    ];
    let team = client.create_team(&leader, &members).await.expect("team");
    client.pay_for(&team).await.expect("pay");
    member_pays(&client, &team, &members[0].1).await;

    // A scholarship application that waits for a reviewer (a task token).
    let applicant = email("omar");
    let scholarship = client
        .apply_scholarship(
            &applicant,
            &json!({
                "householdIncome": 42000,
                "householdSize": 3,
                "country": "Egypt",
                "employmentStatus": "part-time",
                "latestExamScore": 58.0
            }),
        )
        .await
        .expect("application");
    eventually("the application waits for a reviewer", || async {
        let history = op.history("scholarship-application", &scholarship.id).await;
        let entered_review = history.iter().any(|e| {
            e["type"] == "TaskStateEntered"
                && e["stateEnteredEventDetails"]["name"] == "WaitForReview"
        });
        entered_review && history.last().is_some_and(|e| e["type"] == "TaskSubmitted")
    })
    .await;

    // A mock exam: a premium seat paid, and a free registration made just
    // before the kill, its journey cut wherever it is.
    let exam = client
        .create_exam(
            &format!("Restart mock exam {stamp}"),
            chrono::Utc::now() + chrono::TimeDelta::days(3),
            50,
        )
        .await
        .expect("exam");
    let exam_id = text(&exam, "/mockExamId").unwrap();
    let premium_email = email("noah");
    let premium = client
        .register_for_exam(&exam_id, &premium_email, "premium")
        .await
        .expect("premium registration");
    client.pay_for(&premium).await.expect("pay");

    // Where things stand: five payments made, their webhooks owed.
    let webhooks = op.stripe(reqwest::Method::GET, "/_sim/webhooks").await;
    assert_eq!(webhooks["held"], true);
    let owed = webhooks["pending"].as_u64().unwrap_or_default();
    assert!(owed >= 10, "two events per payment are owed: {webhooks}");
    let pending = client
        .get(
            &format!("/purchases/{}", purchase.id),
            &[("X-Access-Token", &purchase.token)],
        )
        .await
        .unwrap();
    assert_eq!(pending["status"], "pending_payment");

    let free_email = email("priya");
    let free = client
        .register_for_exam(&exam_id, &free_email, "free")
        .await
        .expect("free registration");
    serve.kill();
    let first_life = started.elapsed();

    // --- second life on the same data directory --------------------------
    let serve = start_life(&data, port, 2, &op, &mut client).await;

    // The owed webhooks arrive by themselves: the paid journeys complete.
    let paid = until(&client, &serve, "/purchases", &purchase, "paid").await;
    assert_eq!(paid["couponCode"], code.as_str());
    until(&client, &serve, "/personalized-plans", &plan, "active").await;
    for registration in [&premium, &free] {
        let collection = "/mock-exams/registrations";
        until(&client, &serve, collection, registration, "registered").await;
    }

    // The last member pays, and the server is killed again soon after,
    // while the webhook, the hand-over to the team's execution, the captures
    // of the three shares or the activation emails are in flight. A third
    // life finishes them.
    member_pays(&client, &team, &members[1].1).await;
    // A different instant on each run (0-149 ms after the payment): each run
    // cuts the hand-over somewhere else.
    let cut = Duration::from_millis(stamp.unsigned_abs() % 150);
    tokio::time::sleep(cut).await;
    serve.kill();
    let serve = start_life(&data, port, 3, &op, &mut client).await;
    let activated = until(&client, &serve, "/teams", &team, "fully_paid").await;
    assert!(
        activated["members"]
            .as_array()
            .is_some_and(|m| m.len() == 3 && m.iter().all(|m| m["status"] == "paid")),
        "{activated}"
    );

    // The reviewer approves; the applicant pays.
    let reviewed = client
        .review_scholarship(&scholarship.id, "approve")
        .await
        .expect("review");
    assert_eq!(reviewed["status"], "approved");
    let url = client
        .checkout(
            "scholarship-application",
            &scholarship.id,
            &scholarship.token,
        )
        .await
        .expect("checkout");
    client.pay(&url).await.expect("pay");
    until(&client, &serve, "/scholarships", &scholarship, "paid").await;

    // --- none twice ---------------------------------------------------------
    // One execution per journey, each succeeded (so no step runs any more).
    let journeys = [
        ("discount-purchase", vec![purchase.id.clone()]),
        ("personalized-plan", vec![plan.id.clone()]),
        ("team-creation", vec![team.id.clone()]),
        ("scholarship-application", vec![scholarship.id.clone()]),
        (
            "mock-exam-registration",
            vec![premium.id.clone(), free.id.clone()],
        ),
    ];
    for (machine, records) in &journeys {
        eventually(&format!("{machine} executions succeed"), || async {
            let executions = op.executions(machine).await;
            executions.len() == records.len()
                && executions
                    .iter()
                    .all(|(name, status)| records.contains(name) && status == "SUCCEEDED")
        })
        .await;
        for record in records {
            let history = op.history(machine, record).await;
            let ends = history
                .iter()
                .filter(|e| e["type"] == "ExecutionSucceeded")
                .count();
            assert_eq!(ends, 1, "{machine} {record}");
            let ids: Vec<u64> = history.iter().filter_map(|e| e["id"].as_u64()).collect();
            assert_eq!(
                ids,
                (1..=ids.len() as u64).collect::<Vec<_>>(),
                "{machine} {record}: history ids"
            );
        }
    }

    // Every owed webhook was delivered.
    eventually("no webhook is owed", || async {
        op.stripe(reqwest::Method::GET, "/_sim/webhooks").await["pending"] == 0
    })
    .await;

    // Stripe: one completed checkout per payment, one capture per share.
    let events = op.stripe(reqwest::Method::GET, "/v1/events").await;
    let events = events["data"].as_array().cloned().unwrap_or_default();
    let count = |kind: &str, record: &str| {
        events
            .iter()
            .filter(|e| e["type"] == kind && e["data"]["object"]["metadata"]["recordId"] == record)
            .count()
    };
    for record in [&purchase.id, &plan.id, &scholarship.id, &premium.id] {
        assert_eq!(count("checkout.session.completed", record), 1, "{record}");
        assert_eq!(count("payment_intent.succeeded", record), 1, "{record}");
    }
    assert_eq!(count("checkout.session.completed", &team.id), 3);
    assert_eq!(
        count("payment_intent.amount_capturable_updated", &team.id),
        3
    );
    assert_eq!(count("payment_intent.succeeded", &team.id), 3, "captures");
    assert_eq!(count("payment_intent.canceled", &team.id), 0);
    assert_eq!(count("charge.refunded", &purchase.id), 0);

    // The coupon was used once.
    let coupon = client.coupon(&code).await.expect("coupon");
    assert_eq!(coupon["usageCount"], 1, "{coupon}");

    // One email of each kind to each customer, but where a kill may have cut
    // the send: emails are at-least-once across a crash (a send step whose
    // result was not yet saved runs again; docs/decisions.md), so those may
    // arrive twice, never more and never not at all.
    const ONCE: bool = false;
    const CUT_BY_A_KILL: bool = true;
    let expected: [(&str, &str, bool); 11] = [
        (&buyer, "purchase_confirmation", ONCE),
        (&planner, "plan_activated", ONCE),
        (&leader, "team_activated", CUT_BY_A_KILL),
        (&members[0].1, "team_invitation", ONCE),
        (&members[0].1, "team_activated", CUT_BY_A_KILL),
        (&members[1].1, "team_invitation", ONCE),
        (&members[1].1, "team_activated", CUT_BY_A_KILL),
        (&applicant, "scholarship_received", ONCE),
        (&applicant, "scholarship_approved", ONCE),
        (&premium_email, "mock_exam_registration", ONCE),
        (&free_email, "mock_exam_registration", CUT_BY_A_KILL),
    ];
    let mut sent_to: BTreeMap<&str, BTreeMap<String, usize>> = BTreeMap::new();
    for (to, _, _) in expected {
        if !sent_to.contains_key(to) {
            let sent = templates(&client.emails_to(to).await.expect("emails"));
            sent_to.insert(to, sent);
        }
    }
    for (to, template, may_repeat) in expected {
        let sent = &sent_to[to];
        let count = sent.get(template).copied().unwrap_or(0);
        let allowed = if may_repeat { 1..=2 } else { 1..=1 };
        assert!(
            allowed.contains(&count),
            "{template} to {to}: {count} sent, expected {allowed:?}: {sent:?}"
        );
    }
    // Any other email (the leader's team_created, say) was sent exactly once.
    for (to, sent) in &sent_to {
        for (template, count) in sent {
            let listed = expected
                .iter()
                .any(|(t, name, _)| t == to && name == template);
            assert!(
                listed || *count == 1,
                "{template} sent {count} times to {to}"
            );
        }
    }

    // --- the records, read from the file after a last kill -----------------
    serve.kill();
    let records =
        SqliteStore::open(&data.join("records.db"), Arc::new(SystemClock)).expect("records.db");
    let grants = records
        .list(Table::AccessGrants, 10_000)
        .await
        .expect("access grants");
    let mut per_email: BTreeMap<String, usize> = BTreeMap::new();
    for grant in &grants {
        assert_eq!(grant.body["status"], "active", "{}", grant.body);
        *per_email
            .entry(grant.body["email"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    for paid_for in [
        &buyer,
        &planner,
        &leader,
        &members[0].1,
        &members[1].1,
        &applicant,
    ] {
        assert_eq!(
            per_email.get(paid_for.as_str()),
            Some(&1),
            "access grants: {per_email:?}"
        );
    }
    assert!(
        per_email.values().all(|n| *n == 1),
        "access granted twice: {per_email:?}"
    );
    // Every grant was told to the main platform, however its process died:
    // one AccessGranted each in the data directory, and nothing still owed.
    let mut told: Vec<String> = campaigns_local::access_events::list(&data.join("access-events"))
        .expect("the access events list")
        .into_iter()
        .map(|event| event.detail.event_id)
        .collect();
    told.sort();
    let mut granted: Vec<String> = grants
        .iter()
        .map(|grant| {
            format!(
                "{}.granted",
                grant.body["grantId"].as_str().unwrap_or_default()
            )
        })
        .collect();
    granted.sort();
    assert_eq!(told, granted);
    let owed = records
        .list(Table::AccessEvents, 10_000)
        .await
        .expect("owed access events");
    assert!(owed.is_empty(), "{owed:?}");
    let uses: Vec<Value> = records
        .list(Table::CouponUsage, 10_000)
        .await
        .expect("coupon uses")
        .into_iter()
        .map(|item| item.body)
        .filter(|use_| use_["couponCode"] == code.as_str())
        .collect();
    assert_eq!(uses.len(), 1, "{uses:?}");
    assert_eq!(uses[0]["status"], "confirmed");

    eprintln!(
        "first life {first_life:?}, second kill {cut:?} after the last share, whole test {:?}",
        started.elapsed()
    );
}
