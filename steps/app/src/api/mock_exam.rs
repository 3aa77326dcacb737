//! Mock exams: scheduling, registration, results and statistics.

use std::collections::{BTreeMap, BTreeSet};

use campaigns_contracts::api::{
    CreateMockExamRequest, ListMockExamsQuery, MockExamList, MockExamSummary,
    RegisterMockExamRequest, RegisterMockExamResponse, ScheduledMockExam, SubmitResultsRequest,
    SubmitResultsResponse,
};
use campaigns_contracts::records::{
    MockExam, MockExamStatus, MockRegistration, MockStatistics, RegistrationStatus,
    RegistrationTier,
};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_core::money::Cents;
use campaigns_core::stats::ExamResult;
use campaigns_mail::emails::Payment;
use campaigns_ports::schedules::Schedule;
use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::json;

use super::payable::{self, PayableRecord};
use super::{authorize, decode_cursor, encode_cursor, parse, parse_query};
use crate::checkout;
use crate::context::App;
use crate::exam_seats;
use crate::exam_statistics;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::ids::new_id;
use crate::journey_starts::{self, Journey};
use crate::metrics::{self, Fact};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::steps::{MOCK_EXAM_REGISTRATION, MOCK_EXAM_REMINDERS, MOCK_EXAM_RESULTS};
use crate::tokens::record_scope;

/// The reminder run starts this long before the exam.
const REMINDER_LEAD: TimeDelta = TimeDelta::hours(24);
/// The results run starts this long after the exam ends; results uploaded
/// later are waited for (`check-mock-results`).
const RESULTS_DELAY: TimeDelta = TimeDelta::hours(1);

/// The scope of a registration's access token.
pub fn scope(registration_id: &str) -> String {
    record_scope("registration", registration_id)
}

/// The one-time schedules of an exam's reminder and results runs, named
/// after the exam so creating them again moves them.
pub(super) fn schedules(exam: &MockExam) -> [Schedule; 2] {
    let input = json!({ "mockExamId": exam.mock_exam_id });
    [
        Schedule {
            name: format!("{MOCK_EXAM_REMINDERS}-{}", exam.mock_exam_id),
            at: exam.starts_at - REMINDER_LEAD,
            state_machine: MOCK_EXAM_REMINDERS.to_owned(),
            input: input.clone(),
        },
        Schedule {
            name: format!("{MOCK_EXAM_RESULTS}-{}", exam.mock_exam_id),
            at: exam.ends_at + RESULTS_DELAY,
            state_machine: MOCK_EXAM_RESULTS.to_owned(),
            input,
        },
    ]
}

/// The start asked for, on a whole second (schedules fire on whole
/// seconds), if it leaves time for the reminder 24 hours before.
pub(super) fn start(now: DateTime<Utc>, asked: DateTime<Utc>) -> Result<DateTime<Utc>, ApiFailure> {
    let starts_at = asked.with_nanosecond(0).unwrap_or(asked);
    if starts_at - REMINDER_LEAD <= now {
        return Err(ApiFailure::rule(
            "STARTS_TOO_SOON",
            "an exam starts more than 24 hours from now, so its reminder can go out",
        )
        .with_field("/startsAt"));
    }
    Ok(starts_at)
}

/// `startsAt` as the `status-startsAt-index` orders it.
fn index_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

async fn load_exam(app: &App, exam_id: &str) -> Result<MockExam, ApiFailure> {
    app.records
        .get::<MockExam>(exam_id)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| ApiFailure::not_found("mock exam"))
}

async fn load_registration(
    app: &App,
    registration_id: &str,
) -> Result<MockRegistration, ApiFailure> {
    app.records
        .get::<MockRegistration>(registration_id)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| ApiFailure::not_found("registration"))
}

/// A page of upcoming scheduled exams, soonest first, with the seats still
/// free; `nextCursor` resumes after its last exam.
pub async fn list(app: &App, request: &ApiRequest) -> Handled {
    let query: ListMockExamsQuery = parse_query(request)?;
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page = app
        .records
        .query_page::<MockExam>(
            "status-startsAt-index",
            super::status_text(&MockExamStatus::Scheduled),
            Some(index_time(app.now())),
            after,
            query.limit(),
        )
        .await?;
    let exams = page
        .records
        .into_iter()
        .map(|exam| MockExamSummary {
            seats_left: exam.capacity.saturating_sub(exam.registered_count),
            mock_exam_id: exam.mock_exam_id,
            title: exam.title,
            exam_date: exam.exam_date,
            starts_at: exam.starts_at,
            ends_at: exam.ends_at,
            time_zone: exam.time_zone,
            starts_at_local: exam.time_zone.local(exam.starts_at),
            ends_at_local: exam.time_zone.local(exam.ends_at),
            premium_price: exam.premium_price,
            status: exam.status,
        })
        .collect();
    let list = MockExamList {
        exams,
        next_cursor: page.next.as_ref().map(encode_cursor),
    };
    Ok(ApiResponse::json(200, &list))
}

/// Schedules an exam and its reminder and results runs. The runs are
/// scheduled first, so an exam is never listed without them.
pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let body: CreateMockExamRequest = parse(request)?;
    let now = app.now();
    let starts_at = start(now, body.starts_at)?;
    let exam = MockExam {
        mock_exam_id: new_id("mex"),
        title: body.title.trim().to_owned(),
        exam_date: body.time_zone.local_date(starts_at),
        starts_at,
        ends_at: starts_at + TimeDelta::minutes(i64::from(body.duration_minutes)),
        time_zone: body.time_zone,
        capacity: body.capacity,
        registered_count: 0,
        premium_price: catalog::product(ProductId::MockExamPremium)
            .price
            .expect("mock exam premium has a fixed price"),
        pass_mark: body.pass_mark,
        sections: body.sections,
        status: MockExamStatus::Scheduled,
        created_at: now,
        moved_from: None,
    };
    for schedule in schedules(&exam) {
        if let Err(err) = app.scheduler.upsert(&schedule).await {
            tracing::error!(error = %err, schedule = schedule.name, "could not schedule the exam's run");
            unschedule(app, &exam).await;
            return Err(ApiFailure::unavailable(
                "could not schedule the exam; try again",
            ));
        }
    }
    if let Err(err) = app.records.insert(&exam).await {
        unschedule(app, &exam).await;
        return Err(err.into());
    }
    Ok(ApiResponse::json(201, &ScheduledMockExam::of(exam)))
}

/// Removes the runs of an exam that could not be created.
async fn unschedule(app: &App, exam: &MockExam) {
    for schedule in schedules(exam) {
        if let Err(err) = app.scheduler.delete(&schedule.name).await {
            tracing::error!(error = %err, schedule = schedule.name, "could not delete the schedule");
        }
    }
}

/// A free seat is registered at once; a premium seat is held while the
/// candidate pays. Either way the journey sends the registration email.
pub async fn register(app: &App, request: &ApiRequest) -> Handled {
    let body: RegisterMockExamRequest = parse(request)?;
    let exam = app
        .records
        .get::<MockExam>(&body.mock_exam_id)
        .await?
        .map(|found| found.record)
        .ok_or_else(|| ApiFailure::not_found("mock exam").with_field("/mockExamId"))?;
    if exam.status != MockExamStatus::Scheduled || app.now() >= exam.starts_at {
        return Err(ApiFailure::conflict(
            "REGISTRATION_CLOSED",
            "this exam no longer takes registrations",
        ));
    }
    let premium = body.tier == RegistrationTier::Premium;
    let registration = MockRegistration {
        amount_refunded: None,
        registration_id: String::new(),
        mock_exam_id: exam.mock_exam_id.clone(),
        email: body.email.normalized(),
        first_name: body.first_name.0.trim().to_owned(),
        last_name: body.last_name.0.trim().to_owned(),
        tier: body.tier,
        status: if premium {
            RegistrationStatus::PendingPayment
        } else {
            RegistrationStatus::Registered
        },
        created_at: app.now(),
        time_zone: body.time_zone,
        stripe_checkout_session_id: None,
        checkout_attempt: 0,
        payment_intent_id: None,
        paid_at: None,
        cancelled_at: None,
        score: None,
        section_scores: BTreeMap::new(),
        answers: None,
        percentile_rank: None,
    };
    let journey = |registration_id: &str| {
        Journey::new(
            MOCK_EXAM_REGISTRATION,
            registration_id,
            json!({
                "registrationId": registration_id,
                "mockExamId": exam.mock_exam_id,
                "premium": premium,
            }),
        )
    };
    // The registration, its seat and its journey: one batch.
    let mut registration = exam_seats::reserve(app, &exam, registration, |registration_id| {
        Ok(vec![journey(registration_id).owed(app)?])
    })
    .await?;
    let registration_id = registration.registration_id.clone();
    let journey = journey(&registration_id);

    let checkout = if premium {
        match checkout::open(app, &registration.payable(&exam)).await {
            Ok(opened) => {
                registration = payable::record_opened(app, &registration_id, &opened).await?;
                Some(opened.session)
            }
            Err(failure) => {
                give_back(app, &registration_id, &journey).await;
                return Err(failure);
            }
        }
    } else {
        // A free seat is registered by the batch above; a premium one when paid.
        metrics::emit(
            app,
            &Fact::MockExamRegistered {
                tier: registration.tier,
                mock_exam_id: &registration.mock_exam_id,
                registration_id: &registration_id,
            },
        );
        None
    };

    journey.start(app).await;

    let response = RegisterMockExamResponse {
        access_token: app.tokens.issue(&scope(&registration_id)),
        registration_id,
        status: registration.status,
        checkout,
    };
    Ok(ApiResponse::json(201, &response))
}

/// Undoes a registration whose checkout could not be opened: the seat goes
/// back, then the journey is no longer owed (if the process dies between,
/// the journey runs and finds the registration cancelled).
async fn give_back(app: &App, registration_id: &str, journey: &Journey) {
    if let Err(err) = exam_seats::release(app, registration_id).await {
        tracing::error!(error = %err, registration_id, "could not give the seat back");
        return;
    }
    journey_starts::forgive(app, journey).await;
}

pub async fn get_registration(app: &App, request: &ApiRequest) -> Handled {
    let registration_id = request.param("registrationId")?;
    authorize(app, request, &scope(registration_id))?;
    let registration = load_registration(app, registration_id).await?;
    Ok(ApiResponse::json(200, &registration))
}

/// Stores each candidate's marked result on their registration. Every
/// result is checked before any is stored.
pub async fn submit_results(app: &App, request: &ApiRequest) -> Handled {
    let exam_id = request.param("mockExamId")?;
    let body: SubmitResultsRequest = parse(request)?;
    let exam = load_exam(app, exam_id).await?;
    if app.now() < exam.ends_at {
        return Err(ApiFailure::conflict(
            "EXAM_NOT_FINISHED",
            "results are taken once the exam has ended",
        ));
    }
    let registered: BTreeMap<String, MockRegistration> = exam_statistics::registered(app, exam_id)
        .await?
        .into_iter()
        .map(|registration| (registration.registration_id.clone(), registration))
        .collect();
    let mut uploaded = BTreeSet::new();
    for (i, result) in body.results.iter().enumerate() {
        let field = |name: &str| format!("/results/{i}/{name}");
        if !registered.contains_key(&result.registration_id) {
            return Err(ApiFailure::rule(
                "NOT_REGISTERED_FOR_EXAM",
                format!(
                    "{} is not a registered candidate of this exam",
                    result.registration_id
                ),
            )
            .with_field(&field("registrationId")));
        }
        if !uploaded.insert(result.registration_id.as_str()) {
            return Err(ApiFailure::rule(
                "DUPLICATE_RESULT",
                format!("{} has more than one result", result.registration_id),
            )
            .with_field(&field("registrationId")));
        }
        if let Some(section) = result
            .section_scores
            .keys()
            .find(|section| !exam.sections.contains(section))
        {
            return Err(ApiFailure::rule(
                "UNKNOWN_SECTION",
                format!("the exam has no section {section}"),
            )
            .with_field(&field("sectionScores")));
        }
    }
    // The results must make statistics together with those already stored.
    let mut all: Vec<ExamResult> = registered
        .values()
        .filter(|registration| !uploaded.contains(registration.registration_id.as_str()))
        .filter_map(exam_statistics::result_of)
        .collect();
    all.extend(body.results.iter().cloned());
    exam_statistics::compute(&exam, &all).map_err(|failure| failure.with_field("/results"))?;

    for result in &body.results {
        app.records
            .update::<MockRegistration, ApiFailure>(&result.registration_id, |stored| {
                stored.score = Some(result.score);
                stored.section_scores.clone_from(&result.section_scores);
                stored.answers.clone_from(&result.answers);
                // Ranked again when the statistics are calculated.
                stored.percentile_rank = None;
                Ok(())
            })
            .await?;
    }
    let response = SubmitResultsResponse {
        mock_exam_id: exam.mock_exam_id,
        accepted: body.results.len() as u32,
    };
    Ok(ApiResponse::json(200, &response))
}

pub async fn stats(app: &App, request: &ApiRequest) -> Handled {
    let exam_id = request.param("mockExamId")?;
    let found = app
        .records
        .get::<MockStatistics>(exam_id)
        .await?
        .ok_or_else(|| ApiFailure::not_found("statistics for this exam"))?;
    Ok(ApiResponse::json(200, &found.record))
}

pub async fn calculate_stats(app: &App, request: &ApiRequest) -> Handled {
    let exam = load_exam(app, request.param("mockExamId")?).await?;
    let statistics = exam_statistics::calculate(app, &exam).await?;
    Ok(ApiResponse::json(200, &statistics))
}

impl PayableRecord for MockRegistration {
    const CAMPAIGN: CampaignId = CampaignId::MockExam;
    const NOUN: &'static str = "registration";
    const NOT_PAYABLE: &'static str = "this registration is no longer waiting for payment";
    /// The exam, which fixes the premium price.
    type Context = MockExam;

    payable::checkout_fields!();

    fn id(&self) -> &str {
        &self.registration_id
    }

    fn scope(registration_id: &str) -> String {
        scope(registration_id)
    }

    async fn context(&self, app: &App) -> Result<MockExam, ApiFailure> {
        load_exam(app, &self.mock_exam_id).await
    }

    fn awaiting_payment(&self) -> bool {
        self.status == RegistrationStatus::PendingPayment
    }

    /// The premium price fixed on the exam.
    fn price(&self, exam: &MockExam) -> (ProductId, Cents) {
        (ProductId::MockExamPremium, exam.premium_price)
    }

    fn payment<'a>(&'a self, exam: &'a MockExam) -> Payment<'a> {
        Payment::MockExam {
            exam,
            registration: self,
        }
    }
}

/// The premium payment was refunded: the amount is recorded; refunded in
/// full, the registration is cancelled and its seat given back.
pub async fn refunded(app: &App, payee: &Payee, refund: &ChargeRefund) -> Result<(), ApiFailure> {
    payable::refunded(app, payee, |registration: &mut MockRegistration| {
        refund.record_on(&mut registration.amount_refunded);
    })
    .await?;
    if refund.is_full() {
        exam_seats::release(app, &payee.record_id).await?;
    }
    Ok(())
}
