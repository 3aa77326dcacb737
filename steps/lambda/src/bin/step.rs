//! Package `step`: the steps on the records alone.

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step")
        .await?
        .serve_steps()
        .await
}
