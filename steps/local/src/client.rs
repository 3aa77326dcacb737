//! A client of a running `campaigns serve`, over HTTP only, as the frontend,
//! a paying customer, an admin and an operator use it: the API under `/v1`,
//! the Stripe simulator's checkout pages, presigned uploads, and the
//! operations console for the emails a customer receives.
//!
//! `campaigns demo` drives every journey with it, and tests drive journeys
//! part of the way with it (e.g. up to a payment, then stop the server).

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use serde_json::{Value, json};

/// How long a record may take to reach the status a step leads to.
pub const PATIENCE: Duration = Duration::from_secs(30);
const POLL_EVERY: Duration = Duration::from_millis(150);

/// A JSON answer of the API.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// A record a create route made: its id, its access token, and the answer.
#[derive(Debug, Clone)]
pub struct Created {
    pub id: String,
    pub token: String,
    pub body: Value,
}

impl Created {
    fn from(body: Value, id_field: &str) -> anyhow::Result<Created> {
        Ok(Created {
            id: text(&body, &format!("/{id_field}"))?,
            token: text(&body, "/accessToken")?,
            body,
        })
    }

    /// The Stripe checkout page the create route opened.
    pub fn checkout_url(&self) -> anyhow::Result<String> {
        text(&self.body, "/checkout/checkoutUrl")
    }
}

/// One product's client.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Checkout pages and the console answer with redirects to pages that
    /// are not served here: look at them, don't follow them.
    manual: reqwest::Client,
    /// `http://host:port/v1`.
    api: String,
    /// `http://host:port`.
    base: String,
    /// `Bearer <admin token>`.
    admin: String,
    admin_token: String,
    console_cookie: Option<String>,
}

impl Client {
    /// A client of the product whose API is at `api_base` (e.g.
    /// `http://127.0.0.1:8080/v1`), with the admin token it was started with.
    pub fn new(api_base: &str, admin_token: &str) -> anyhow::Result<Client> {
        let api = api_base.trim_end_matches('/').to_owned();
        let base = api
            .strip_suffix("/v1")
            .ok_or_else(|| anyhow!("the API URL should end in /v1: {api_base}"))?
            .to_owned();
        Ok(Client {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()?,
            manual: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            api,
            base,
            admin: format!("Bearer {admin_token}"),
            admin_token: admin_token.to_owned(),
            console_cookie: None,
        })
    }

    /// `http://host:port`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The `Authorization` value of the admin routes.
    pub fn admin(&self) -> &str {
        &self.admin
    }

    /// Any request to the API; the answer, whatever its status.
    pub async fn call(
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
    pub async fn post(
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

    /// `GET` expecting 200; the body.
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> anyhow::Result<Value> {
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
    pub async fn until_status(&self, path: &str, token: &str, want: &str) -> anyhow::Result<Value> {
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
    pub async fn pay(&self, checkout_url: &str) -> anyhow::Result<()> {
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

    /// Pays on the checkout page the create route of `record` opened.
    pub async fn pay_for(&self, record: &Created) -> anyhow::Result<()> {
        self.pay(&record.checkout_url()?).await
    }

    // --- the console, for the emails a customer receives -----------------

    /// Signs in to the console with the admin token.
    pub async fn console_sign_in(&mut self) -> anyhow::Result<()> {
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
                Ok(())
            }
            None => bail!(
                "the console refused the admin token ({}); the emails a customer receives \
                 are read there",
                response.status()
            ),
        }
    }

    /// A console page (signed in first), as HTML.
    pub async fn console_page(&self, path: &str) -> anyhow::Result<String> {
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
    pub async fn emails_to(&self, to: &str) -> anyhow::Result<Vec<(String, String)>> {
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
    pub async fn email_arrives(&self, to: &str, template: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let sent = self.emails_to(to).await?;
            if let Some((id, _)) = sent.iter().find(|(_, t)| t == template) {
                return Ok(id.clone());
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
    pub async fn pay_link(&self, email_id: &str) -> anyhow::Result<(String, String)> {
        let html = self
            .console_page(&format!("/console/emails/{email_id}"))
            .await?;
        let text = html
            .split("<pre id=\"email-text\">")
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

    // --- the journeys' requests ---------------------------------------------

    /// An admin creates an active coupon: 20 % off (at most $50) the standard,
    /// full and premium plans from $100, `usage_limit` uses, one per buyer.
    pub async fn create_coupon(&self, code: &str, usage_limit: u32) -> anyhow::Result<Value> {
        let now = chrono::Utc::now();
        let coupon = json!({
            "couponCode": code,
            "type": "percentage",
            "value": 20,
            "maxDiscount": 50,
            "minPurchase": 100,
            "validFrom": (now - chrono::TimeDelta::days(1)).to_rfc3339(),
            "validUntil": (now + chrono::TimeDelta::days(30)).to_rfc3339(),
            "usageLimit": usage_limit,
            "usageCount": 0,
            "perUserLimit": 1,
            "applicablePlans": ["standard", "full", "premium"],
            "status": "active"
        });
        let created = self
            .post("/coupons", &coupon, &[("Authorization", &self.admin)], 201)
            .await?;
        expect(&created, "/couponCode", &json!(code), "the created coupon")?;
        Ok(created)
    }

    /// The coupon as an admin reads it.
    pub async fn coupon(&self, code: &str) -> anyhow::Result<Value> {
        self.get(
            &format!("/coupons/{code}"),
            &[("Authorization", &self.admin)],
        )
        .await
    }

    /// A buyer buys `product_id` with `coupon`, under an idempotency key.
    pub async fn create_purchase(
        &self,
        email: &str,
        product_id: &str,
        coupon: &str,
        idempotency_key: &str,
    ) -> anyhow::Result<Created> {
        let created = self
            .post(
                "/purchases/create",
                &json!({
                    "email": email,
                    "firstName": "Lena",
                    "lastName": "Nguyen",
                    "productId": product_id,
                    "couponCode": coupon
                }),
                &[("Idempotency-Key", idempotency_key)],
                201,
            )
            .await?;
        expect(
            &created,
            "/status",
            &json!("pending_payment"),
            "the purchase",
        )?;
        Created::from(created, "purchaseId")
    }

    /// A leader creates a team with `members` (name, email).
    pub async fn create_team(
        &self,
        leader: &str,
        members: &[(String, String)],
    ) -> anyhow::Result<Created> {
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
        Created::from(created, "teamId")
    }

    /// A team member's checkout page, opened from their invitation's link.
    pub async fn member_checkout(
        &self,
        team_id: &str,
        member_id: &str,
        member_token: &str,
    ) -> anyhow::Result<String> {
        let session = self
            .post(
                &format!("/teams/{team_id}/members/{member_id}/checkout"),
                &json!({}),
                &[("X-Access-Token", member_token)],
                200,
            )
            .await?;
        text(&session, "/checkoutUrl")
    }

    /// What a team member does with their invitation (the email `email_id`):
    /// follows its pay link to their share's checkout page and pays.
    pub async fn pay_invitation(&self, team_id: &str, email_id: &str) -> anyhow::Result<()> {
        let (member_id, member_token) = self.pay_link(email_id).await?;
        let url = self
            .member_checkout(team_id, &member_id, &member_token)
            .await?;
        self.pay(&url).await
    }

    /// An applicant applies for a scholarship.
    pub async fn apply_scholarship(
        &self,
        email: &str,
        application: &Value,
    ) -> anyhow::Result<Created> {
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
        Created::from(created, "scholarshipId")
    }

    /// An admin decides on an application. The decision is accepted once the
    /// journey waits for a reviewer; until then the route answers
    /// NOT_UNDER_REVIEW, and this asks again.
    pub async fn review_scholarship(&self, id: &str, decision: &str) -> anyhow::Result<Value> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let answer = self
                .call(
                    reqwest::Method::POST,
                    &format!("/scholarships/{id}/review"),
                    Some(&json!({"decision": decision, "note": "Income verified against the documents."})),
                    &[("Authorization", &self.admin)],
                )
                .await?;
            match answer.status {
                200 => return Ok(answer.body),
                409 if answer.body["error"]["code"] == "NOT_UNDER_REVIEW"
                    && Instant::now() < deadline =>
                {
                    tokio::time::sleep(POLL_EVERY).await;
                }
                other => bail!("POST /scholarships/{id}/review: {other}: {}", answer.body),
            }
        }
    }

    /// The checkout page of a record paid in one piece (`POST /checkout/create`).
    pub async fn checkout(
        &self,
        campaign: &str,
        record_id: &str,
        token: &str,
    ) -> anyhow::Result<String> {
        let session = self
            .post(
                "/checkout/create",
                &json!({"campaignId": campaign, "recordId": record_id}),
                &[("X-Access-Token", token)],
                200,
            )
            .await?;
        text(&session, "/checkoutUrl")
    }

    /// Uploads a score report to a presigned URL; its key.
    pub async fn upload_report(&self, file_name: &str, pdf: Vec<u8>) -> anyhow::Result<String> {
        let upload = self
            .post(
                "/personalized-plans/upload-url",
                &json!({"fileName": file_name, "contentType": "application/pdf", "contentLength": pdf.len()}),
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
        text(&upload, "/key")
    }

    /// A candidate creates a personalized plan from a score report.
    pub async fn create_plan(
        &self,
        email: &str,
        report: &Value,
        report_key: &str,
    ) -> anyhow::Result<Created> {
        let created = self
            .post(
                "/personalized-plans/create",
                &json!({
                    "email": email,
                    "firstName": "Sam",
                    "lastName": "Lee",
                    "scoreReport": report,
                    "scoreReportKey": report_key
                }),
                &[],
                201,
            )
            .await?;
        expect(&created, "/status", &json!("pending_payment"), "the plan")?;
        Created::from(created, "planId")
    }

    /// An admin schedules a mock exam with `capacity` seats, starting at
    /// `starts_at`.
    pub async fn create_exam(
        &self,
        title: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        capacity: u32,
    ) -> anyhow::Result<Value> {
        let exam = self
            .post(
                "/mock-exams",
                &json!({
                    "title": title,
                    "startsAt": starts_at.to_rfc3339(),
                    "durationMinutes": 120,
                    "capacity": capacity,
                    "passMark": 60.0,
                    "sections": ["clinical", "theory"]
                }),
                &[("Authorization", &self.admin)],
                201,
            )
            .await?;
        expect(&exam, "/status", &json!("scheduled"), "the exam")?;
        Ok(exam)
    }

    /// A candidate registers for an exam, `free` or `premium`.
    pub async fn register_for_exam(
        &self,
        exam_id: &str,
        email: &str,
        tier: &str,
    ) -> anyhow::Result<Created> {
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
        Created::from(created, "registrationId")
    }
}

/// The string at `pointer`, or an error naming it.
pub fn text(body: &Value, pointer: &str) -> anyhow::Result<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no {pointer} in {body}"))
}

/// Checks one field of an answer.
pub fn expect(body: &Value, pointer: &str, want: &Value, what: &str) -> anyhow::Result<()> {
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
pub fn form_encode(value: &str) -> String {
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

    #[test]
    fn an_api_url_without_v1_is_refused() {
        assert!(Client::new("http://127.0.0.1:8080", "t").is_err());
        let client = Client::new("http://127.0.0.1:8080/v1/", "t").unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:8080");
        assert_eq!(client.admin(), "Bearer t");
    }
}
