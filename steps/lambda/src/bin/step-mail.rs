//! Package `step-mail`: the step that sends email (SESv2).

#[tokio::main]
async fn main() -> Result<(), campaigns_lambda::Error> {
    campaigns_lambda::Init::new("step-mail")
        .await?
        .with_mail()
        .serve_steps()
        .await
}
