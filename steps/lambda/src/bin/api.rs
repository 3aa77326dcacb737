//! Package `api`: the API functions that call Stripe (checkouts, refunds, an
//! exam's cancellation, the webhook) with SESv2, S3, Scheduler, Step
//! Functions and EventBridge (the webhook changes access).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("api")
        .await?
        .with_mail()
        .with_payments()
        .await?
        .with_files()?
        .with_schedules()
        .with_workflows()
        .with_access()
        .serve_api()
        .await
}
