//! Package `api`: the API functions that open checkouts (Stripe, S3,
//! Scheduler, Step Functions, SESv2) and the webhook, which changes access
//! (EventBridge).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("api")
        .await?
        .with_mail()
        .with_payments()
        .await?
        .with_files()
        .with_schedules()
        .with_workflows()
        .with_access()
        .serve_api()
        .await
}
