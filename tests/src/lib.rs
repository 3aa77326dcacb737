//! Support for the cross-crate tests: the product started on the embedded
//! default with a virtual clock, and a client that speaks to it over HTTP
//! as the frontend and a paying customer would.

pub mod browser;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use campaigns_contracts::records::{CouponRecord, PaymentWait};
use campaigns_local::time::Time;
use campaigns_local::{Embedded, Options};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use workflows::{ExecutionStatus, VirtualClock};

/// The product on 127.0.0.1, its data in a temporary directory.
pub struct Product {
    pub embedded: Embedded,
    pub clock: Arc<VirtualClock>,
    pub http: reqwest::Client,
    /// The secret the product verifies Stripe's webhooks with.
    pub webhook_secret: String,
    _data: tempfile::TempDir,
}

/// The admin token the tests' product accepts.
pub const ADMIN_TOKEN: &str = "test-admin-token";

impl Product {
    pub async fn start() -> Product {
        Self::start_with(|_| {}).await
    }

    /// Starts with options adjusted by `adjust` (e.g. webhook delivery).
    pub async fn start_with(adjust: impl FnOnce(&mut Options)) -> Product {
        let data = tempfile::tempdir().expect("a temporary directory");
        let clock = Arc::new(VirtualClock::new(chrono::Utc::now()));
        let mut options = Options::new(
            data.path().to_owned(),
            SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        );
        options.time = Time::Virtual(clock.clone());
        options.admin_token = ADMIN_TOKEN.into();
        options.delivery.initial_backoff = Duration::from_millis(50);
        options.delivery.max_backoff = Duration::from_millis(500);
        adjust(&mut options);
        let webhook_secret = options.stripe_webhook_secret.clone();
        let embedded = Embedded::start(options).await.expect("the product starts");
        Product {
            embedded,
            clock,
            http: reqwest::Client::new(),
            webhook_secret,
            _data: data,
        }
    }

    /// The product's records store, to arrange and inspect records directly.
    pub fn records(&self) -> &campaigns_records::Records {
        &self.embedded.app.records
    }

    /// The stored record of type `T` with this key; panics when it is missing.
    pub async fn record<T: campaigns_records::Record>(&self, key: &str) -> T {
        self.records()
            .get::<T>(key)
            .await
            .expect("the records store reads")
            .unwrap_or_else(|| panic!("no record {key}"))
            .record
    }

    /// Stores an active coupon taking `percent` % (uncapped) off the
    /// standard, full and premium plans from $100: `usage_limit` uses, one
    /// per buyer, valid from a day before the product's clock to 30 days
    /// after.
    pub async fn seed_coupon(&self, code: &str, usage_limit: u32, percent: u32) {
        let now = self.embedded.time.now();
        let coupon: CouponRecord = serde_json::from_value(json!({
            "couponCode": code,
            "type": "percentage",
            "value": percent,
            "minPurchase": 100,
            "validFrom": (now - chrono::TimeDelta::days(1)).to_rfc3339(),
            "validUntil": (now + chrono::TimeDelta::days(30)).to_rfc3339(),
            "usageLimit": usage_limit,
            "usageCount": 0,
            "perUserLimit": 1,
            "applicablePlans": ["standard", "full", "premium"],
            "status": "active"
        }))
        .expect("a valid coupon");
        self.records()
            .insert(&coupon)
            .await
            .expect("the coupon is stored");
    }

    /// An admin schedules a two-hour exam with `capacity` seats, starting
    /// `starts_in` from the product's clock; its id.
    pub async fn create_exam(&self, capacity: u32, starts_in: chrono::TimeDelta) -> String {
        let starts_at = self.embedded.time.now() + starts_in;
        let (status, exam) = self
            .post(
                "/mock-exams",
                &json!({
                    "title": "ADC Part 1 Mock Exam",
                    "startsAt": starts_at.to_rfc3339(),
                    "durationMinutes": 120,
                    "capacity": capacity,
                    "passMark": 60.0,
                    "sections": ["clinical", "theory"]
                }),
                &[("Authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            )
            .await;
        assert_eq!(status, 201, "{exam}");
        text(&exam, "mockExamId")
    }

    /// `POST /v1{path}` with a JSON body and extra headers; status and body.
    pub async fn post(&self, path: &str, body: &Value, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.embedded.api_url()))
            .json(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        respond(request).await
    }

    /// `GET /v1{path}`, with the record's access token when given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(format!("{}{path}", self.embedded.api_url()));
        if let Some(token) = token {
            request = request.header("X-Access-Token", token);
        }
        respond(request).await
    }

    /// `GET /v1{path}` with the admin's bearer token.
    pub async fn get_as_admin(&self, path: &str) -> (u16, Value) {
        let request = self
            .http
            .get(format!("{}{path}", self.embedded.api_url()))
            .bearer_auth(ADMIN_TOKEN);
        respond(request).await
    }

    /// What a payer does on the hosted checkout page: `pay`, `decline`,
    /// `delayed`, `delayed-succeed`, `delayed-fail` or `cancel`.
    pub async fn checkout_action(&self, checkout_url: &str, action: &str) {
        let page = self
            .http
            .get(checkout_url)
            .send()
            .await
            .expect("the checkout page answers");
        assert!(
            page.status().is_success(),
            "checkout page: {}",
            page.status()
        );
        // The page redirects to the frontend's success or cancel page,
        // which is not served here: look at the redirect, don't follow it.
        let no_redirects = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client");
        let done = no_redirects
            .post(format!("{checkout_url}/{action}"))
            .send()
            .await
            .expect("the checkout form answers");
        assert!(
            done.status().is_success() || done.status().is_redirection(),
            "{action}: {}",
            done.status()
        );
    }

    /// Refunds a payment in Stripe itself, as support would from Stripe's
    /// dashboard: the product learns of it only from the webhook.
    pub async fn refund_in_stripe(&self, payment_intent: &str) {
        let refund = self
            .http
            .post(format!("{}/stripe/v1/refunds", self.embedded.base_url))
            .bearer_auth("sk_test_simulator")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("payment_intent={payment_intent}"))
            .send()
            .await
            .expect("the simulator answers");
        assert!(refund.status().is_success(), "{}", refund.status());
    }

    /// A full-6months purchase by `email`, with `coupon` if given, paid on
    /// the checkout page and settled by its journey; its id and
    /// PaymentIntent.
    pub async fn paid_purchase(&self, email: &str, coupon: Option<&str>) -> (String, String) {
        let mut body = json!({
            "email": email,
            "firstName": "Lena",
            "lastName": "Nguyen",
            "productId": "full-6months",
        });
        if let Some(code) = coupon {
            body["couponCode"] = json!(code);
        }
        let (status, created) = self.post("/purchases/create", &body, &[]).await;
        assert_eq!(status, 201, "{created}");
        let purchase_id = text(&created, "purchaseId");
        self.checkout_action(&text(&created["checkout"], "checkoutUrl"), "pay")
            .await;
        self.succeeded("discount-purchase", &purchase_id).await;
        let paid_with = self
            .record::<campaigns_contracts::records::DiscountPurchase>(&purchase_id)
            .await
            .payment_intent_id
            .expect("the payment is recorded");
        (purchase_id, paid_with)
    }

    /// An admin refunds a payment through the API (`POST /refunds`) under
    /// the Idempotency-Key `key`: everything left when `amount` (dollars)
    /// is `None`.
    pub async fn admin_refund(
        &self,
        campaign: &str,
        record_id: &str,
        member_id: Option<&str>,
        amount: Option<f64>,
        key: &str,
    ) -> (u16, Value) {
        let mut body = json!({
            "campaignId": campaign,
            "recordId": record_id,
            "reason": "requested_by_customer",
        });
        if let Some(member) = member_id {
            body["memberId"] = json!(member);
        }
        if let Some(amount) = amount {
            body["amount"] = json!(amount);
        }
        let bearer = format!("Bearer {ADMIN_TOKEN}");
        self.post(
            "/refunds",
            &body,
            &[("Authorization", &bearer), ("Idempotency-Key", key)],
        )
        .await
    }

    /// The refunds Stripe holds of a PaymentIntent, as the simulator lists
    /// its `refund.created` events.
    pub fn refunds_of(&self, payment_intent: &str) -> Vec<Value> {
        self.embedded
            .simulator
            .events()
            .into_iter()
            .filter(|event| event["type"] == "refund.created")
            .map(|event| event["data"]["object"].clone())
            .filter(|refund| refund["payment_intent"] == payment_intent)
            .collect()
    }

    /// A cardholder disputes the payment (Stripe's dispute test card); the
    /// dispute's id.
    pub fn open_dispute(&self, payment_intent: &str) -> String {
        let dispute = self
            .embedded
            .simulator
            .open_dispute(payment_intent, "fraudulent")
            .expect("the simulator opens a dispute");
        text(&dispute, "id")
    }

    /// The card issuer decides the dispute, as Stripe's test mode does with
    /// the evidence `winning_evidence` or `losing_evidence`.
    pub async fn close_dispute(&self, dispute_id: &str, won: bool) {
        let evidence = if won {
            "winning_evidence"
        } else {
            "losing_evidence"
        };
        let closed = self
            .http
            .post(format!(
                "{}/stripe/v1/disputes/{dispute_id}",
                self.embedded.base_url
            ))
            .bearer_auth("sk_test_simulator")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("evidence[uncategorized_text]={evidence}"))
            .send()
            .await
            .expect("the simulator answers");
        assert!(closed.status().is_success(), "{}", closed.status());
    }

    /// Delivers one of the simulator's events to the webhook now, signed as
    /// Stripe signs it (e.g. out of the order Stripe would); the status.
    pub async fn deliver(&self, event: &Value) -> u16 {
        let now = self.embedded.time.now().timestamp();
        let body = serde_json::to_vec(event).expect("JSON");
        let signature = campaigns_payments::sign(&self.webhook_secret, now, &body);
        self.http
            .post(format!("{}/webhook/stripe", self.embedded.api_url()))
            .header("Stripe-Signature", signature)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the webhook answers")
            .status()
            .as_u16()
    }

    /// The simulator's events of `kind` about the object `id`, oldest first.
    pub fn events_about(&self, kind: &str, id: &str) -> Vec<Value> {
        self.embedded
            .simulator
            .events()
            .into_iter()
            .filter(|event| event["type"] == kind && event["data"]["object"]["id"] == id)
            .collect()
    }

    /// Moves every clock of the product forward.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Waits (in real time, bounded) until the execution has finished.
    pub async fn finished(
        &self,
        state_machine: &str,
        name: &str,
    ) -> workflows::ExecutionDescription {
        let arn = format!(
            "arn:aws:states:{}:{}:execution:{state_machine}:{name}",
            workflows::REGION,
            workflows::ACCOUNT
        );
        let wait = self.embedded.engine.wait_for_completion(&arn);
        let description = tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .unwrap_or_else(|_| panic!("{name} did not finish in time"))
            .expect("the execution exists");
        assert_ne!(description.status, ExecutionStatus::Running);
        description
    }

    /// Waits (in real time, bounded) until the execution has finished, and
    /// asserts that it succeeded.
    pub async fn succeeded(
        &self,
        state_machine: &str,
        name: &str,
    ) -> workflows::ExecutionDescription {
        let finished = self.finished(state_machine, name).await;
        assert_eq!(finished.status, ExecutionStatus::Succeeded, "{finished:?}");
        finished
    }

    /// Polls `check` (real time, bounded) until it holds.
    pub async fn eventually<F, Fut>(&self, what: &str, mut check: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        // 30 s: generous, so a loaded CI machine does not fail a test that
        // passes in well under a second on an idle one.
        for _ in 0..600 {
            if check().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting until {what}");
    }

    /// Waits until the journey of `record_id` waits for its payment: its task
    /// token is at the rendezvous (so the clock moves from the wait's start).
    pub async fn until_payment_waits(&self, record_id: &str) {
        self.eventually("the journey waits for the payment", || async {
            self.records()
                .get::<PaymentWait>(record_id)
                .await
                .expect("reads")
                .is_some_and(|wait| wait.record.task_token.is_some())
        })
        .await;
    }

    /// Waits until an email with `template` was sent.
    pub async fn until_sent(&self, template: &str) {
        self.eventually(&format!("a {template} email is sent"), || async {
            self.emails().iter().any(|(sent, _)| sent == template)
        })
        .await;
    }

    /// The recipients of the emails sent with `template`, sorted.
    pub fn recipients(&self, template: &str) -> Vec<String> {
        let mut to: Vec<String> = self
            .emails()
            .into_iter()
            .filter(|(sent, _)| sent == template)
            .map(|(_, to)| to)
            .collect();
        to.sort();
        to
    }

    /// The templates and recipients of the emails sent so far, oldest first.
    pub fn emails(&self) -> Vec<(String, String)> {
        let mut sent: Vec<(String, String)> = self
            .embedded
            .outbox
            .list()
            .expect("the outbox lists")
            .into_iter()
            .map(|entry| {
                (
                    entry.template.map(|t| t.to_string()).unwrap_or_default(),
                    entry.to,
                )
            })
            .collect();
        sent.reverse();
        sent
    }

    /// Waits until `record` has published `count` access events, and
    /// returns them in the order of their changes (from the data directory).
    /// Without moving the clock, so the owed events' sweep cannot have
    /// published them: the step that made the change did.
    pub async fn access_events_of(
        &self,
        record: &str,
        count: usize,
    ) -> Vec<campaigns_contracts::events::AccessEvent> {
        let of_record = || {
            self.embedded
                .access_events
                .list()
                .expect("the access events list")
                .into_iter()
                .filter(|event| event.detail.record_id == record)
                .collect::<Vec<_>>()
        };
        self.eventually(
            &format!("{record} publishes {count} access events"),
            || async { of_record().len() >= count },
        )
        .await;
        of_record()
    }
}

/// The string `field` of an answer; panics naming it when it is missing.
pub fn text(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} in {body}"))
        .to_owned()
}

async fn respond(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("the product answers");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Keeps, for this test binary, the business metrics' EMF lines as a
/// deployed function prints them (`campaigns_app::metrics::layer`). Call it
/// before the product starts; [`emf_about`] reads them.
pub fn capture_emf() {
    emf_buffer();
}

fn emf_buffer() -> &'static Mutex<Vec<u8>> {
    static LINES: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        tracing_subscriber::registry()
            .with(campaigns_app::metrics::layer_writing_to(move || {
                Kept(sink.clone())
            }))
            .init();
        lines
    })
}

struct Kept(Arc<Mutex<Vec<u8>>>);

impl Write for Kept {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .expect("the EMF buffer")
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The EMF lines kept since [`capture_emf`] whose `RecordId` is `record_id`,
/// each as the name of its first metric and the whole line.
pub fn emf_about(record_id: &str) -> Vec<(String, Value)> {
    let lines = emf_buffer().lock().expect("the EMF buffer").clone();
    String::from_utf8_lossy(&lines)
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("an EMF line is JSON"))
        .filter(|line| line["RecordId"] == record_id)
        .map(|line| {
            let name = text(&line["_aws"]["CloudWatchMetrics"][0]["Metrics"][0], "Name");
            (name, line)
        })
        .collect()
}
