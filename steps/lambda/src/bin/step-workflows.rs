//! Package `step-workflows`: the steps that resume a waiting journey (Step Functions).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step-workflows")
        .await?
        .with_workflows()
        .serve_steps()
        .await
}
