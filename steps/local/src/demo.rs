//! `campaigns demo`: every journey driven over HTTP against a running
//! `campaigns serve`, as the frontend and a paying customer would — the API
//! under `/v1`, the Stripe simulator's checkout pages, presigned uploads,
//! and the operations console for the emails a customer would receive.
//!
//! Each step is printed on a timeline (milliseconds since the start, the
//! journey, what happened, the record's status). Any answer or status other
//! than the one the journey should give ends the run with an error.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

/// How long a record may take to reach the status a step leads to.
const PATIENCE: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(150);

/// A journey the demo drove and where it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub journey: &'static str,
    /// The record the journey worked on.
    pub record_id: String,
    /// Its final status, as the API reads it.
    pub status: String,
    pub completed: bool,
}

/// What a run did, journey by journey.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub journeys: Vec<Outcome>,
    pub elapsed: Duration,
}

impl Summary {
    /// The names of the journeys that reached their final status.
    pub fn completed(&self) -> Vec<&'static str> {
        self.journeys
            .iter()
            .filter(|outcome| outcome.completed)
            .map(|outcome| outcome.journey)
            .collect()
    }
}

/// The journeys the demo drives, in order.
pub const JOURNEYS: &[&str] = &[
    "discount-purchase",
    "team-creation",
    "scholarship (auto-approved)",
    "scholarship (reviewed)",
    "personalized-plan",
    "mock-exam (free)",
    "mock-exam (premium)",
];

/// Drives every journey against the product whose API is at `api_base`
/// (e.g. `http://127.0.0.1:8080/v1`), writing the timeline to `out`.
pub async fn run(
    api_base: &str,
    admin_token: &str,
    out: &mut impl Write,
) -> anyhow::Result<Summary> {
    let api = api_base.trim_end_matches('/').to_owned();
    let base = api
        .strip_suffix("/v1")
        .ok_or_else(|| anyhow!("the API URL should end in /v1: {api_base}"))?
        .to_owned();
    let stamp = chrono::Utc::now().timestamp_millis();
    let mut demo = Demo {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?,
        // Checkout pages and the console answer with redirects to pages that
        // are not served here: look at them, don't follow them.
        manual: reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .redirect(reqwest::redirect::Policy::none())
            .build()?,
        api,
        base,
        admin: format!("Bearer {admin_token}"),
        admin_token: admin_token.to_owned(),
        console_cookie: None,
        stamp: stamp.to_string(),
        started: Instant::now(),
        out,
        summary: Summary::default(),
    };
    writeln!(
        demo.out,
        "{:>7}  {:<28} {:<64} STATUS",
        "MS", "JOURNEY", "STEP"
    )?;
    demo.console_sign_in().await?;
    demo.purchase().await?;
    demo.team().await?;
    demo.auto_approved_scholarship().await?;
    demo.reviewed_scholarship().await?;
    demo.plan().await?;
    demo.mock_exam().await?;
    demo.summary.elapsed = demo.started.elapsed();
    let summary = demo.summary;
    writeln!(
        out,
        "all {} journeys completed in {} ms",
        summary.journeys.len(),
        summary.elapsed.as_millis()
    )?;
    Ok(summary)
}

struct Demo<'a, W: Write> {
    http: reqwest::Client,
    manual: reqwest::Client,
    /// `http://host:port/v1`.
    api: String,
    /// `http://host:port`.
    base: String,
    admin: String,
    admin_token: String,
    console_cookie: Option<String>,
    /// Makes this run's emails and coupon code its own.
    stamp: String,
    started: Instant,
    out: &'a mut W,
    summary: Summary,
}

/// A JSON answer of the API.
struct Answer {
    status: u16,
    body: Value,
}

impl<W: Write> Demo<'_, W> {
    fn step(&mut self, journey: &str, what: &str, status: &str) -> anyhow::Result<()> {
        writeln!(
            self.out,
            "{:>7}  {:<28} {:<64} {}",
            self.started.elapsed().as_millis(),
            journey,
            what,
            status
        )?;
        self.out.flush()?;
        Ok(())
    }

    fn done(&mut self, journey: &'static str, record_id: &str, status: &str) {
        self.summary.journeys.push(Outcome {
            journey,
            record_id: record_id.to_owned(),
            status: status.to_owned(),
            completed: true,
        });
    }

    fn email(&self, who: &str) -> String {
        format!("{who}.{}@example.com", self.stamp)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<Answer> {
        let url = format!("{}{path}", self.api);
        let mut request = self.http.request(method.clone(), &url);
        if let Some(body) = body {
            request = request.json(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.with_context(|| {
            format!("{method} {url}: no answer (is `campaigns serve` running?)")
        })?;
        let status = response.status().as_u16();
        let text = response.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Answer { status, body })
    }

    /// `POST` expecting `expected`; the body.
    async fn post(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
        expected: u16,
    ) -> anyhow::Result<Value> {
        let answer = self
            .call(reqwest::Method::POST, path, Some(body), headers)
            .await?;
        if answer.status != expected {
            bail!(
                "POST {path}: expected {expected}, got {}: {}",
                answer.status,
                answer.body
            );
        }
        Ok(answer.body)
    }

    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<Value> {
        let answer = self.call(reqwest::Method::GET, path, None, headers).await?;
        if answer.status != 200 {
            bail!(
                "GET {path}: expected 200, got {}: {}",
                answer.status,
                answer.body
            );
        }
        Ok(answer.body)
    }

    /// Reads `path` with the record's token until its status is `want`.
    async fn until_status(&mut self, path: &str, token: &str, want: &str) -> anyhow::Result<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let body = self.get(path, &[("X-Access-Token", token)]).await?;
            if body["status"] == want {
                return Ok(body);
            }
            if Instant::now() > deadline {
                bail!(
                    "GET {path}: still {} after {}s, expected {want}: {body}",
                    body["status"],
                    PATIENCE.as_secs()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// What a payer does on the simulator's hosted checkout page: opens it
    /// and presses Pay.
    async fn pay(&self, checkout_url: &str) -> anyhow::Result<()> {
        let page = self
            .manual
            .get(checkout_url)
            .send()
            .await
            .with_context(|| format!("opening the checkout page {checkout_url}"))?;
        if !page.status().is_success() {
            bail!(
                "the checkout page {checkout_url} answered {}",
                page.status()
            );
        }
        let html = page.text().await?;
        if !html.contains("/pay") {
            bail!("the checkout page {checkout_url} has no Pay form");
        }
        let done = self
            .manual
            .post(format!("{checkout_url}/pay"))
            .send()
            .await
            .with_context(|| format!("paying on {checkout_url}"))?;
        if !(done.status().is_success() || done.status().is_redirection()) {
            bail!("paying on {checkout_url} answered {}", done.status());
        }
        Ok(())
    }

    // --- the console, for the emails a customer receives -----------------

    async fn console_sign_in(&mut self) -> anyhow::Result<()> {
        let form = format!(
            "token={}&next=%2Fconsole%2Femails",
            form_encode(&self.admin_token)
        );
        let response = self
            .manual
            .post(format!("{}/console/login", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .with_context(|| {
                format!(
                    "no answer from {} (is `campaigns serve` running there?)",
                    self.base
                )
            })?;
        let cookie = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|value| value.split(';').next())
            .find(|pair| pair.starts_with("campaigns_console="))
            .map(str::to_owned);
        match cookie {
            Some(cookie) => {
                self.console_cookie = Some(cookie);
                self.step("console", "signed in to read the outbox", "ok")
            }
            None => bail!(
                "the console refused the admin token ({}); the demo reads the customers' \
                 emails there",
                response.status()
            ),
        }
    }

    async fn console_page(&self, path: &str) -> anyhow::Result<String> {
        let cookie = self.console_cookie.as_deref().unwrap_or_default();
        let response = self
            .manual
            .get(format!("{}{path}", self.base))
            .header("Cookie", cookie)
            .send()
            .await
            .with_context(|| format!("GET {path}"))?;
        if !response.status().is_success() {
            bail!("GET {path}: {}", response.status());
        }
        Ok(response.text().await?)
    }

    /// The ids and templates of the emails sent to `to`, newest first.
    async fn emails_to(&self, to: &str) -> anyhow::Result<Vec<(String, String)>> {
        let html = self
            .console_page(&format!("/console/emails?to={}", form_encode(to)))
            .await?;
        Ok(html
            .split("<tr class=\"email\">")
            .skip(1)
            .filter_map(|row| {
                let row = row.split("</tr>").next()?;
                let id = row
                    .split("href=\"/console/emails/")
                    .nth(1)?
                    .split('"')
                    .next()?;
                let template = row.rsplit("<td>").next()?.trim_end_matches("</td>");
                Some((id.to_owned(), unescape(template)))
            })
            .collect())
    }

    /// Waits until `template` was sent to `to`; the id of the newest.
    async fn email_arrives(
        &mut self,
        journey: &str,
        to: &str,
        template: &str,
    ) -> anyhow::Result<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let sent = self.emails_to(to).await?;
            if let Some((id, _)) = sent.iter().find(|(_, t)| t == template) {
                let id = id.clone();
                self.step(journey, &format!("email {template} to {to}"), "sent")?;
                return Ok(id);
            }
            if Instant::now() > deadline {
                let names: Vec<&str> = sent.iter().map(|(_, t)| t.as_str()).collect();
                bail!(
                    "no {template} email to {to} after {}s (sent: {names:?})",
                    PATIENCE.as_secs()
                );
            }
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// The frontend pay link in an email: its `memberId` and `token`.
    async fn pay_link(&self, email_id: &str) -> anyhow::Result<(String, String)> {
        let html = self
            .console_page(&format!("/console/emails/{email_id}"))
            .await?;
        let text = html
            .split("<h2>Text</h2><pre>")
            .nth(1)
            .and_then(|rest| rest.split("</pre>").next())
            .map(unescape)
            .ok_or_else(|| anyhow!("email {email_id} has no text part"))?;
        let link = text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains("/pay?"))
            .ok_or_else(|| anyhow!("no pay link in email {email_id}: {text}"))?;
        let url = reqwest::Url::parse(link).with_context(|| format!("the pay link {link}"))?;
        let query = |key: &str| {
            url.query_pairs()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value.into_owned())
                .ok_or_else(|| anyhow!("no {key} in the pay link {url}"))
        };
        Ok((query("memberId")?, query("token")?))
    }

    // --- the journeys ------------------------------------------------------

    /// An admin creates a coupon; a buyer checks it, buys with it and pays.
    async fn purchase(&mut self) -> anyhow::Result<()> {
        const J: &str = "discount-purchase";
        let code = format!("DEMO{}", self.stamp);
        let now = chrono::Utc::now();
        let coupon = json!({
            "couponCode": code,
            "type": "percentage",
            "value": 20,
            "maxDiscount": 50,
            "minPurchase": 100,
            "validFrom": (now - chrono::TimeDelta::days(1)).to_rfc3339(),
            "validUntil": (now + chrono::TimeDelta::days(30)).to_rfc3339(),
            "usageLimit": 100,
            "usageCount": 0,
            "perUserLimit": 1,
            "applicablePlans": ["standard", "full", "premium"],
            "status": "active"
        });
        let admin = self.admin.clone();
        let created = self
            .post("/coupons", &coupon, &[("Authorization", &admin)], 201)
            .await?;
        expect(&created, "/couponCode", &json!(code), "the created coupon")?;
        self.step(
            J,
            &format!("admin created coupon {code} (20% off)"),
            "active",
        )?;

        let buyer = self.email("lena");
        let validated = self
            .post(
                "/coupons/validate",
                &json!({"couponCode": code.to_lowercase(), "email": buyer, "productId": "full-6months"}),
                &[],
                200,
            )
            .await?;
        expect(&validated, "/valid", &json!(true), "the coupon check")?;
        expect(&validated, "/finalPrice", &json!(159.2), "the coupon check")?;
        self.step(J, "coupon validated: $199 -> $159.20", "valid")?;

        let key = format!("demo-purchase-{}", self.stamp);
        let created = self
            .post(
                "/purchases/create",
                &json!({
                    "email": buyer,
                    "firstName": "Lena",
                    "lastName": "Nguyen",
                    "productId": "full-6months",
                    "couponCode": code
                }),
                &[("Idempotency-Key", &key)],
                201,
            )
            .await?;
        expect(
            &created,
            "/status",
            &json!("pending_payment"),
            "the purchase",
        )?;
        let id = text(&created, "/purchaseId")?;
        let token = text(&created, "/accessToken")?;
        self.step(J, &format!("purchase {id} created"), "pending_payment")?;

        self.pay(&text(&created, "/checkout/checkoutUrl")?).await?;
        self.step(J, "buyer paid on the checkout page", "")?;
        let paid = self
            .until_status(&format!("/purchases/{id}"), &token, "paid")
            .await?;
        expect(&paid, "/couponCode", &json!(code), "the paid purchase")?;
        self.step(J, "purchase confirmed, access granted", "paid")?;
        self.email_arrives(J, &buyer, "purchase_confirmation")
            .await?;

        let used = self
            .get(&format!("/coupons/{code}"), &[("Authorization", &admin)])
            .await?;
        expect(
            &used,
            "/usageCount",
            &json!(1),
            "the coupon after the purchase",
        )?;
        self.step(J, "admin reads the coupon: used once", "active")?;
        self.done(J, &id, "paid");
        Ok(())
    }

    /// A leader creates a team of three; each member opens their share's
    /// checkout and pays (held, then captured together).
    async fn team(&mut self) -> anyhow::Result<()> {
        const J: &str = "team-creation";
        let leader = self.email("leader");
        let members = [
            ("Jane Smith", self.email("jane")),
            ("Ravi Patel", self.email("ravi")),
        ];
        let created = self
            .post(
                "/teams/create",
                &json!({
                    "leaderEmail": leader,
                    "leaderFirstName": "John",
                    "leaderLastName": "Doe",
                    "country": "Australia",
                    "members": members
                        .iter()
                        .map(|(name, email)| json!({"name": name, "email": email}))
                        .collect::<Vec<_>>()
                }),
                &[],
                201,
            )
            .await?;
        expect(&created, "/status", &json!("pending_payment"), "the team")?;
        expect(&created, "/totalAmount", &json!(299), "the team")?;
        let id = text(&created, "/teamId")?;
        let token = text(&created, "/accessToken")?;
        self.step(
            J,
            &format!("team {id} of 3 created ($299)"),
            "pending_payment",
        )?;

        self.pay(&text(&created, "/checkout/checkoutUrl")?).await?;
        self.step(J, "leader paid their share (held)", "")?;
        for (name, email) in &members {
            let email_id = self.email_arrives(J, email, "team_invitation").await?;
            let (member_id, member_token) = self.pay_link(&email_id).await?;
            let session = self
                .post(
                    &format!("/teams/{id}/members/{member_id}/checkout"),
                    &json!({}),
                    &[("X-Access-Token", &member_token)],
                    200,
                )
                .await?;
            self.pay(&text(&session, "/checkoutUrl")?).await?;
            self.step(
                J,
                &format!("{name} opened the invitation and paid (held)"),
                "",
            )?;
        }
        let paid = self
            .until_status(&format!("/teams/{id}"), &token, "fully_paid")
            .await?;
        let all_paid = paid["members"]
            .as_array()
            .is_some_and(|m| m.len() == 3 && m.iter().all(|m| m["status"] == "paid"));
        if !all_paid {
            bail!("the fully paid team has members not paid: {paid}");
        }
        self.step(J, "all shares captured, access granted", "fully_paid")?;
        for email in [leader.clone(), members[0].1.clone(), members[1].1.clone()] {
            self.email_arrives(J, &email, "team_activated").await?;
        }
        self.done(J, &id, "fully_paid");
        Ok(())
    }

    async fn apply(
        &mut self,
        journey: &str,
        email: &str,
        application: Value,
    ) -> anyhow::Result<(String, String, Value)> {
        let created = self
            .post(
                "/scholarships/apply",
                &json!({
                    "email": email,
                    "firstName": "Amira",
                    "lastName": "Haddad",
                    "application": application,
                    "statement": "I work part-time while preparing for the ADC written exam."
                }),
                &[],
                201,
            )
            .await?;
        expect(
            &created,
            "/status",
            &json!("pending_review"),
            "the application",
        )?;
        let id = text(&created, "/scholarshipId")?;
        let percentage = &created["calculation"]["percentage"];
        self.step(
            journey,
            &format!("application {id} ({percentage}%)"),
            "pending_review",
        )?;
        Ok((id, text(&created, "/accessToken")?, created))
    }

    /// Opens the approved application's checkout and pays it.
    async fn pay_scholarship(
        &mut self,
        journey: &'static str,
        id: &str,
        token: &str,
        email: &str,
    ) -> anyhow::Result<()> {
        let session = self
            .post(
                "/checkout/create",
                &json!({"campaignId": "scholarship-application", "recordId": id}),
                &[("X-Access-Token", token)],
                200,
            )
            .await?;
        self.pay(&text(&session, "/checkoutUrl")?).await?;
        self.step(journey, "applicant paid on the checkout page", "")?;
        let paid = self
            .until_status(&format!("/scholarships/{id}"), token, "paid")
            .await?;
        if paid["accessExpiresAt"].is_null() {
            bail!("the paid scholarship has no access period: {paid}");
        }
        self.step(journey, "payment confirmed, 3 months of access", "paid")?;
        self.email_arrives(journey, email, "scholarship_received")
            .await?;
        self.email_arrives(journey, email, "scholarship_approved")
            .await?;
        self.done(journey, id, "paid");
        Ok(())
    }

    async fn auto_approved_scholarship(&mut self) -> anyhow::Result<()> {
        const J: &str = "scholarship (auto-approved)";
        let application = json!({
            "householdIncome": 120000,
            "householdSize": 2,
            "country": "Brazil",
            "employmentStatus": "student"
        });
        let calculated = self
            .post("/scholarships/calculate", &application, &[], 200)
            .await?;
        expect(
            &calculated,
            "/autoApproved",
            &json!(true),
            "the calculation",
        )?;
        self.step(
            J,
            &format!(
                "calculated: {}% off, ${}",
                calculated["percentage"], calculated["price"]
            ),
            "auto-approvable",
        )?;
        let email = self.email("amira");
        let (id, token, _) = self.apply(J, &email, application).await?;
        self.until_status(&format!("/scholarships/{id}"), &token, "approved")
            .await?;
        self.step(J, "approved without review", "approved")?;
        self.pay_scholarship(J, &id, &token, &email).await
    }

    async fn reviewed_scholarship(&mut self) -> anyhow::Result<()> {
        const J: &str = "scholarship (reviewed)";
        let email = self.email("omar");
        let (id, token, created) = self
            .apply(
                J,
                &email,
                json!({
                    "householdIncome": 42000,
                    "householdSize": 3,
                    "country": "Egypt",
                    "employmentStatus": "part-time",
                    "latestExamScore": 58.0
                }),
            )
            .await?;
        expect(
            &created,
            "/calculation/autoApproved",
            &json!(false),
            "the application",
        )?;
        // The decision is accepted once the journey waits for a reviewer;
        // until then the route answers NOT_UNDER_REVIEW.
        let admin = self.admin.clone();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let answer = self
                .call(
                    reqwest::Method::POST,
                    &format!("/scholarships/{id}/review"),
                    Some(&json!({"decision": "approve", "note": "Income verified against the documents."})),
                    &[("Authorization", &admin)],
                )
                .await?;
            match answer.status {
                200 => {
                    expect(&answer.body, "/status", &json!("approved"), "the review")?;
                    break;
                }
                409 if answer.body["error"]["code"] == "NOT_UNDER_REVIEW"
                    && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL_EVERY).await;
                }
                other => bail!("POST /scholarships/{id}/review: {other}: {}", answer.body),
            }
        }
        self.step(J, "admin reviewed and approved it", "approved")?;
        self.until_status(&format!("/scholarships/{id}"), &token, "approved")
            .await?;
        self.pay_scholarship(J, &id, &token, &email).await
    }

    /// Assess a score report, upload it, create the plan and pay.
    async fn plan(&mut self) -> anyhow::Result<()> {
        const J: &str = "personalized-plan";
        let report = json!({
            "clinicalPercent": 52.0,
            "theoryPercent": 66.0,
            "overallPercent": 59.0,
            "questionsAnswered": 150,
            "questionsTotal": 150,
            "timeUsedMinutes": 180,
            "timeAllowedMinutes": 210
        });
        let assessed = self
            .post("/personalized-plans/assess", &report, &[], 200)
            .await?;
        expect(&assessed, "/cluster", &json!(1), "the assessment")?;
        self.step(J, "score report assessed: cluster 1 (clinical gap)", "")?;

        let pdf = b"%PDF-1.7 ADC score report (demo)".to_vec();
        let upload = self
            .post(
                "/personalized-plans/upload-url",
                &json!({"fileName": "adc-report.pdf", "contentType": "application/pdf", "contentLength": pdf.len()}),
                &[],
                200,
            )
            .await?;
        let url = text(&upload, "/uploadUrl")?;
        let put = self
            .http
            .put(&url)
            .header("Content-Type", "application/pdf")
            .body(pdf)
            .send()
            .await
            .context("uploading the score report")?;
        if !put.status().is_success() {
            bail!("PUT to the presigned URL answered {}", put.status());
        }
        let key = text(&upload, "/key")?;
        self.step(J, "score report uploaded to its presigned URL", "")?;

        let email = self.email("sam");
        let created = self
            .post(
                "/personalized-plans/create",
                &json!({
                    "email": email,
                    "firstName": "Sam",
                    "lastName": "Lee",
                    "scoreReport": report,
                    "scoreReportKey": key
                }),
                &[],
                201,
            )
            .await?;
        expect(&created, "/status", &json!("pending_payment"), "the plan")?;
        expect(&created, "/price", &json!(179), "the plan")?;
        let id = text(&created, "/planId")?;
        let token = text(&created, "/accessToken")?;
        self.step(J, &format!("plan {id} created ($179)"), "pending_payment")?;
        self.pay(&text(&created, "/checkout/checkoutUrl")?).await?;
        self.step(J, "paid on the checkout page", "")?;
        let active = self
            .until_status(&format!("/personalized-plans/{id}"), &token, "active")
            .await?;
        expect(&active, "/scoreReportKey", &json!(key), "the active plan")?;
        self.step(J, "plan activated", "active")?;
        self.email_arrives(J, &email, "plan_activated").await?;
        self.done(J, &id, "active");
        Ok(())
    }

    /// An admin schedules an exam; a free and a premium seat are taken.
    async fn mock_exam(&mut self) -> anyhow::Result<()> {
        const FREE: &str = "mock-exam (free)";
        const PREMIUM: &str = "mock-exam (premium)";
        let starts_at = chrono::Utc::now() + chrono::TimeDelta::days(3);
        let admin = self.admin.clone();
        let exam = self
            .post(
                "/mock-exams",
                &json!({
                    "title": format!("ADC Part 1 Mock Exam (demo {})", self.stamp),
                    "startsAt": starts_at.to_rfc3339(),
                    "durationMinutes": 120,
                    "capacity": 50,
                    "passMark": 60.0,
                    "sections": ["clinical", "theory"]
                }),
                &[("Authorization", &admin)],
                201,
            )
            .await?;
        expect(&exam, "/status", &json!("scheduled"), "the exam")?;
        let exam_id = text(&exam, "/mockExamId")?;
        self.step(
            FREE,
            &format!("admin scheduled exam {exam_id} in 3 days"),
            "scheduled",
        )?;
        let listed = self.get("/mock-exams", &[]).await?;
        let listed_here = listed["exams"]
            .as_array()
            .is_some_and(|exams| exams.iter().any(|e| e["mockExamId"] == json!(exam_id)));
        if !listed_here {
            bail!("GET /mock-exams does not list {exam_id}: {listed}");
        }
        self.step(FREE, "the exam is listed as upcoming", "")?;

        for (journey, who, tier) in [(FREE, "priya", "free"), (PREMIUM, "noah", "premium")] {
            let email = self.email(who);
            let created = self
                .post(
                    "/mock-exams/register",
                    &json!({
                        "mockExamId": exam_id,
                        "email": email,
                        "firstName": "Priya",
                        "lastName": "Kumar",
                        "tier": tier
                    }),
                    &[],
                    201,
                )
                .await?;
            let id = text(&created, "/registrationId")?;
            let token = text(&created, "/accessToken")?;
            let status = created["status"].as_str().unwrap_or_default().to_owned();
            self.step(journey, &format!("{tier} registration {id}"), &status)?;
            if tier == "premium" {
                self.pay(&text(&created, "/checkout/checkoutUrl")?).await?;
                self.step(journey, "paid $29 on the checkout page", "")?;
            }
            let registered = self
                .until_status(
                    &format!("/mock-exams/registrations/{id}"),
                    &token,
                    "registered",
                )
                .await?;
            expect(&registered, "/tier", &json!(tier), "the registration")?;
            self.step(journey, "seat confirmed", "registered")?;
            self.email_arrives(journey, &email, "mock_exam_registration")
                .await?;
            self.done(journey, &id, "registered");
        }
        Ok(())
    }
}

/// The string at `pointer`, or an error naming it.
fn text(body: &Value, pointer: &str) -> anyhow::Result<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no {pointer} in {body}"))
}

/// Checks one field of an answer.
fn expect(body: &Value, pointer: &str, want: &Value, what: &str) -> anyhow::Result<()> {
    match body.pointer(pointer) {
        Some(found) if found == want || numbers_equal(found, want) => Ok(()),
        found => bail!(
            "{what}: expected {pointer} = {want}, found {}: {body}",
            found.cloned().unwrap_or(Value::Null)
        ),
    }
}

fn numbers_equal(a: &Value, b: &Value) -> bool {
    matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if (x - y).abs() < 1e-9)
}

/// `application/x-www-form-urlencoded` (and query) encoding.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_values_and_html_round_trip() {
        assert_eq!(form_encode("a b@c+d"), "a%20b%40c%2Bd");
        assert_eq!(unescape("a&amp;b=&lt;c&gt;"), "a&b=<c>");
        assert!(numbers_equal(&json!(1), &json!(1.0)));
    }
}
