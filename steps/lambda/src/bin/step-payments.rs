//! Package `step-payments`: the steps that call Stripe.

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step-payments")
        .await?
        .with_payments()
        .await?
        .serve_steps()
        .await
}
