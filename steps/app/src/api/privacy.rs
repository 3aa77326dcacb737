//! `POST /customers/lookup`, `/privacy/export` and `/privacy/erase`: a
//! person's data, found by email, for operators (see `crate::privacy`).

use std::collections::BTreeMap;

use campaigns_contracts::api::{
    ApiError, CustomerRecordSummary, CustomerRecords, ErasureReport, OutboxMessage, PersonRequest,
    PersonalDataExport, RecordKind, TableErasure,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::money::Cents;
use campaigns_mail::{KeptEmail, MailError};
use campaigns_records::Table;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::parse;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::privacy::{self, Fate, Found, Person};

pub async fn lookup(app: &App, request: &ApiRequest) -> Handled {
    let body: PersonRequest = parse(request)?;
    let person = Person::new(&body.email.0);
    let found = privacy::find(&app.records, &person).await?;
    let mut records: Vec<CustomerRecordSummary> = found
        .iter()
        .flat_map(|found| summaries(found, &person))
        .collect();
    records.sort_by_key(|record| std::cmp::Reverse(record.created_at));
    Ok(ApiResponse::json(200, &CustomerRecords { records }))
}

pub async fn export(app: &App, request: &ApiRequest) -> Handled {
    let body: PersonRequest = parse(request)?;
    let person = Person::new(&body.email.0);
    let found = privacy::find(&app.records, &person).await?;
    let score_reports = score_reports(&found);
    let outbox = kept_emails(app, &person)
        .await?
        .into_iter()
        .map(|email| OutboxMessage {
            message_id: email.id,
            to: email.to,
            subject: email.subject,
        })
        .collect();
    let mut records: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for Found { table, item } in found {
        records
            .entry(table.def().default_name.into())
            .or_default()
            .push(item.body);
    }
    let export = PersonalDataExport {
        email: body.email.normalized(),
        exported_at: app.now(),
        records,
        score_reports,
        outbox,
    };
    Ok(ApiResponse::json(200, &export))
}

pub async fn erase(app: &App, request: &ApiRequest) -> Handled {
    if request.header("idempotency-key").is_none() {
        return Err(ApiFailure::bad_request(
            ApiError::new(
                "IDEMPOTENCY_KEY_REQUIRED",
                "an erasure needs an Idempotency-Key header, so that a retried request is answered as the first was",
            )
            .with_field("Idempotency-Key", "required"),
        ));
    }
    let body: PersonRequest = parse(request)?;
    let person = Person::new(&body.email.0);
    let pseudonym = person.pseudonym(app);
    let found = privacy::find(&app.records, &person).await?;

    // The files first: a retry after a failure below finds the plans that
    // still name them.
    let reports = score_reports(&found);
    for key in &reports {
        app.files.delete(key).await.map_err(|err| {
            tracing::error!(error = %err, "could not delete a score report");
            ApiFailure::unavailable("file storage is unavailable; try again")
        })?;
    }
    let emails = kept_emails(app, &person).await?;
    for email in &emails {
        app.kept_mail
            .forget(&email.id)
            .await
            .map_err(mail_unavailable)?;
    }

    let mut tables: BTreeMap<Table, TableErasure> = BTreeMap::new();
    for found in &found {
        let (fate, writes) = privacy::erasure_writes(found, &person, &pseudonym)?;
        // A record changed since it was read fails the call (a 503, the
        // claim on its key released): sent again, the erasure reads afresh.
        app.records.store().transact(&writes).await?;
        let line = tables.entry(found.table).or_insert_with(|| TableErasure {
            table: found.table.def().default_name.into(),
            deleted: 0,
            pseudonymized: 0,
            kept: Vec::new(),
        });
        match fate {
            Fate::Delete => line.deleted += 1,
            Fate::Pseudonymize => {
                line.pseudonymized += 1;
                line.kept = privacy::kept_facts(found.table)
                    .iter()
                    .map(|fact| (*fact).to_owned())
                    .collect();
            }
        }
    }
    tracing::info!(
        pseudonym,
        records = found.len(),
        reports = reports.len(),
        emails = emails.len(),
        "erased a person's data"
    );
    let report = ErasureReport {
        pseudonym,
        erased_at: app.now(),
        tables: tables.into_values().collect(),
        score_reports_deleted: reports.len() as u32,
        outbox_messages_deleted: emails.len() as u32,
    };
    Ok(ApiResponse::json(201, &report))
}

/// The uploaded score reports of the person's plans.
fn score_reports(found: &[Found]) -> Vec<String> {
    found
        .iter()
        .filter(|found| found.table == Table::PersonalizedPlans)
        .filter_map(|found| found.item.body.get("scoreReportKey")?.as_str())
        .map(str::to_owned)
        .collect()
}

/// The emails the mail service holds that were sent to the person.
async fn kept_emails(app: &App, person: &Person) -> Result<Vec<KeptEmail>, ApiFailure> {
    let kept = app.kept_mail.kept().await.map_err(mail_unavailable)?;
    Ok(kept
        .into_iter()
        .filter(|email| person.is(&email.to))
        .collect())
}

fn mail_unavailable(err: MailError) -> ApiFailure {
    tracing::error!(error = %err, "the mail service failed");
    ApiFailure::unavailable("the mail service is unavailable; try again")
}

/// The lines an operator's table shows for a record: one per role the
/// person has in it (a team's leader is also its first member).
fn summaries(found: &Found, person: &Person) -> Vec<CustomerRecordSummary> {
    let body = &found.item.body;
    let line = |kind, fields: &Value, amount: Option<&str>| CustomerRecordSummary {
        table: found.table.def().default_name.into(),
        kind,
        id: found.item.key.clone(),
        campaign_id: field::<CampaignId>(body, "campaignId"),
        status: fields
            .get("status")
            .and_then(Value::as_str)
            .map(str::to_owned),
        amount: amount.and_then(|amount| field::<Cents>(fields, amount)),
        amount_refunded: field::<Cents>(fields, "amountRefunded"),
        created_at: field::<DateTime<Utc>>(body, "createdAt").or_else(|| field(body, "startsAt")),
        updated_at: latest(fields),
    };
    let theirs = |field: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .is_some_and(|text| person.is(text))
    };
    match found.table {
        Table::Teams => {
            let mut lines = Vec::new();
            if theirs("leaderEmail") {
                lines.push(line(RecordKind::TeamLeader, body, Some("totalAmount")));
            }
            let members = body.get("members").and_then(Value::as_array);
            for member in members.into_iter().flatten() {
                if member
                    .get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|text| person.is(text))
                {
                    let mut summary = line(RecordKind::TeamMember, member, Some("shareAmount"));
                    summary.updated_at = summary.updated_at.max(latest(body));
                    lines.push(summary);
                }
            }
            lines
        }
        Table::Scholarships => vec![line(RecordKind::Scholarship, body, Some("price"))],
        Table::DiscountPurchases => {
            vec![line(RecordKind::DiscountPurchase, body, Some("finalPrice"))]
        }
        Table::PersonalizedPlans => vec![line(RecordKind::PersonalizedPlan, body, Some("price"))],
        Table::MockRegistrations => vec![line(RecordKind::MockRegistration, body, None)],
        Table::CouponUsage => vec![line(RecordKind::CouponUse, body, None)],
        Table::AccessGrants => vec![line(RecordKind::AccessGrant, body, None)],
        // Plumbing (stored responses, owed starts and events): the export
        // shows them whole.
        _ => Vec::new(),
    }
}

fn field<T: DeserializeOwned>(body: &Value, name: &str) -> Option<T> {
    serde_json::from_value(body.get(name)?.clone()).ok()
}

/// The latest instant a record names beyond its creation.
fn latest(body: &Value) -> Option<DateTime<Utc>> {
    const CHANGES: [&str; 8] = [
        "paidAt",
        "decidedAt",
        "activatedAt",
        "cancelledAt",
        "refundedAt",
        "settledAt",
        "revokedAt",
        "deliveredAt",
    ];
    CHANGES
        .iter()
        .filter_map(|name| field::<DateTime<Utc>>(body, name))
        .max()
}
