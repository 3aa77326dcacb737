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

use anyhow::bail;
use serde_json::{Value, json};

use crate::client::{Client, expect, text};

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
    let stamp = chrono::Utc::now().timestamp_millis();
    let mut demo = Demo {
        client: Client::new(api_base, admin_token)?,
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
    client: Client,
    /// Makes this run's emails and coupon code its own.
    stamp: String,
    started: Instant,
    out: &'a mut W,
    summary: Summary,
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

    async fn console_sign_in(&mut self) -> anyhow::Result<()> {
        self.client.console_sign_in().await?;
        self.step("console", "signed in to read the outbox", "ok")
    }

    /// Waits until `template` was sent to `to`; the id of the newest.
    async fn email_arrives(
        &mut self,
        journey: &str,
        to: &str,
        template: &str,
    ) -> anyhow::Result<String> {
        let id = self.client.email_arrives(to, template).await?;
        self.step(journey, &format!("email {template} to {to}"), "sent")?;
        Ok(id)
    }

    // --- the journeys ------------------------------------------------------

    /// An admin creates a coupon; a buyer checks it, buys with it and pays.
    async fn purchase(&mut self) -> anyhow::Result<()> {
        const J: &str = "discount-purchase";
        let code = format!("DEMO{}", self.stamp);
        self.client.create_coupon(&code, 100).await?;
        self.step(
            J,
            &format!("admin created coupon {code} (20% off)"),
            "active",
        )?;

        let buyer = self.email("lena");
        let validated = self
            .client
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
        let purchase = self
            .client
            .create_purchase(&buyer, "full-6months", &code, &key)
            .await?;
        let id = purchase.id.clone();
        self.step(J, &format!("purchase {id} created"), "pending_payment")?;

        self.client.pay_for(&purchase).await?;
        self.step(J, "buyer paid on the checkout page", "")?;
        let paid = self
            .client
            .until_status(&format!("/purchases/{id}"), &purchase.token, "paid")
            .await?;
        expect(&paid, "/couponCode", &json!(code), "the paid purchase")?;
        self.step(J, "purchase confirmed, access granted", "paid")?;
        self.email_arrives(J, &buyer, "purchase_confirmation")
            .await?;

        let used = self.client.coupon(&code).await?;
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
            ("Jane Smith".to_owned(), self.email("jane")),
            ("Ravi Patel".to_owned(), self.email("ravi")),
        ];
        let team = self.client.create_team(&leader, &members).await?;
        expect(&team.body, "/totalAmount", &json!(299), "the team")?;
        let id = team.id.clone();
        self.step(
            J,
            &format!("team {id} of 3 created ($299)"),
            "pending_payment",
        )?;

        self.client.pay_for(&team).await?;
        self.step(J, "leader paid their share (held)", "")?;
        for (name, email) in &members {
            let email_id = self.email_arrives(J, email, "team_invitation").await?;
            self.client.pay_invitation(&id, &email_id).await?;
            self.step(
                J,
                &format!("{name} opened the invitation and paid (held)"),
                "",
            )?;
        }
        let paid = self
            .client
            .until_status(&format!("/teams/{id}"), &team.token, "fully_paid")
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
        let created = self.client.apply_scholarship(email, &application).await?;
        let percentage = &created.body["calculation"]["percentage"];
        self.step(
            journey,
            &format!("application {} ({percentage}%)", created.id),
            "pending_review",
        )?;
        Ok((created.id, created.token, created.body))
    }

    /// Opens the approved application's checkout and pays it.
    async fn pay_scholarship(
        &mut self,
        journey: &'static str,
        id: &str,
        token: &str,
        email: &str,
    ) -> anyhow::Result<()> {
        let url = self
            .client
            .checkout("scholarship-application", id, token)
            .await?;
        self.client.pay(&url).await?;
        self.step(journey, "applicant paid on the checkout page", "")?;
        let paid = self
            .client
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
            .client
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
        self.client
            .until_status(&format!("/scholarships/{id}"), &token, "approved")
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
        let reviewed = self.client.review_scholarship(&id, "approve").await?;
        expect(&reviewed, "/status", &json!("approved"), "the review")?;
        self.step(J, "admin reviewed and approved it", "approved")?;
        self.client
            .until_status(&format!("/scholarships/{id}"), &token, "approved")
            .await?;
        self.pay_scholarship(J, &id, &token, &email).await
    }

    /// Assess a score report, upload it, create the plan and pay.
    async fn plan(&mut self) -> anyhow::Result<()> {
        const J: &str = "personalized-plan";
        let report = score_report();
        let assessed = self
            .client
            .post("/personalized-plans/assess", &report, &[], 200)
            .await?;
        expect(&assessed, "/cluster", &json!(1), "the assessment")?;
        self.step(J, "score report assessed: cluster 1 (clinical gap)", "")?;

        let key = self
            .client
            .upload_report("adc-report.pdf", SCORE_REPORT_PDF.to_vec())
            .await?;
        self.step(J, "score report uploaded to its presigned URL", "")?;

        let email = self.email("sam");
        let plan = self.client.create_plan(&email, &report, &key).await?;
        expect(&plan.body, "/price", &json!(179), "the plan")?;
        let id = plan.id.clone();
        self.step(J, &format!("plan {id} created ($179)"), "pending_payment")?;
        self.client.pay_for(&plan).await?;
        self.step(J, "paid on the checkout page", "")?;
        let active = self
            .client
            .until_status(&format!("/personalized-plans/{id}"), &plan.token, "active")
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
        let exam = self
            .client
            .create_exam(
                &format!("ADC Part 1 Mock Exam (demo {})", self.stamp),
                starts_at,
                50,
            )
            .await?;
        let exam_id = text(&exam, "/mockExamId")?;
        self.step(
            FREE,
            &format!("admin scheduled exam {exam_id} in 3 days"),
            "scheduled",
        )?;
        let listed = self.client.get("/mock-exams", &[]).await?;
        let listed_here = listed["exams"]
            .as_array()
            .is_some_and(|exams| exams.iter().any(|e| e["mockExamId"] == json!(exam_id)));
        if !listed_here {
            bail!("GET /mock-exams does not list {exam_id}: {listed}");
        }
        self.step(FREE, "the exam is listed as upcoming", "")?;

        for (journey, who, tier) in [(FREE, "priya", "free"), (PREMIUM, "noah", "premium")] {
            let email = self.email(who);
            let registration = self
                .client
                .register_for_exam(&exam_id, &email, tier)
                .await?;
            let id = registration.id.clone();
            let status = registration.body["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            self.step(journey, &format!("{tier} registration {id}"), &status)?;
            if tier == "premium" {
                self.client.pay_for(&registration).await?;
                self.step(journey, "paid $29 on the checkout page", "")?;
            }
            let registered = self
                .client
                .until_status(
                    &format!("/mock-exams/registrations/{id}"),
                    &registration.token,
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

/// The demo's score report: a clinical gap (cluster 1), $179.
pub fn score_report() -> Value {
    json!({
        "clinicalPercent": 52.0,
        "theoryPercent": 66.0,
        "overallPercent": 59.0,
        "questionsAnswered": 150,
        "questionsTotal": 150,
        "timeUsedMinutes": 180,
        "timeAllowedMinutes": 210
    })
}

/// The bytes uploaded as the score report file.
pub const SCORE_REPORT_PDF: &[u8] = b"%PDF-1.7 ADC score report (demo)";
