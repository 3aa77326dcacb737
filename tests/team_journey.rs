//! The team journey end to end on the embedded default: over HTTP, through
//! the Stripe simulator's checkout page (manual capture) and signed
//! webhooks, on the ASL engine running `workflows/definitions/team-creation.asl.json`.

use std::time::Duration;

use campaigns_contracts::records::{
    AccessGrant, AccessGrantStatus, MemberStatus, PaymentWait, Team, TeamStatus,
};
use campaigns_core::money::Cents;
use campaigns_tests::{Product, capture_emf, emf_about};
use chrono::{DateTime, Months, TimeDelta, Utc};
use serde_json::{Value, json};

const JOURNEY: &str = "team-creation";
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// A team led by leader@example.com with these others.
fn team_request(others: &[(&str, &str)]) -> Value {
    let members: Vec<Value> = others
        .iter()
        .map(|(name, email)| json!({"name": name, "email": email}))
        .collect();
    json!({
        "leaderEmail": "leader@Example.com",
        "leaderFirstName": "John",
        "leaderLastName": "Doe",
        "country": "Australia",
        "members": members
    })
}

const JANE: (&str, &str) = ("Jane Smith", "jane@example.com");
const RAVI: (&str, &str) = ("Ravi Patel", "ravi@example.com");
const LEADER: &str = "leader@example.com";

/// A created team as the leader sees it.
struct Created {
    team_id: String,
    token: String,
    checkout_url: String,
    member_ids: Vec<String>,
    body: Value,
}

async fn create_team(product: &Product, others: &[(&str, &str)]) -> Created {
    let (status, body) = product
        .post("/teams/create", &team_request(others), &[])
        .await;
    assert_eq!(status, 201, "{body}");
    let text = |pointer: &str| {
        body.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{pointer} in {body}"))
            .to_owned()
    };
    Created {
        team_id: text("/teamId"),
        token: text("/accessToken"),
        checkout_url: text("/checkout/checkoutUrl"),
        member_ids: body["members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|member| member["memberId"].as_str().expect("a member id").to_owned())
            .collect(),
        body,
    }
}

async fn team(product: &Product, team_id: &str) -> Team {
    product.record::<Team>(team_id).await
}

/// The pay link in the latest `template` email to `to`: the member it pays
/// for and the token it carries. It goes to the frontend, never to Stripe.
fn pay_link(product: &Product, template: &str, to: &str) -> (String, String) {
    let outbox = &product.embedded.outbox;
    let entry = outbox
        .list()
        .expect("the outbox lists")
        .into_iter()
        .find(|entry| {
            entry.template.map(|t| t.to_string()).as_deref() == Some(template) && entry.to == to
        })
        .unwrap_or_else(|| panic!("no {template} email to {to}"));
    let email = outbox.read(&entry.id).expect("the email reads");
    assert!(
        !email.text.contains("/stripe/") && !email.text.contains("cs_test_"),
        "emails never link to a session: {}",
        email.text
    );
    let link = email
        .text
        .split_whitespace()
        .find(|word| word.starts_with("http") && word.contains("/pay?"))
        .unwrap_or_else(|| panic!("no pay link in {}", email.text));
    let url = reqwest::Url::parse(link).expect("a URL");
    assert!(
        url.as_str()
            .starts_with(&format!("{}/app/pay?", product.embedded.base_url))
    );
    let query = |key: &str| {
        url.query_pairs()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.into_owned())
            .unwrap_or_else(|| panic!("{key} in {url}"))
    };
    assert_eq!(query("campaignId"), "team-creation");
    (query("memberId"), query("token"))
}

/// What the pay page does: asks for the member's checkout.
async fn member_checkout(
    product: &Product,
    team_id: &str,
    member_id: &str,
    token: &str,
) -> (u16, Value) {
    product
        .post(
            &format!("/teams/{team_id}/members/{member_id}/checkout"),
            &json!({}),
            &[("X-Access-Token", token)],
        )
        .await
}

/// The member opens the invitation's link and pays (authorizes) the share.
async fn pay_invitation(product: &Product, team_id: &str, to: &str) -> String {
    let (member_id, token) = pay_link(product, "team_invitation", to);
    let (status, session) = member_checkout(product, team_id, &member_id, &token).await;
    assert_eq!(status, 200, "{session}");
    product
        .checkout_action(session["checkoutUrl"].as_str().expect("a URL"), "pay")
        .await;
    member_id
}

async fn invitations_sent(product: &Product, others: usize) {
    product
        .eventually("the welcome emails are sent", || async {
            product.recipients("team_created").len() == 1
                && product.recipients("team_invitation").len() == others
        })
        .await;
}

async fn authorized(product: &Product, team_id: &str, member_id: &str) {
    product
        .eventually("the share is recorded as authorized", || async {
            team(product, team_id).await.members.iter().any(|m| {
                m.member_id.as_deref() == Some(member_id) && m.status == MemberStatus::Authorized
            })
        })
        .await;
}

/// A PaymentIntent as the simulator holds it.
async fn intent(product: &Product, payment_intent: &str) -> Value {
    stripe_get(product, &format!("payment_intents/{payment_intent}")).await
}

async fn stripe_get(product: &Product, path: &str) -> Value {
    let response = product
        .http
        .get(format!("{}/stripe/v1/{path}", product.embedded.base_url))
        .bearer_auth("sk_test_simulator")
        .send()
        .await
        .expect("the simulator answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("JSON")
}

async fn grant(product: &Product, team_id: &str, member_id: &str) -> Option<AccessGrant> {
    product
        .records()
        .get::<AccessGrant>(&format!("grant_{team_id}_{member_id}"))
        .await
        .expect("reads")
        .map(|found| found.record)
}

fn waits_completed(product: &Product, execution_arn: &str) -> usize {
    product
        .embedded
        .engine
        .get_execution_history(execution_arn)
        .expect("a history")
        .iter()
        .filter(|event| {
            event.event_type == "TaskSucceeded"
                && event.details["resource"] == "invoke.waitForTaskToken"
        })
        .count()
}

fn now(product: &Product) -> DateTime<Utc> {
    product.embedded.time.now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_team_of_three_authorizes_and_is_captured_together() {
    let product = Product::start().await;
    let started = now(&product);
    let created = create_team(&product, &[JANE, RAVI]).await;
    let body = &created.body;
    assert!(created.team_id.starts_with("team_"), "{body}");
    assert_eq!(
        (
            &body["status"],
            &body["totalAmount"],
            &body["pricePerMember"]
        ),
        (&json!("pending_payment"), &json!(299), &json!(99.67))
    );
    let shares: Vec<&Value> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["shareAmount"])
        .collect();
    assert_eq!(shares, [&json!(99.67), &json!(99.67), &json!(99.66)]);
    let emails: Vec<&Value> = body["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["email"])
        .collect();
    assert_eq!(
        emails,
        [&json!(LEADER), &json!(JANE.1), &json!(RAVI.1)],
        "the leader first"
    );
    assert!(created.member_ids.iter().all(|id| id.starts_with("mem_")));
    let deadline: DateTime<Utc> = serde_json::from_value(body["paymentDeadline"].clone()).unwrap();
    assert_eq!(deadline, started + TimeDelta::days(6));

    let stored = team(&product, &created.team_id).await;
    assert_eq!(stored.status, TeamStatus::PendingPayment);
    assert_eq!(
        stored.members[0].stripe_checkout_session_id.as_deref(),
        body["checkout"]["sessionId"].as_str(),
        "the leader's session is the team's first"
    );
    let (status, read) = product
        .get(&format!("/teams/{}", created.team_id), Some(&created.token))
        .await;
    assert_eq!((status, &read["status"]), (200, &json!("pending_payment")));

    invitations_sent(&product, 2).await;
    assert_eq!(product.recipients("team_created"), [LEADER]);
    assert_eq!(product.recipients("team_invitation"), [JANE.1, RAVI.1]);
    pay_link(&product, "team_created", LEADER);

    product.checkout_action(&created.checkout_url, "pay").await;
    let jane = pay_invitation(&product, &created.team_id, JANE.1).await;
    authorized(&product, &created.team_id, &created.member_ids[0]).await;
    authorized(&product, &created.team_id, &jane).await;
    let waiting = team(&product, &created.team_id).await;
    assert_eq!(waiting.status, TeamStatus::PendingPayment);
    let held = intent(
        &product,
        waiting.members[0]
            .stripe_payment_intent_id
            .as_deref()
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            &held["status"],
            &held["amount_capturable"],
            &held["amount_received"]
        ),
        (&json!("requires_capture"), &json!(9967), &json!(0)),
        "nothing is captured until the team is complete"
    );

    pay_invitation(&product, &created.team_id, RAVI.1).await;
    let finished = product.succeeded(JOURNEY, &created.team_id).await;
    assert_eq!(waits_completed(&product, &finished.execution_arn), 3);

    let paid = team(&product, &created.team_id).await;
    assert_eq!(paid.status, TeamStatus::FullyPaid);
    let activated_at = paid.activated_at.expect("activated");
    assert_eq!(
        paid.expires_at,
        activated_at.checked_add_months(Months::new(6))
    );
    let mut captured = 0;
    for (member, cents) in paid.members.iter().zip([9967, 9967, 9966]) {
        assert_eq!(member.status, MemberStatus::Paid, "{member:?}");
        let payment_intent = member
            .stripe_payment_intent_id
            .as_deref()
            .expect("a PaymentIntent");
        let pi = intent(&product, payment_intent).await;
        assert_eq!(
            (&pi["status"], &pi["amount_received"]),
            (&json!("succeeded"), &json!(cents))
        );
        captured += pi["amount_received"].as_i64().unwrap();

        let member_id = member.member_id.as_deref().unwrap();
        let access = grant(&product, &paid.team_id, member_id)
            .await
            .expect("access granted");
        assert_eq!(access.status, AccessGrantStatus::Active);
        assert_eq!(access.email, member.email);
        assert_eq!(access.payment_intent_id.as_deref(), Some(payment_intent));
        assert_eq!(access.ends_at, paid.expires_at.unwrap());
    }
    assert_eq!(captured, 29_900, "299.00 captured in all");

    // The main platform hears of each member's access once.
    product
        .eventually("each member's access is published", || async {
            product.embedded.access_events.list().expect("lists").len() >= 3
        })
        .await;
    let mut granted: Vec<(String, String)> = product
        .embedded
        .access_events
        .list()
        .expect("the access events list")
        .into_iter()
        .map(|event| {
            assert_eq!(
                event.detail_type,
                campaigns_contracts::events::AccessEventType::AccessGranted
            );
            assert_eq!(event.detail.record_id, paid.team_id);
            (event.detail.email, event.detail.event_id)
        })
        .collect();
    granted.sort();
    let mut expected: Vec<(String, String)> = paid
        .members
        .iter()
        .map(|member| {
            let member_id = member.member_id.as_deref().unwrap();
            (
                member.email.clone(),
                format!("grant_{}_{member_id}.granted", paid.team_id),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(granted, expected);

    product
        .eventually("every member is told", || async {
            product.recipients("team_activated").len() == 3
        })
        .await;
    assert_eq!(
        product.recipients("team_activated"),
        [JANE.1, LEADER, RAVI.1]
    );
    assert_eq!(
        product.recipients("team_payment_reminder").len()
            + product.recipients("payment_failed").len(),
        0
    );

    let (status, refused) = member_checkout(
        &product,
        &created.team_id,
        &created.member_ids[0],
        &created.token,
    )
    .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("TEAM_NOT_COLLECTING"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_share_paid_before_the_journey_waits_for_it_counts_once() {
    let product = Product::start().await;
    // While mail is down the journey retries its welcome emails (on the
    // virtual clock), so it cannot reach the waits before the leader pays.
    let outbox = product.embedded.outbox.dir().to_owned();
    let parked = outbox.with_extension("down");
    std::fs::rename(&outbox, &parked).unwrap();
    std::fs::write(&outbox, b"not a folder").unwrap();

    let created = create_team(&product, &[JANE]).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    let leader_wait = format!("{}/{}", created.team_id, created.member_ids[0]);
    product
        .eventually("Stripe's report is waiting at the rendezvous", || async {
            product
                .records()
                .get::<PaymentWait>(&leader_wait)
                .await
                .unwrap()
                .is_some_and(|wait| wait.record.outcome.is_some())
        })
        .await;
    let wait = product
        .records()
        .get::<PaymentWait>(&leader_wait)
        .await
        .unwrap()
        .unwrap()
        .record;
    assert_eq!(wait.task_token, None, "the journey was not waiting yet");
    assert_eq!(
        team(&product, &created.team_id).await.members[0].status,
        MemberStatus::Pending
    );

    std::fs::remove_file(&outbox).unwrap();
    std::fs::rename(&parked, &outbox).unwrap();
    product.advance(Duration::from_secs(60));
    authorized(&product, &created.team_id, &created.member_ids[0]).await;
    invitations_sent(&product, 1).await;
    pay_invitation(&product, &created.team_id, JANE.1).await;

    let finished = product.succeeded(JOURNEY, &created.team_id).await;
    assert_eq!(
        waits_completed(&product, &finished.execution_arn),
        2,
        "each wait resumed once"
    );
    assert_eq!(
        team(&product, &created.team_id).await.status,
        TeamStatus::FullyPaid
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_session_expired_gets_a_fresh_one_and_completes_the_team() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE]).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    invitations_sent(&product, 1).await;
    let (jane, token) = pay_link(&product, "team_invitation", JANE.1);
    let (status, first) = member_checkout(&product, &created.team_id, &jane, &token).await;
    assert_eq!(status, 200, "{first}");
    let (_, again) = member_checkout(&product, &created.team_id, &jane, &token).await;
    assert_eq!(
        again["sessionId"], first["sessionId"],
        "an open session is reused"
    );

    // Sessions live 23 hours; a day on, Jane's has expired.
    product.advance(Duration::from_secs(25 * HOUR));
    product.embedded.simulator.sweep();
    let expired = stripe_get(
        &product,
        &format!("checkout/sessions/{}", first["sessionId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(expired["status"], "expired");
    let (status, fresh) = member_checkout(&product, &created.team_id, &jane, &token).await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["sessionId"], first["sessionId"]);
    let stored = team(&product, &created.team_id).await;
    assert_eq!(
        stored.status,
        TeamStatus::PendingPayment,
        "the expiry did not end the wait"
    );
    assert_eq!(stored.members[1].checkout_attempt, 1);
    assert_eq!(
        stored.members[1].stripe_checkout_session_id.as_deref(),
        fresh["sessionId"].as_str()
    );

    // A declined card: Jane is told, and pays on the same page.
    let url = fresh["checkoutUrl"].as_str().unwrap();
    product.checkout_action(url, "decline").await;
    product
        .eventually("the retry email is sent", || async {
            product.recipients("payment_failed").len() == 1
        })
        .await;
    assert_eq!(product.recipients("payment_failed"), [JANE.1]);
    assert_eq!(pay_link(&product, "payment_failed", JANE.1).0, jane);
    product.checkout_action(url, "pay").await;

    product.succeeded(JOURNEY, &created.team_id).await;
    assert_eq!(
        team(&product, &created.team_id).await.status,
        TeamStatus::FullyPaid
    );
    assert_eq!(product.recipients("team_payment_reminder").len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminder_goes_to_unpaid_members_a_day_before_the_deadline() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE, RAVI]).await;
    invitations_sent(&product, 2).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    let jane = pay_invitation(&product, &created.team_id, JANE.1).await;
    authorized(&product, &created.team_id, &jane).await;

    product.advance(Duration::from_secs(5 * DAY - 60));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        product.recipients("team_payment_reminder").len(),
        0,
        "not yet"
    );
    product.advance(Duration::from_secs(120));
    product
        .eventually("the reminder is sent", || async {
            product.recipients("team_payment_reminder").len() == 1
        })
        .await;
    assert_eq!(product.recipients("team_payment_reminder"), [RAVI.1]);

    // The reminder's link works like the invitation's.
    let (ravi, token) = pay_link(&product, "team_payment_reminder", RAVI.1);
    let (status, session) = member_checkout(&product, &created.team_id, &ravi, &token).await;
    assert_eq!(status, 200, "{session}");
    product
        .checkout_action(session["checkoutUrl"].as_str().unwrap(), "pay")
        .await;
    product.succeeded(JOURNEY, &created.team_id).await;
    assert_eq!(
        team(&product, &created.team_id).await.status,
        TeamStatus::FullyPaid
    );
    assert_eq!(
        product.recipients("team_payment_reminder").len(),
        1,
        "one reminder in all"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_with_a_share_missing_cancels_every_authorization() {
    capture_emf();
    let product = Product::start().await;
    let created = create_team(&product, &[JANE, RAVI]).await;
    invitations_sent(&product, 2).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    let jane = pay_invitation(&product, &created.team_id, JANE.1).await;
    authorized(&product, &created.team_id, &jane).await;

    // Reminded, Ravi opens a checkout but never pays.
    product.advance(Duration::from_secs(5 * DAY + 60));
    product
        .eventually("the reminder is sent", || async {
            product.recipients("team_payment_reminder").len() == 1
        })
        .await;
    let (ravi, token) = pay_link(&product, "team_payment_reminder", RAVI.1);
    let (status, session) = member_checkout(&product, &created.team_id, &ravi, &token).await;
    assert_eq!(status, 200, "{session}");

    product.advance(Duration::from_secs(DAY));
    product.succeeded(JOURNEY, &created.team_id).await;

    let expired = team(&product, &created.team_id).await;
    assert_eq!(expired.status, TeamStatus::Expired);
    assert!(
        expired
            .members
            .iter()
            .all(|m| m.status == MemberStatus::Cancelled),
        "{expired:?}"
    );
    for member in &expired.members[..2] {
        let pi = intent(
            &product,
            member.stripe_payment_intent_id.as_deref().unwrap(),
        )
        .await;
        assert_eq!(
            (&pi["status"], &pi["amount_received"]),
            (&json!("canceled"), &json!(0))
        );
    }
    let ravis_session = stripe_get(
        &product,
        &format!(
            "checkout/sessions/{}",
            session["sessionId"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(
        ravis_session["status"], "expired",
        "nobody can pay after the deadline"
    );
    let captures = product
        .embedded
        .simulator
        .events()
        .into_iter()
        .filter(|event| event["type"] == "payment_intent.succeeded")
        .count();
    assert_eq!(captures, 0, "nothing was captured");
    for member in &expired.members {
        assert!(
            grant(
                &product,
                &expired.team_id,
                member.member_id.as_deref().unwrap()
            )
            .await
            .is_none()
        );
    }

    product
        .eventually("every member is told", || async {
            product.recipients("team_expired").len() == 3
        })
        .await;
    assert_eq!(product.recipients("team_expired"), [JANE.1, LEADER, RAVI.1]);
    assert_eq!(product.recipients("team_activated").len(), 0);

    // The business metrics: three checkouts started (two authorized, one
    // never paid), all three expired with the team, nothing captured.
    let counted = |name: &str| {
        emf_about(&created.team_id)
            .into_iter()
            .filter(|(metric, _)| metric == name)
            .map(|(_, line)| line["MemberId"].as_str().expect("a member").to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let everyone: std::collections::BTreeSet<String> = created.member_ids.iter().cloned().collect();
    assert_eq!(counted("CheckoutStarted"), everyone);
    assert_eq!(counted("CheckoutExpired"), everyone);
    assert!(counted("PaymentSucceeded").is_empty());
    assert_eq!(emf_about(&created.team_id).len(), 6, "one line per fact");
    let (status, refused) = member_checkout(&product, &created.team_id, &ravi, &token).await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("TEAM_NOT_COLLECTING"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delayed_payment_lets_the_member_pay_again() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE]).await;
    invitations_sent(&product, 1).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    let (jane, token) = pay_link(&product, "team_invitation", JANE.1);
    let (_, first) = member_checkout(&product, &created.team_id, &jane, &token).await;
    let url = first["checkoutUrl"].as_str().unwrap();
    product.checkout_action(url, "delayed").await;
    product.checkout_action(url, "delayed-fail").await;

    let arn = format!(
        "arn:aws:states:{}:{}:execution:{JOURNEY}:{}",
        workflows::REGION,
        workflows::ACCOUNT,
        created.team_id
    );
    product
        .eventually("the failed payment is set aside", || async {
            product
                .embedded
                .engine
                .get_execution_history(&arn)
                .unwrap()
                .iter()
                .any(|event| {
                    event.event_type == "TaskStateExited" && event.details["name"] == "ReopenShare"
                })
        })
        .await;
    let (status, fresh) = member_checkout(&product, &created.team_id, &jane, &token).await;
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["sessionId"], first["sessionId"]);
    product
        .checkout_action(fresh["checkoutUrl"].as_str().unwrap(), "pay")
        .await;

    product.succeeded(JOURNEY, &created.team_id).await;
    let paid = team(&product, &created.team_id).await;
    assert_eq!(paid.status, TeamStatus::FullyPaid);
    assert_eq!(product.recipients("payment_failed").len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refund_after_activation_revokes_that_members_access() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE]).await;
    invitations_sent(&product, 1).await;
    product.checkout_action(&created.checkout_url, "pay").await;
    let jane = pay_invitation(&product, &created.team_id, JANE.1).await;
    product.succeeded(JOURNEY, &created.team_id).await;

    let paid = team(&product, &created.team_id).await;
    let payment_intent = paid.members[1].stripe_payment_intent_id.clone().unwrap();
    // Refunded from Stripe's dashboard, as support would.
    product.refund_in_stripe(&payment_intent).await;
    product
        .eventually("Jane's share is marked refunded", || async {
            team(&product, &created.team_id).await.members[1]
                .refunded_at
                .is_some()
        })
        .await;
    let revoked = grant(&product, &created.team_id, &jane).await.unwrap();
    assert_eq!(
        revoked.status,
        AccessGrantStatus::Revoked,
        "access ends with the refund"
    );
    let refunded = team(&product, &created.team_id).await;
    assert_eq!(refunded.members[0].refunded_at, None);
    assert_eq!(
        refunded.status,
        TeamStatus::FullyPaid,
        "the leader still has the plan"
    );
    let leader = grant(&product, &created.team_id, &created.member_ids[0])
        .await
        .unwrap();
    assert_eq!(leader.status, AccessGrantStatus::Active);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_token_opens_only_that_members_checkout() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE, RAVI]).await;
    let team_id = &created.team_id;
    let [leader, _, ravi] = &created.member_ids[..] else {
        panic!("three members")
    };
    invitations_sent(&product, 2).await;
    let (jane, jane_token) = pay_link(&product, "team_invitation", JANE.1);

    let (status, janes) = member_checkout(&product, team_id, &jane, &jane_token).await;
    assert_eq!(status, 200, "{janes}");
    for other in [leader, ravi] {
        let (status, body) = member_checkout(&product, team_id, other, &jane_token).await;
        assert_eq!(
            (status, &body["error"]["code"]),
            (401, &json!("UNAUTHORIZED"))
        );
    }
    // The team's token opens the leader's share (the session already open) only.
    let (status, leaders) = member_checkout(&product, team_id, leader, &created.token).await;
    assert_eq!(
        (status, &leaders["sessionId"]),
        (200, &created.body["checkout"]["sessionId"])
    );
    let (status, _) = member_checkout(&product, team_id, &jane, &created.token).await;
    assert_eq!(status, 401);
    let (status, _) = member_checkout(
        &product,
        "team_00000000000000000000000000",
        leader,
        &created.token,
    )
    .await;
    assert_eq!(status, 401);

    // The universal checkout route, with the member named.
    let universal = |member: Option<&str>| {
        let mut body = json!({"campaignId": "team-creation", "recordId": team_id});
        if let Some(member) = member {
            body["memberId"] = json!(member);
        }
        body
    };
    let (status, same) = product
        .post(
            "/checkout/create",
            &universal(Some(&jane)),
            &[("X-Access-Token", &jane_token)],
        )
        .await;
    assert_eq!((status, &same["sessionId"]), (200, &janes["sessionId"]));
    let (status, _) = product
        .post(
            "/checkout/create",
            &universal(Some(ravi)),
            &[("X-Access-Token", &jane_token)],
        )
        .await;
    assert_eq!(status, 401);
    let (status, body) = product
        .post(
            "/checkout/create",
            &universal(None),
            &[("X-Access-Token", &jane_token)],
        )
        .await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("MEMBER_REQUIRED"))
    );

    // Reading the team: its token or a member's; nothing else.
    let path = format!("/teams/{team_id}");
    assert_eq!(product.get(&path, Some(&created.token)).await.0, 200);
    assert_eq!(product.get(&path, Some(&jane_token)).await.0, 200);
    assert_eq!(product.get(&path, None).await.0, 401);
    assert_eq!(product.get(&path, Some("tok_00")).await.0, 401);
    assert_eq!(
        product
            .get("/teams/team_00000000000000000000000000", Some(&jane_token))
            .await
            .0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_teams_are_refused_and_nothing_is_stored() {
    let product = Product::start().await;
    let alone = team_request(&[]);
    let (status, body) = product.post("/teams/create", &alone, &[]).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("/members")),
        "{body}"
    );

    let crowd = team_request(&[
        JANE,
        RAVI,
        ("Ana Lee", "ana@example.com"),
        ("Bo Chen", "bo@example.com"),
        ("Cy Diaz", "cy@example.com"),
    ]);
    let (status, body) = product.post("/teams/create", &crowd, &[]).await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (400, &json!("/members")),
        "{body}"
    );

    let twice = team_request(&[JANE, ("Jane Again", "JANE@Example.com")]);
    let (status, body) = product.post("/teams/create", &twice, &[]).await;
    assert_eq!(
        (status, &body["error"]["code"], &body["error"]["field"]),
        (
            422,
            &json!("DUPLICATE_MEMBER_EMAIL"),
            &json!("/members/1/email")
        )
    );
    let leader_again = team_request(&[("Also John", "leader@EXAMPLE.com")]);
    let (status, body) = product.post("/teams/create", &leader_again, &[]).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &json!("DUPLICATE_MEMBER_EMAIL"))
    );

    let teams: Vec<Team> = product
        .records()
        .query("leaderEmail-index", LEADER, None)
        .await
        .expect("queries");
    assert!(teams.is_empty(), "no team stored: {teams:?}");
    let executions = product
        .embedded
        .engine
        .list_executions(&workflows::state_machine_arn(JOURNEY), None)
        .expect("lists");
    assert!(executions.is_empty(), "no journey started");
    assert!(
        product.embedded.simulator.events().is_empty(),
        "Stripe was never called"
    );
    assert!(product.emails().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_refunds_one_share_in_two_parts() {
    let product = Product::start().await;
    let created = create_team(&product, &[JANE]).await;
    invitations_sent(&product, 1).await;
    let (status, refused) = product
        .admin_refund(
            JOURNEY,
            &created.team_id,
            Some(&created.member_ids[1]),
            None,
            "early",
        )
        .await;
    assert_eq!(
        (status, &refused["error"]["code"]),
        (409, &json!("NOT_PAID")),
        "nothing is captured before the team completes"
    );
    product.checkout_action(&created.checkout_url, "pay").await;
    let jane = pay_invitation(&product, &created.team_id, JANE.1).await;
    product.succeeded(JOURNEY, &created.team_id).await;
    let share = |team: &Team| team.members[1].amount_refunded;

    // Jane's share is $149.50: $49.50 back keeps her access.
    let (status, part) = product
        .admin_refund(JOURNEY, &created.team_id, Some(&jane), Some(49.5), "part")
        .await;
    assert_eq!(status, 201, "{part}");
    assert_eq!(part["amountPaid"], json!(149.5));
    product
        .eventually("the part is recorded on Jane's share", || async {
            share(&team(&product, &created.team_id).await) == Some(Cents(4_950))
        })
        .await;
    let kept = grant(&product, &created.team_id, &jane).await.unwrap();
    assert_eq!(kept.status, AccessGrantStatus::Active);
    assert_eq!(
        team(&product, &created.team_id).await.members[1].refunded_at,
        None
    );

    // The rest ends Jane's access, and only hers.
    let (status, rest) = product
        .admin_refund(JOURNEY, &created.team_id, Some(&jane), None, "rest")
        .await;
    assert_eq!((status, &rest["amount"]), (201, &json!(100)), "{rest}");
    product
        .eventually("Jane's share is refunded in full", || async {
            team(&product, &created.team_id).await.members[1]
                .refunded_at
                .is_some()
        })
        .await;
    let revoked = grant(&product, &created.team_id, &jane).await.unwrap();
    assert_eq!(revoked.status, AccessGrantStatus::Revoked);
    let leader = grant(&product, &created.team_id, &created.member_ids[0])
        .await
        .unwrap();
    assert_eq!(leader.status, AccessGrantStatus::Active);
    assert_eq!(
        team(&product, &created.team_id).await.status,
        TeamStatus::FullyPaid
    );
    assert_eq!(
        product.recipients("refund_issued"),
        [JANE.1, JANE.1],
        "Jane is told of each part"
    );

    // The leader's bank disputes the leader's share: only the leader's
    // access waits for the decision.
    let leader_paid_with = team(&product, &created.team_id).await.members[0]
        .stripe_payment_intent_id
        .clone()
        .expect("captured");
    let dispute = product.open_dispute(&leader_paid_with);
    let leader_status = || async {
        grant(&product, &created.team_id, &created.member_ids[0])
            .await
            .unwrap()
            .status
    };
    product
        .eventually("the leader's access is suspended", || async {
            leader_status().await == AccessGrantStatus::Suspended
        })
        .await;
    product.close_dispute(&dispute, true).await;
    product
        .eventually("the won dispute restores it", || async {
            leader_status().await == AccessGrantStatus::Active
        })
        .await;
    assert_eq!(
        grant(&product, &created.team_id, &jane)
            .await
            .unwrap()
            .status,
        AccessGrantStatus::Revoked
    );
}
