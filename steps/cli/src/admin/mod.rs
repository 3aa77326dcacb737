//! `campaigns admin`: the operators' command line. Each subcommand is one
//! admin route of the API (or a batch of them), against a local `serve`
//! (bearer token) or the deployed API (SigV4 with the operator's AWS
//! credentials). Answers print as tables, or as the API's JSON with
//! `--json`; the exit code says what happened (see [`AdminError::exit_code`]).

mod api;
mod error;
mod render;
mod sigv4;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use campaigns_core::money::Cents;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};
use url::Url;

use api::{AdminApi, Auth};
use error::AdminError;
use render::Output;

#[derive(Args)]
pub struct AdminArgs {
    /// Where the API's routes start: a local `serve`'s `/v1`, or the
    /// deployed stage (`https://{id}.execute-api.{region}.amazonaws.com/v1`).
    #[arg(
        long,
        env = "CAMPAIGNS_API",
        default_value = "http://127.0.0.1:8080/v1",
        global = true
    )]
    api: Url,
    /// How to sign requests: `auto` uses the bearer token for a loopback
    /// address and SigV4 otherwise.
    #[arg(long, value_enum, default_value_t = AuthMode::Auto, global = true)]
    auth: AuthMode,
    /// The admin token a local `serve` was started with.
    #[arg(
        long,
        env = "ADMIN_TOKEN",
        default_value = "local-admin-token",
        global = true,
        hide_env_values = true
    )]
    token: String,
    /// SigV4: the AWS profile (else the usual chain: environment, `AWS_PROFILE`, SSO).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// SigV4: the API's region, when its address does not say it.
    #[arg(long, global = true)]
    region: Option<String>,
    /// Print the API's JSON answers instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Clone, Copy, ValueEnum)]
enum AuthMode {
    Auto,
    Bearer,
    Sigv4,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Scholarship applications waiting for a reviewer, and decisions.
    Scholarships {
        #[command(subcommand)]
        command: ScholarshipsCommand,
    },
    /// Coupons: create, list, change, deactivate.
    Coupons {
        #[command(subcommand)]
        command: CouponsCommand,
    },
    /// Mock exams: schedule, move, cancel, upload results.
    Exams {
        #[command(subcommand)]
        command: ExamsCommand,
    },
    /// Refund a payment in full or in part.
    Refund(RefundArgs),
    /// Every record held about a customer, by email.
    Customer {
        #[arg(long)]
        email: String,
    },
    /// A person's data: export it, or erase it.
    Privacy {
        #[command(subcommand)]
        command: PrivacyCommand,
    },
}

#[derive(Subcommand)]
enum ScholarshipsCommand {
    /// The applications waiting for a decision, oldest first.
    Pending,
    /// Record a decision; the applicant is emailed at once.
    Review {
        scholarship_id: String,
        #[arg(long, value_enum)]
        decision: Decision,
        /// Why, for the applicant's email and the record.
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Decision {
    Approve,
    Decline,
}

#[derive(Subcommand)]
enum CouponsCommand {
    /// Every coupon and how often it was used.
    List,
    /// One coupon.
    Show { code: String },
    /// Create a coupon.
    Create(NewCoupon),
    /// Create every coupon of a file: a JSON array, or one JSON object per
    /// line, each the body `POST /coupons` takes. Safe to run again: a code
    /// created already is reported, not created twice.
    Import { file: PathBuf },
    /// Change a coupon's limits or end.
    Update {
        code: String,
        #[arg(long)]
        usage_limit: Option<u32>,
        #[arg(long)]
        per_user_limit: Option<u32>,
        /// RFC 3339, e.g. 2027-01-31T23:59:59+11:00.
        #[arg(long)]
        valid_until: Option<String>,
        /// Make an inactive coupon usable again.
        #[arg(long)]
        activate: bool,
    },
    /// Deactivate a coupon at once (checkouts already open keep their price).
    Deactivate { code: String },
}

#[derive(Args)]
struct NewCoupon {
    #[arg(long)]
    code: String,
    /// A percentage off (1-100).
    #[arg(long, conflicts_with = "fixed", required_unless_present = "fixed")]
    percent: Option<u32>,
    /// An amount off, in dollars.
    #[arg(long, value_parser = dollars)]
    fixed: Option<Cents>,
    /// Caps a percentage's discount, in dollars.
    #[arg(long, value_parser = dollars)]
    max_discount: Option<Cents>,
    /// The price must be at least this much, in dollars.
    #[arg(long, value_parser = dollars, default_value = "0")]
    min_purchase: Cents,
    /// RFC 3339; the start of today (UTC) when absent.
    #[arg(long)]
    valid_from: Option<String>,
    /// RFC 3339.
    #[arg(long)]
    valid_until: String,
    #[arg(long)]
    usage_limit: u32,
    #[arg(long, default_value_t = 1)]
    per_user_limit: u32,
    /// The plans it applies to (repeat; all when absent).
    #[arg(long = "plan", value_parser = ["basic", "standard", "full", "premium"])]
    plans: Vec<String>,
}

#[derive(Subcommand)]
enum ExamsCommand {
    /// Upcoming exams, soonest first.
    List {
        #[arg(long)]
        limit: Option<u32>,
        /// `nextCursor` of the previous page.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Schedule an exam; its reminder and results runs come with it.
    Schedule {
        #[arg(long)]
        title: String,
        /// RFC 3339, more than 24 hours away, e.g. 2027-03-20T09:00:00+11:00.
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        duration_minutes: u32,
        #[arg(long)]
        capacity: u32,
        #[arg(long)]
        pass_mark: f64,
        /// A section's name (repeat for each).
        #[arg(long = "section", required = true)]
        sections: Vec<String>,
        /// IANA zone its times are read in (Australia/Sydney when absent).
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Move an exam to another time; every candidate is emailed.
    Move {
        mock_exam_id: String,
        #[arg(long)]
        starts_at: String,
        #[arg(long)]
        duration_minutes: Option<u32>,
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// Cancel an exam: every candidate emailed, every paid seat refunded.
    Cancel {
        mock_exam_id: String,
        /// Required: cancelling refunds and emails every candidate.
        #[arg(long)]
        yes: bool,
    },
    /// Upload the marked results: a JSON file, `{"results": [...]}` or the
    /// array alone.
    Results { mock_exam_id: String, file: PathBuf },
    /// An exam's statistics.
    Stats { mock_exam_id: String },
}

#[derive(Args)]
struct RefundArgs {
    /// discount-purchase, team-creation, scholarship, personalized-plan or mock-exam.
    #[arg(long)]
    campaign: String,
    #[arg(long)]
    record: String,
    /// A team member's share.
    #[arg(long)]
    member: Option<String>,
    /// In dollars; everything not yet refunded when absent.
    #[arg(long, value_parser = dollars)]
    amount: Option<Cents>,
    #[arg(long, value_enum, default_value_t = RefundReason::RequestedByCustomer)]
    reason: RefundReason,
    #[arg(long)]
    note: Option<String>,
    /// The Idempotency-Key: repeat a refund that timed out with the same
    /// key and it is made once. A new one is made (and printed) when absent.
    #[arg(long)]
    key: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum RefundReason {
    RequestedByCustomer,
    Duplicate,
    Fraudulent,
}

#[derive(Subcommand)]
enum PrivacyCommand {
    /// Every record held about an email, as JSON.
    Export {
        #[arg(long)]
        email: String,
        /// Write it to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase people's data (financial facts are kept, pseudonymized).
    Erase {
        /// An email to erase (repeat for several).
        #[arg(long = "email")]
        emails: Vec<String>,
        /// A file of emails, one per line.
        #[arg(long)]
        from_file: Option<PathBuf>,
        /// Required: erasure cannot be undone.
        #[arg(long)]
        yes: bool,
    },
}

/// An amount in dollars as the API reads one (at most two decimals).
fn dollars(text: &str) -> Result<Cents, String> {
    serde_json::from_str::<Cents>(text.trim())
        .map_err(|err| format!("{text:?} is not an amount in dollars: {err}"))
}

/// Runs the command; the exit code tells a script what happened.
pub async fn run(args: AdminArgs) -> ExitCode {
    let output = Output { json: args.json };
    match execute(&args, &output).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            err.exit_code()
        }
    }
}

async fn execute(args: &AdminArgs, output: &Output) -> Result<(), AdminError> {
    let api = connect(args).await?;
    match &args.command {
        AdminCommand::Scholarships { command } => scholarships(&api, output, command).await,
        AdminCommand::Coupons { command } => coupons(&api, output, command).await,
        AdminCommand::Exams { command } => exams(&api, output, command).await,
        AdminCommand::Refund(refund_args) => refund(&api, output, refund_args).await,
        AdminCommand::Customer { email } => {
            let answer = api
                .post("/customers/lookup", &json!({ "email": email }))
                .await?;
            output.list(
                &answer,
                "/records",
                Some(&[
                    ("kind", "/kind"),
                    ("id", "/id"),
                    ("campaign", "/campaignId"),
                    ("status", "/status"),
                    ("amount", "/amount"),
                    ("refunded", "/amountRefunded"),
                    ("created", "/createdAt"),
                    ("table", "/table"),
                ]),
            );
            Ok(())
        }
        AdminCommand::Privacy { command } => privacy(&api, output, command).await,
    }
}

async fn connect(args: &AdminArgs) -> Result<AdminApi, AdminError> {
    let host = args.api.host_str().unwrap_or_default().to_owned();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    let auth = match (args.auth, loopback) {
        (AuthMode::Bearer, _) | (AuthMode::Auto, true) => Auth::Bearer(args.token.clone()),
        (AuthMode::Sigv4, _) | (AuthMode::Auto, false) => Auth::SigV4(
            sigv4::Signer::from_environment(&host, args.region.clone(), args.profile.clone())
                .await?,
        ),
    };
    AdminApi::new(args.api.clone(), auth)
}

async fn scholarships(
    api: &AdminApi,
    output: &Output,
    command: &ScholarshipsCommand,
) -> Result<(), AdminError> {
    match command {
        ScholarshipsCommand::Pending => {
            let answer = api.get("/scholarships/pending").await?;
            output.list(
                &answer,
                "/scholarships",
                Some(&[
                    ("id", "/scholarshipId"),
                    ("applied", "/createdAt"),
                    ("email", "/email"),
                    ("country", "/application/country"),
                    ("income", "/application/householdIncome"),
                    ("employment", "/application/employmentStatus"),
                    ("percent", "/calculation/percentage"),
                    ("price", "/price"),
                ]),
            );
        }
        ScholarshipsCommand::Review {
            scholarship_id,
            decision,
            note,
        } => {
            let mut body = json!({
                "decision": match decision {
                    Decision::Approve => "approve",
                    Decision::Decline => "decline",
                }
            });
            if let Some(note) = note {
                body["note"] = json!(note);
            }
            let answer = api
                .post(&format!("/scholarships/{scholarship_id}/review"), &body)
                .await?;
            output.record(&answer);
        }
    }
    Ok(())
}

const COUPON_COLUMNS: render::Columns = &[
    ("code", "/couponCode"),
    ("type", "/type"),
    ("value", "/value"),
    ("used", "/usageCount"),
    ("limit", "/usageLimit"),
    ("per buyer", "/perUserLimit"),
    ("until", "/validUntil"),
    ("status", "/status"),
];

async fn coupons(
    api: &AdminApi,
    output: &Output,
    command: &CouponsCommand,
) -> Result<(), AdminError> {
    match command {
        CouponsCommand::List => {
            let answer = api.get("/coupons").await?;
            output.list(&answer, "/coupons", Some(COUPON_COLUMNS));
        }
        CouponsCommand::Show { code } => {
            output.record(&api.get(&format!("/coupons/{code}")).await?)
        }
        CouponsCommand::Create(coupon) => {
            let body = coupon_body(coupon)?;
            let key = format!("coupon/{}", coupon.code.trim().to_uppercase());
            output.record(&api.create("/coupons", &body, &key).await?);
        }
        CouponsCommand::Import { file } => import_coupons(api, output, file).await?,
        CouponsCommand::Update {
            code,
            usage_limit,
            per_user_limit,
            valid_until,
            activate,
        } => {
            let mut body = Map::new();
            if let Some(limit) = usage_limit {
                body.insert("usageLimit".into(), json!(limit));
            }
            if let Some(limit) = per_user_limit {
                body.insert("perUserLimit".into(), json!(limit));
            }
            if let Some(until) = valid_until {
                body.insert("validUntil".into(), json!(until));
            }
            if *activate {
                body.insert("status".into(), json!("active"));
            }
            let path = format!("/coupons/{code}/update");
            output.record(&api.post(&path, &Value::Object(body)).await?);
        }
        CouponsCommand::Deactivate { code } => {
            let path = format!("/coupons/{code}/update");
            output.record(&api.post(&path, &json!({"status": "inactive"})).await?);
        }
    }
    Ok(())
}

/// The body of `POST /coupons` from the command's flags.
fn coupon_body(coupon: &NewCoupon) -> Result<Value, AdminError> {
    let (kind, value) = match (coupon.percent, coupon.fixed) {
        (Some(percent), _) => ("percentage", json!(percent)),
        (None, Some(amount)) => ("fixed", json!(amount)),
        (None, None) => unreachable!("clap requires --percent or --fixed"),
    };
    let plans: Vec<&str> = if coupon.plans.is_empty() {
        vec!["basic", "standard", "full", "premium"]
    } else {
        coupon.plans.iter().map(String::as_str).collect()
    };
    let mut body = json!({
        "couponCode": coupon.code,
        "type": kind,
        "value": value,
        "minPurchase": coupon.min_purchase,
        "validFrom": coupon.valid_from.clone().unwrap_or_else(start_of_today),
        "validUntil": coupon.valid_until,
        "usageLimit": coupon.usage_limit,
        "usageCount": 0,
        "perUserLimit": coupon.per_user_limit,
        "applicablePlans": plans,
        "status": "active"
    });
    if let Some(cap) = coupon.max_discount {
        body["maxDiscount"] = json!(cap);
    }
    Ok(body)
}

/// The start of today (UTC): a default that stays the same when the same
/// command is sent again, so its Idempotency-Key replays the first answer.
fn start_of_today() -> String {
    chrono::Utc::now()
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc()
        .to_rfc3339()
}

/// Creates each coupon of the file, with progress; a failure is reported
/// and the rest go on. Fails (with the first failure's exit code) when any
/// failed.
async fn import_coupons(api: &AdminApi, output: &Output, file: &PathBuf) -> Result<(), AdminError> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let coupons =
        json_items(&text).with_context(|| format!("{} holds no coupons", file.display()))?;
    let progress = progress(coupons.len(), "coupons");
    let mut rows = Vec::new();
    let mut first_failure = None;
    for coupon in &coupons {
        let code = coupon["couponCode"]
            .as_str()
            .unwrap_or_default()
            .to_uppercase();
        progress.set_message(code.clone());
        let outcome = api
            .create("/coupons", coupon, &format!("coupon/{code}"))
            .await;
        rows.push(json!({
            "couponCode": code,
            "outcome": match &outcome {
                Ok(_) => "created".to_owned(),
                Err(err) => err.to_string(),
            }
        }));
        if let Err(err) = outcome {
            first_failure.get_or_insert(err);
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    output.list(&json!({ "coupons": rows }), "/coupons", None);
    first_failure.map_or(Ok(()), Err)
}

/// The items of a JSON array, or of one JSON value per line.
fn json_items(text: &str) -> anyhow::Result<Vec<Value>> {
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(one) => vec![one],
        Err(_) => text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(n, line)| serde_json::from_str(line).with_context(|| format!("line {}", n + 1)))
            .collect::<anyhow::Result<_>>()?,
    };
    anyhow::ensure!(!items.is_empty(), "no items");
    Ok(items)
}

/// A bar counting `total` items on a terminal; nothing elsewhere.
fn progress(total: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(total as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!("{{bar:30}} {{pos}}/{{len}} {what} {{msg}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

async fn exams(api: &AdminApi, output: &Output, command: &ExamsCommand) -> Result<(), AdminError> {
    match command {
        ExamsCommand::List { limit, cursor } => {
            let mut query = Vec::new();
            if let Some(limit) = limit {
                query.push(format!("limit={limit}"));
            }
            if let Some(cursor) = cursor {
                query.push(format!("cursor={}", url_encode(cursor)));
            }
            let path = if query.is_empty() {
                "/mock-exams".to_owned()
            } else {
                format!("/mock-exams?{}", query.join("&"))
            };
            output.list(
                &api.get(&path).await?,
                "/exams",
                Some(&[
                    ("id", "/mockExamId"),
                    ("title", "/title"),
                    ("starts", "/startsAtLocal/text"),
                    ("ends", "/endsAtLocal/text"),
                    ("seats left", "/seatsLeft"),
                    ("status", "/status"),
                ]),
            );
        }
        ExamsCommand::Schedule {
            title,
            starts_at,
            duration_minutes,
            capacity,
            pass_mark,
            sections,
            time_zone,
        } => {
            let mut body = json!({
                "title": title,
                "startsAt": starts_at,
                "durationMinutes": duration_minutes,
                "capacity": capacity,
                "passMark": pass_mark,
                "sections": sections,
            });
            if let Some(zone) = time_zone {
                body["timeZone"] = json!(zone);
            }
            output.record(&api.post("/mock-exams", &body).await?);
        }
        ExamsCommand::Move {
            mock_exam_id,
            starts_at,
            duration_minutes,
            time_zone,
        } => {
            let mut body = json!({ "startsAt": starts_at });
            if let Some(minutes) = duration_minutes {
                body["durationMinutes"] = json!(minutes);
            }
            if let Some(zone) = time_zone {
                body["timeZone"] = json!(zone);
            }
            let path = format!("/mock-exams/{mock_exam_id}/move");
            output.record(&api.post(&path, &body).await?);
        }
        ExamsCommand::Cancel { mock_exam_id, yes } => {
            if !yes {
                return Err(AdminError::Local(anyhow::anyhow!(
                    "cancelling emails every candidate and refunds every paid seat: pass --yes"
                )));
            }
            let path = format!("/mock-exams/{mock_exam_id}/cancel");
            output.record(&api.post(&path, &json!({})).await?);
        }
        ExamsCommand::Results { mock_exam_id, file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("reading {}", file.display()))?;
            let parsed: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", file.display()))?;
            let body = match parsed {
                Value::Array(results) => json!({ "results": results }),
                object => object,
            };
            let path = format!("/mock-exams/{mock_exam_id}/results");
            output.record(&api.post(&path, &body).await?);
        }
        ExamsCommand::Stats { mock_exam_id } => {
            output.record(
                &api.get(&format!("/mock-exams/{mock_exam_id}/stats"))
                    .await?,
            );
        }
    }
    Ok(())
}

async fn refund(api: &AdminApi, output: &Output, args: &RefundArgs) -> Result<(), AdminError> {
    let mut body = json!({
        "campaignId": args.campaign,
        "recordId": args.record,
        "reason": match args.reason {
            RefundReason::RequestedByCustomer => "requested_by_customer",
            RefundReason::Duplicate => "duplicate",
            RefundReason::Fraudulent => "fraudulent",
        },
    });
    if let Some(member) = &args.member {
        body["memberId"] = json!(member);
    }
    if let Some(amount) = args.amount {
        body["amount"] = json!(amount);
    }
    if let Some(note) = &args.note {
        body["note"] = json!(note);
    }
    let key = match &args.key {
        Some(key) => key.clone(),
        None => {
            let key = campaigns_app::ids::new_id("refund");
            eprintln!("idempotency key {key}: repeat with --key {key} if this times out");
            key
        }
    };
    output.record(&api.create("/refunds", &body, &key).await?);
    Ok(())
}

async fn privacy(
    api: &AdminApi,
    output: &Output,
    command: &PrivacyCommand,
) -> Result<(), AdminError> {
    match command {
        PrivacyCommand::Export { email, out } => {
            let answer = api
                .post("/privacy/export", &json!({ "email": email }))
                .await?;
            let text = serde_json::to_string_pretty(&answer).context("the export as JSON")?;
            match out {
                Some(path) => {
                    std::fs::write(path, text + "\n")
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => println!("{text}"),
            }
        }
        PrivacyCommand::Erase {
            emails,
            from_file,
            yes,
        } => {
            let mut emails = emails.clone();
            if let Some(file) = from_file {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("reading {}", file.display()))?;
                emails.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|line| !line.is_empty())
                        .map(str::to_owned),
                );
            }
            if emails.is_empty() {
                return Err(AdminError::Local(anyhow::anyhow!(
                    "name who to erase: --email or --from-file"
                )));
            }
            if !yes {
                return Err(AdminError::Local(anyhow::anyhow!(
                    "erasure cannot be undone: pass --yes to erase {} person(s)",
                    emails.len()
                )));
            }
            erase(api, output, &emails).await?;
        }
    }
    Ok(())
}

/// Erases each person in turn, with progress; one failure does not stop
/// the others, and the command fails with the first failure's exit code.
async fn erase(api: &AdminApi, output: &Output, emails: &[String]) -> Result<(), AdminError> {
    let progress = progress(emails.len(), "people");
    let mut answers = Vec::new();
    let mut first_failure = None;
    for email in emails {
        progress.set_message(email.clone());
        let key = format!("erase/{}", email.trim().to_lowercase());
        match api
            .create("/privacy/erase", &json!({ "email": email }), &key)
            .await
        {
            Ok(answer) => answers.push(json!({
                "email": email,
                "outcome": "erased",
                "pseudonym": answer["pseudonym"],
                "scoreReportsDeleted": answer["scoreReportsDeleted"],
                "outboxMessagesDeleted": answer["outboxMessagesDeleted"],
                "report": answer,
            })),
            Err(err) => {
                answers.push(json!({"email": email, "outcome": err.to_string()}));
                first_failure.get_or_insert(err);
            }
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    output.list(&json!({ "erased": answers }), "/erased", None);
    first_failure.map_or(Ok(()), Err)
}

/// A query value as a URL carries it.
fn url_encode(value: &str) -> String {
    let mut url = Url::parse("http://x/").expect("a URL");
    url.query_pairs_mut().append_pair("v", value);
    url.query()
        .unwrap_or_default()
        .trim_start_matches("v=")
        .to_owned()
}
