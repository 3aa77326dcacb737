//! `campaigns serve`: the product on one machine, until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use campaigns_local::{Embedded, Options};

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Where records, engine state, the Stripe simulator's state (owed
    /// webhooks included), the outbox and uploads are kept; a restart on the
    /// same directory resumes every journey.
    #[arg(long, default_value = ".data")]
    data_dir: PathBuf,
    /// The frontend's origin (CORS) and where emails link.
    #[arg(long, env = "FRONTEND_URL")]
    frontend_url: Option<String>,
    /// The bearer token of the admin routes.
    #[arg(long, env = "ADMIN_TOKEN", default_value = "local-admin-token")]
    admin_token: String,
    /// The key the Stripe simulator accepts.
    #[arg(long, env = "STRIPE_SECRET_KEY", default_value = "sk_test_simulator")]
    stripe_secret_key: String,
    /// The secret Stripe events are signed with (use `stripe listen`'s to
    /// accept events it forwards).
    #[arg(
        long,
        env = "STRIPE_WEBHOOK_SECRET",
        default_value = "whsec_local_simulator"
    )]
    stripe_webhook_secret: String,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let mut options = Options::new(
        args.data_dir.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
    );
    options.frontend_url = args.frontend_url;
    options.admin_token = args.admin_token;
    options.stripe_secret_key = args.stripe_secret_key;
    options.stripe_webhook_secret = args.stripe_webhook_secret;
    let product = Embedded::start(options).await?;
    let base = &product.base_url;
    println!("ProDentHub campaigns on the embedded default");
    println!("  API             {base}/v1   (OpenAPI: {base}/v1/openapi.json)");
    println!("  Stripe webhook  {base}/v1/webhook/stripe");
    println!("  Stripe (sim)    {base}/stripe/v1   checkout pages under {base}/stripe/checkout/");
    println!("  uploads         {base}/uploads/");
    println!("  console         {base}/console   (sign in with ADMIN_TOKEN)");
    println!("  Step Functions  {base}/sfn   (aws stepfunctions --endpoint-url {base}/sfn ...)");
    println!("  data            {}", args.data_dir.display());
    println!("  frontend        {}", product.app.settings.frontend_url);
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    Ok(())
}
