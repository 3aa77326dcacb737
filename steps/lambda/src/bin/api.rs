//! Package `api`: the API functions with every port wired.

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("api")
        .await?
        .with_payments()
        .await?
        .with_mail()
        .with_files()
        .with_schedules()
        .with_workflows()
        .serve_api()
        .await
}
