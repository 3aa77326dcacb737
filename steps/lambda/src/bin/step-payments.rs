//! Package `step-payments`: the steps that call Stripe (and publish the
//! access a team's capture grants, on EventBridge).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step-payments")
        .await?
        .with_payments()
        .await?
        .with_access()
        .serve_steps()
        .await
}
