//! Package `step-access`: the steps that grant access and publish its events
//! (EventBridge).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step-access")
        .await?
        .with_access()
        .serve_steps()
        .await
}
