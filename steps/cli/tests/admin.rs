//! `campaigns admin` against a running `campaigns serve`, both the real
//! binary: every subcommand, its JSON and table output, and the exit code a
//! script reads for each kind of answer.

mod process;

use std::path::Path;
use std::process::Command;

use campaigns_local::client::{Client, text};
use chrono::{TimeDelta, Utc};
use process::{Process, free_port};
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "admin-cli-token";

struct Served {
    _serve: Process,
    api: String,
    client: Client,
    _data: tempfile::TempDir,
}

async fn serve() -> Served {
    let data = tempfile::tempdir().expect("a data directory");
    let port = free_port();
    let data_dir = data.path().to_str().expect("a UTF-8 path");
    let mut serve = Process::start(
        &["serve", "--port", &port.to_string(), "--data-dir", data_dir],
        &[("ADMIN_TOKEN", ADMIN_TOKEN)],
        data.path().join("serve.log"),
    );
    let api = format!("http://127.0.0.1:{port}/v1");
    serve
        .ready(&reqwest::Client::new(), &format!("{api}/openapi.json"))
        .await;
    let client = Client::new(&api, ADMIN_TOKEN).expect("a client");
    Served {
        _serve: serve,
        api,
        client,
        _data: data,
    }
}

/// What `campaigns admin ARGS` did: its exit code, stdout and stderr.
struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn json(&self) -> Value {
        assert_eq!(self.code, 0, "failed: {}", self.stderr);
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("not JSON ({err}):\n{}\n{}", self.stdout, self.stderr))
    }
}

async fn admin(served: &Served, args: &[&str]) -> Ran {
    admin_with(&served.api, ADMIN_TOKEN, args).await
}

async fn admin_with(api: &str, token: &str, args: &[&str]) -> Ran {
    let mut command = Command::new(env!("CARGO_BIN_EXE_campaigns"));
    command
        .arg("admin")
        .args(args)
        .env_remove("CAMPAIGNS_API")
        .env("ADMIN_TOKEN", token)
        .env("RUST_LOG", "warn")
        .args(["--api", api]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("joins")
        .expect("campaigns admin runs");
    Ran {
        code: output.status.code().expect("an exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn write(dir: &Path, name: &str, content: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("writes");
    path.to_str().expect("a UTF-8 path").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coupons_are_created_listed_changed_and_deactivated() {
    let served = serve().await;
    let until = (Utc::now() + TimeDelta::days(30)).to_rfc3339();
    let create = [
        "coupons",
        "create",
        "--code",
        "spring25",
        "--percent",
        "25",
        "--max-discount",
        "60",
        "--valid-until",
        &until,
        "--usage-limit",
        "3",
        "--plan",
        "standard",
        "--plan",
        "full",
    ];
    let created = admin(&served, &create).await;
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert!(
        created.stdout.contains("SPRING25") && created.stdout.contains("│"),
        "a table: {}",
        created.stdout
    );
    // Sent again (a retry), the first answer comes back: no second coupon.
    let again = admin(&served, &[&create[..], &["--json"]].concat())
        .await
        .json();
    assert_eq!(again["couponCode"], json!("SPRING25"));

    let listed = admin(&served, &["coupons", "list", "--json"]).await.json();
    let codes: Vec<&str> = listed["coupons"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|c| c["couponCode"].as_str())
        .collect();
    assert_eq!(codes, ["SPRING25"]);
    let table = admin(&served, &["coupons", "list"]).await;
    assert!(table.stdout.contains("per buyer") && table.stdout.contains("SPRING25"));

    let updated = admin(
        &served,
        &[
            "coupons",
            "update",
            "SPRING25",
            "--usage-limit",
            "10",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(updated["usageLimit"], json!(10));
    let off = admin(&served, &["coupons", "deactivate", "SPRING25", "--json"])
        .await
        .json();
    assert_eq!(off["status"], json!("inactive"));
    let shown = admin(&served, &["coupons", "show", "spring25", "--json"])
        .await
        .json();
    assert_eq!(
        (&shown["status"], &shown["usageLimit"]),
        (&json!("inactive"), &json!(10))
    );
    let on = admin(
        &served,
        &["coupons", "update", "SPRING25", "--activate", "--json"],
    )
    .await
    .json();
    assert_eq!(on["status"], json!("active"));

    // Refusals: the API's field on stderr and an exit code per kind.
    let refused = admin(
        &served,
        &[
            "coupons",
            "create",
            "--code",
            "BAD",
            "--percent",
            "0",
            "--valid-until",
            &until,
            "--usage-limit",
            "1",
        ],
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("VALIDATION_FAILED"),
        "{}",
        refused.stderr
    );
    let missing = admin(&served, &["coupons", "show", "NOPE"]).await;
    assert_eq!(missing.code, 4, "{}", missing.stderr);
    let bad_amount = admin(
        &served,
        &[
            "coupons",
            "create",
            "--code",
            "X",
            "--fixed",
            "1.005",
            "--valid-until",
            &until,
            "--usage-limit",
            "1",
        ],
    )
    .await;
    assert_eq!(bad_amount.code, 2, "clap refuses it: {}", bad_amount.stderr);

    // A file of coupons: each created once, a bad one reported, the rest go on.
    let dir = tempfile::tempdir().expect("a folder");
    let coupon = |code: &str, percent: u32| {
        json!({
            "couponCode": code, "type": "percentage", "value": percent, "minPurchase": 0,
            "validFrom": Utc::now().to_rfc3339(), "validUntil": until, "usageLimit": 5,
            "usageCount": 0, "perUserLimit": 1, "applicablePlans": ["full"], "status": "active"
        })
        .to_string()
    };
    let file = write(
        dir.path(),
        "coupons.jsonl",
        &[
            coupon("WINTER10", 10),
            coupon("BROKEN", 500),
            coupon("WINTER20", 20),
        ]
        .join("\n"),
    );
    let imported = admin(&served, &["coupons", "import", &file, "--json"]).await;
    assert_eq!(
        imported.code, 3,
        "one coupon was refused: {}",
        imported.stderr
    );
    let outcomes: Value = serde_json::from_str(&imported.stdout).expect("JSON");
    let outcome = |code: &str| {
        outcomes["coupons"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|row| row["couponCode"] == json!(code))
            .map(|row| row["outcome"].as_str().expect("text").to_owned())
            .expect("reported")
    };
    assert_eq!(outcome("WINTER10"), "created");
    assert_eq!(outcome("WINTER20"), "created");
    assert!(
        outcome("BROKEN").starts_with("VALIDATION_FAILED"),
        "{outcomes}"
    );
    let rerun = admin(&served, &["coupons", "import", &file, "--json"]).await;
    assert_eq!(rerun.code, 3);
    let listed = admin(&served, &["coupons", "list", "--json"]).await.json();
    assert_eq!(
        listed["coupons"].as_array().expect("a list").len(),
        3,
        "{listed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_scholarship_is_listed_and_reviewed() {
    let served = serve().await;
    let created = served
        .client
        .apply_scholarship(
            "omar@example.com",
            &json!({
                "householdIncome": 42000, "householdSize": 3, "country": "Egypt",
                "employmentStatus": "part-time", "latestExamScore": 58.0
            }),
        )
        .await
        .expect("applies");
    let id = created.id.clone();
    let pending = admin(&served, &["scholarships", "pending", "--json"])
        .await
        .json();
    assert_eq!(pending["scholarships"][0]["scholarshipId"], json!(id));
    let table = admin(&served, &["scholarships", "pending"]).await;
    assert!(
        table.stdout.contains(&id) && table.stdout.contains("Egypt"),
        "{}",
        table.stdout
    );

    // The journey reaches its review wait moments after the application.
    let mut reviewed = admin(
        &served,
        &[
            "scholarships",
            "review",
            &id,
            "--decision",
            "approve",
            "--note",
            "strong case",
            "--json",
        ],
    )
    .await;
    for _ in 0..100 {
        if reviewed.code != 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        reviewed = admin(
            &served,
            &[
                "scholarships",
                "review",
                &id,
                "--decision",
                "approve",
                "--json",
            ],
        )
        .await;
    }
    assert_eq!(reviewed.json()["status"], json!("approved"));
    let again = admin(
        &served,
        &["scholarships", "review", &id, "--decision", "decline"],
    )
    .await;
    assert_eq!(again.code, 5, "decided already: {}", again.stderr);
    assert!(
        again.stderr.contains("NOT_UNDER_REVIEW"),
        "{}",
        again.stderr
    );
    let none = admin(&served, &["scholarships", "pending"]).await;
    assert_eq!((none.code, none.stdout.trim()), (0, "(none)"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exam_is_scheduled_moved_and_cancelled() {
    let served = serve().await;
    let starts = (Utc::now() + TimeDelta::days(5)).to_rfc3339();
    let scheduled = admin(
        &served,
        &[
            "exams",
            "schedule",
            "--title",
            "ADC Part 1 Mock",
            "--starts-at",
            &starts,
            "--duration-minutes",
            "120",
            "--capacity",
            "20",
            "--pass-mark",
            "60",
            "--section",
            "clinical",
            "--section",
            "theory",
            "--json",
        ],
    )
    .await
    .json();
    let exam_id = text(&scheduled, "/mockExamId").expect("an id");
    let listed = admin(&served, &["exams", "list"]).await;
    assert!(listed.stdout.contains(&exam_id) && listed.stdout.contains("seats left"));
    let page = admin(&served, &["exams", "list", "--limit", "1", "--json"])
        .await
        .json();
    assert_eq!(page["exams"][0]["mockExamId"], json!(exam_id));

    let later = (Utc::now() + TimeDelta::days(9)).to_rfc3339();
    let moved = admin(
        &served,
        &[
            "exams",
            "move",
            &exam_id,
            "--starts-at",
            &later,
            "--duration-minutes",
            "90",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(moved["candidatesNotified"], json!(0));
    let too_soon = (Utc::now() + TimeDelta::hours(2)).to_rfc3339();
    let refused = admin(
        &served,
        &["exams", "move", &exam_id, "--starts-at", &too_soon],
    )
    .await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(refused.stderr.contains("STARTS_TOO_SOON") && refused.stderr.contains("/startsAt"));

    // Results are taken after the exam: the file is read and sent, and
    // the API's refusal is a conflict.
    let dir = tempfile::tempdir().expect("a folder");
    let results = write(
        dir.path(),
        "results.json",
        &json!([{"registrationId": "reg_1", "score": 70.0, "sectionScores": {"clinical": 70.0, "theory": 70.0}, "answers": [true]}]).to_string(),
    );
    let early = admin(&served, &["exams", "results", &exam_id, &results]).await;
    assert_eq!(early.code, 5, "{}", early.stderr);
    assert!(
        early.stderr.contains("EXAM_NOT_FINISHED"),
        "{}",
        early.stderr
    );
    let not_json = write(dir.path(), "notes.txt", "score: 70");
    let unread = admin(&served, &["exams", "results", &exam_id, &not_json]).await;
    assert_eq!(unread.code, 1, "{}", unread.stderr);

    let unsure = admin(&served, &["exams", "cancel", &exam_id]).await;
    assert_eq!(unsure.code, 1, "--yes is required: {}", unsure.stderr);
    let cancelled = admin(&served, &["exams", "cancel", &exam_id, "--yes", "--json"])
        .await
        .json();
    assert_eq!(cancelled["status"], json!("cancelled"));
    let stats = admin(&served, &["exams", "stats", "mex_unknown"]).await;
    assert_eq!(stats.code, 4, "{}", stats.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_is_refunded_once_per_key() {
    let served = serve().await;
    let purchase_id = paid_purchase(&served, "lena@example.com", "LENA10").await;

    let refund = [
        "refund",
        "--campaign",
        "discount-purchase",
        "--record",
        &purchase_id,
        "--amount",
        "10.50",
        "--note",
        "late start",
        "--key",
        "refund-lena-1",
        "--json",
    ];
    let first = admin(&served, &refund).await.json();
    assert_eq!(first["amount"], json!(10.5));
    let retried = admin(&served, &refund).await.json();
    assert_eq!(
        retried["refundId"], first["refundId"],
        "the same refund, not a second"
    );
    let too_much = admin(
        &served,
        &[
            "refund",
            "--campaign",
            "discount-purchase",
            "--record",
            &purchase_id,
            "--amount",
            "5000",
        ],
    )
    .await;
    assert_eq!(too_much.code, 5, "{}", too_much.stderr);
    assert!(
        too_much.stderr.contains("REFUND_EXCEEDS_PAYMENT"),
        "{}",
        too_much.stderr
    );
    assert!(
        too_much.stderr.contains("--key refund_"),
        "a key made for the operator is printed: {}",
        too_much.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_tell_a_script_what_happened() {
    let served = serve().await;
    let unauthorized = admin_with(&served.api, "not-the-token", &["coupons", "list"]).await;
    assert_eq!(unauthorized.code, 6, "{}", unauthorized.stderr);
    let closed = format!("http://127.0.0.1:{}/v1", free_port());
    let unreachable = admin_with(&closed, ADMIN_TOKEN, &["coupons", "list"]).await;
    assert_eq!(unreachable.code, 7, "{}", unreachable.stderr);
    let usage = admin(&served, &["coupons", "frobnicate"]).await;
    assert_eq!(usage.code, 2, "{}", usage.stderr);
}

/// A paid purchase of `email`'s with coupon `code`, created by `admin`.
async fn paid_purchase(served: &Served, email: &str, code: &str) -> String {
    let until = (Utc::now() + TimeDelta::days(30)).to_rfc3339();
    let coupon = admin(
        served,
        &[
            "coupons",
            "create",
            "--code",
            code,
            "--percent",
            "10",
            "--valid-until",
            &until,
            "--usage-limit",
            "5",
        ],
    )
    .await;
    assert_eq!(coupon.code, 0, "{}", coupon.stderr);
    let purchase = served
        .client
        .create_purchase(email, "full-6months", code, &format!("purchase-{email}"))
        .await
        .expect("a purchase");
    served.client.pay_for(&purchase).await.expect("paid");
    served
        .client
        .until_status(
            &format!("/purchases/{}", purchase.id),
            &purchase.token,
            "paid",
        )
        .await
        .expect("paid");
    purchase.id
}

/// The ids of the records `customer --email` lists.
async fn records_of(served: &Served, email: &str) -> Vec<String> {
    let found = admin(served, &["customer", "--email", email, "--json"])
        .await
        .json();
    found["records"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|record| text(record, "/id").expect("an id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_is_looked_up_exported_and_erased() {
    let served = serve().await;
    let lena = paid_purchase(&served, "lena@example.com", "LENA10").await;
    let omar = paid_purchase(&served, "omar@example.com", "OMAR10").await;

    assert!(
        records_of(&served, "Lena@Example.com")
            .await
            .contains(&lena)
    );
    assert!(
        !records_of(&served, "lena@example.com")
            .await
            .contains(&omar)
    );
    let table = admin(&served, &["customer", "--email", "lena@example.com"]).await;
    assert!(
        table.stdout.contains(&lena) && table.stdout.contains("discount_purchase"),
        "{}",
        table.stdout
    );

    let dir = tempfile::tempdir().expect("a folder");
    let out = dir.path().join("lena.json");
    let out_path = out.to_str().expect("a UTF-8 path");
    let exported = admin(
        &served,
        &[
            "privacy",
            "export",
            "--email",
            "lena@example.com",
            "--out",
            out_path,
        ],
    )
    .await;
    assert_eq!(exported.code, 0, "{}", exported.stderr);
    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("JSON");
    assert_eq!(export["email"], json!("lena@example.com"));
    let held = export["records"].to_string();
    assert!(held.contains(&lena) && !held.contains(&omar), "{export}");

    let unsure = admin(
        &served,
        &["privacy", "erase", "--email", "lena@example.com"],
    )
    .await;
    assert_eq!(unsure.code, 1, "--yes is required: {}", unsure.stderr);
    assert!(
        records_of(&served, "lena@example.com")
            .await
            .contains(&lena),
        "nothing erased"
    );

    let people = write(dir.path(), "people.txt", "lena@example.com\n\n");
    let erased = admin(
        &served,
        &[
            "privacy",
            "erase",
            "--from-file",
            &people,
            "--yes",
            "--json",
        ],
    )
    .await
    .json();
    let report = &erased["erased"][0];
    assert_eq!(report["outcome"], json!("erased"), "{erased}");
    assert!(
        text(report, "/pseudonym")
            .expect("a pseudonym")
            .ends_with("@erased.invalid"),
        "{report}"
    );
    assert!(records_of(&served, "lena@example.com").await.is_empty());
    assert!(
        records_of(&served, "omar@example.com")
            .await
            .contains(&omar),
        "others untouched"
    );
    // Sent again (a retry), it is the same erasure.
    let again = admin(
        &served,
        &[
            "privacy",
            "erase",
            "--email",
            "lena@example.com",
            "--yes",
            "--json",
        ],
    )
    .await
    .json();
    assert_eq!(again["erased"][0]["pseudonym"], report["pseudonym"]);
    let refused = admin(&served, &["customer", "--email", "not-an-email"]).await;
    assert_eq!(refused.code, 3, "{}", refused.stderr);
    assert!(refused.stderr.contains("/email"), "{}", refused.stderr);
}
