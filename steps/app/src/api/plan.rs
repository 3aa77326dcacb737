//! Personalized plans: the assessment, the report upload URL and the plan.

use campaigns_contracts::api::{
    CreatePlanRequest, CreatePlanResponse, ReportContentType, UploadUrlRequest, UploadUrlResponse,
};
use campaigns_contracts::records::{PersonalizedPlan, PlanStatus};
use campaigns_core::campaign::CampaignId;
use campaigns_core::catalog::{self, ProductId};
use campaigns_core::cluster::{self, ClusterAssessment, ScoreReport, ScoreReportError};
use campaigns_core::money::Cents;
use campaigns_mail::emails::Payment;
use campaigns_ports::files::{FilesError, UploadRequest};
use serde_json::json;

use super::payable::{self, PayableRecord};
use super::{authorize, parse};
use crate::checkout;
use crate::context::App;
use crate::failure::ApiFailure;
use crate::http::{ApiRequest, ApiResponse, Handled};
use crate::ids::new_id;
use crate::journey_starts::{self, Journey};
use crate::payment_wait::Payee;
use crate::refunds::ChargeRefund;
use crate::steps::PERSONALIZED_PLAN;
use crate::tokens::record_scope;

/// Where score reports live in the bucket; keys we did not issue are refused.
const REPORTS_PREFIX: &str = "score-reports/";

/// The scope of a plan's access token.
pub fn scope(plan_id: &str) -> String {
    record_scope("plan", plan_id)
}

/// The rules' answer for a report, or the report's broken rule naming the
/// field under `pointer` (the JSON Pointer of the report in the request).
fn assessment(report: &ScoreReport, pointer: &str) -> Result<ClusterAssessment, ApiFailure> {
    cluster::assess(report).map_err(|err: ScoreReportError| {
        ApiFailure::rule(err.code(), err.to_string())
            .with_field(&format!("{pointer}/{}", err.field()))
    })
}

/// Pure: which cluster the report points to and how every cluster fits.
pub async fn assess(_app: &App, request: &ApiRequest) -> Handled {
    let report: ScoreReport = parse(request)?;
    Ok(ApiResponse::json(200, &assessment(&report, "")?))
}

/// A URL the frontend uploads the report to, straight to storage; good only
/// for the declared type and length, for `upload_lifetime`.
pub async fn upload_url(app: &App, request: &ApiRequest) -> Handled {
    let body: UploadUrlRequest = parse(request)?;
    let extension = match body.content_type {
        ReportContentType::Pdf => "pdf",
        ReportContentType::Png => "png",
        ReportContentType::Jpeg => "jpg",
    };
    // The user's file name stays out of the key: it may carry personal data,
    // and a random key cannot be guessed.
    let key = format!(
        "{REPORTS_PREFIX}{}/{}.{extension}",
        app.now().format("%Y/%m"),
        new_id("rep")
    );
    let content_type = super::status_text(&body.content_type);
    let presigned = app
        .files
        .presign_upload(&UploadRequest {
            key: key.clone(),
            content_type,
            content_length: body.content_length,
            expires_in: app.settings.upload_lifetime,
        })
        .await
        .map_err(files_unavailable)?;
    let response = UploadUrlResponse {
        upload_url: presigned.url,
        key,
        method: "PUT".into(),
        headers: presigned.headers,
        expires_at: presigned.expires_at,
    };
    Ok(ApiResponse::json(200, &response))
}

fn files_unavailable(err: FilesError) -> ApiFailure {
    tracing::error!(error = %err, "file storage failed");
    ApiFailure::unavailable("file storage is unavailable; try again")
}

/// Refuses a report key that was never uploaded (or that we never issued).
async fn check_uploaded(app: &App, key: &str) -> Result<(), ApiFailure> {
    let uploaded = key.starts_with(REPORTS_PREFIX)
        && app.files.exists(key).await.map_err(files_unavailable)?;
    if uploaded {
        Ok(())
    } else {
        Err(ApiFailure::rule(
            "SCORE_REPORT_NOT_UPLOADED",
            "no score report was uploaded under this key",
        )
        .with_field("/scoreReportKey"))
    }
}

pub async fn create(app: &App, request: &ApiRequest) -> Handled {
    let body: CreatePlanRequest = parse(request)?;
    let assessed = assessment(&body.score_report, "/scoreReport")?;
    let selected = body.selected_cluster.unwrap_or(assessed.cluster);
    let price = catalog::product(selected.product())
        .price
        .expect("cluster plans have a fixed price");
    if let Some(key) = &body.score_report_key {
        check_uploaded(app, key).await?;
    }

    let plan_id = new_id("plan");
    let mut plan = PersonalizedPlan {
        amount_refunded: None,
        plan_id: plan_id.clone(),
        campaign_id: CampaignId::PersonalizedPlan,
        email: body.email.normalized(),
        first_name: body.first_name.0.trim().to_owned(),
        last_name: body.last_name.0.trim().to_owned(),
        score_report: body.score_report,
        score_report_key: body.score_report_key,
        recommended_cluster: assessed.cluster,
        selected_cluster: selected,
        price,
        status: PlanStatus::PendingPayment,
        created_at: app.now(),
        stripe_checkout_session_id: None,
        checkout_attempt: 0,
        payment_intent_id: None,
        activated_at: None,
        expires_at: None,
    };
    let journey = Journey::new(PERSONALIZED_PLAN, &plan_id, json!({"planId": plan_id}));
    journey.insert_owing(app, &plan).await?;

    let opened = match checkout::open(app, &plan.payable(&())).await {
        Ok(opened) => opened,
        Err(failure) => {
            abandon(app, &plan_id, &journey).await;
            return Err(failure);
        }
    };
    plan = payable::record_opened(app, &plan_id, &opened).await?;
    journey.start(app).await;

    let response = CreatePlanResponse {
        access_token: app.tokens.issue(&scope(&plan_id)),
        plan_id,
        status: plan.status,
        recommended_cluster: plan.recommended_cluster,
        selected_cluster: plan.selected_cluster,
        price: plan.price,
        checkout: opened.session,
    };
    Ok(ApiResponse::json(201, &response))
}

pub async fn get(app: &App, request: &ApiRequest) -> Handled {
    let plan_id = request.param("planId")?;
    authorize(app, request, &scope(plan_id))?;
    let found = app
        .records
        .get::<PersonalizedPlan>(plan_id)
        .await?
        .ok_or_else(|| ApiFailure::not_found("personalized plan"))?;
    Ok(ApiResponse::json(200, &found.record))
}

impl PayableRecord for PersonalizedPlan {
    const CAMPAIGN: CampaignId = CampaignId::PersonalizedPlan;
    const NOUN: &'static str = "personalized plan";
    const NOT_PAYABLE: &'static str = "this plan is no longer waiting for payment";
    type Context = ();

    payable::checkout_fields!();

    fn id(&self) -> &str {
        &self.plan_id
    }

    fn scope(plan_id: &str) -> String {
        scope(plan_id)
    }

    async fn context(&self, _app: &App) -> Result<(), ApiFailure> {
        Ok(())
    }

    fn awaiting_payment(&self) -> bool {
        self.status == PlanStatus::PendingPayment
    }

    /// The selected cluster's product.
    fn price(&self, _context: &()) -> (ProductId, Cents) {
        (self.selected_cluster.product(), self.price)
    }

    fn payment<'a>(&'a self, _context: &'a ()) -> Payment<'a> {
        Payment::Plan(self)
    }
}

/// Marks a plan that could not be offered for payment as failed; then its
/// journey is no longer owed (if the process dies between, the journey runs
/// and finds the plan settled).
async fn abandon(app: &App, plan_id: &str, journey: &Journey) {
    let marked = app
        .records
        .update::<PersonalizedPlan, ()>(plan_id, |stored| {
            stored.status = PlanStatus::Failed;
            Ok(())
        })
        .await;
    match marked {
        Ok(_) => journey_starts::forgive(app, journey).await,
        Err(err) => tracing::error!(error = ?err, plan_id, "could not mark the plan failed"),
    }
}

/// The payment was refunded: the amount is recorded, and a plan refunded in
/// full is marked so.
pub async fn refunded(app: &App, payee: &Payee, refund: &ChargeRefund) -> Result<(), ApiFailure> {
    payable::refunded(app, payee, |plan: &mut PersonalizedPlan| {
        refund.record_on(&mut plan.amount_refunded);
        if refund.is_full() {
            plan.status = PlanStatus::Refunded;
        }
    })
    .await
}
