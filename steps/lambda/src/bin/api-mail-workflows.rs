//! Package `api-mail-workflows`: the API functions that never call Stripe (SESv2, Step Functions).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("api-mail-workflows")
        .await?
        .with_mail()
        .with_workflows()
        .serve_api()
        .await
}
