//! `campaigns serve`: the product on one machine, until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use campaigns_app::metrics;
use campaigns_local::{Embedded, Options};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::prelude::*;

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
    #[arg(
        long,
        env = "ADMIN_TOKEN",
        default_value = "local-admin-token",
        hide_env_values = true
    )]
    admin_token: String,
    /// The Stripe secret key: the one the simulator accepts, or a test-mode
    /// key of the Stripe behind --stripe-api-base. Live-mode keys are refused.
    #[arg(
        long,
        env = "STRIPE_SECRET_KEY",
        default_value = "sk_test_simulator",
        hide_env_values = true
    )]
    stripe_secret_key: String,
    /// The secret Stripe events are signed with (use `stripe listen`'s to
    /// accept events it forwards).
    #[arg(
        long,
        env = "STRIPE_WEBHOOK_SECRET",
        default_value = "whsec_local_simulator",
        hide_env_values = true
    )]
    stripe_webhook_secret: String,
    /// Send Stripe calls to this API instead of the embedded simulator, e.g.
    /// https://api.stripe.com with a test-mode STRIPE_SECRET_KEY, so that
    /// events `stripe listen` forwards from that account find their sessions.
    #[arg(long, env = "STRIPE_API_BASE")]
    stripe_api_base: Option<String>,
    /// Also POST every access event (grant, revocation, suspension,
    /// restoration) here, signed with ACCESS_EVENTS_SECRET
    /// (docs/access-events.md); they are always in the data directory.
    #[arg(long, env = "ACCESS_EVENTS_URL", requires = "access_events_secret")]
    access_events_url: Option<String>,
    /// The secret the access events' `ProDentHub-Signature` is made with.
    #[arg(long, env = "ACCESS_EVENTS_SECRET", hide_env_values = true)]
    access_events_secret: Option<String>,
}

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let logs = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_filter(logs)
                .with_filter(filter_fn(|metadata| !metrics::is_emf(metadata))),
        )
        .with(metrics::layer())
        .init();
    let mut options = Options::new(
        args.data_dir.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)),
    );
    options.frontend_url = args.frontend_url;
    options.admin_token = args.admin_token;
    options.stripe_secret_key = args.stripe_secret_key;
    options.stripe_webhook_secret = args.stripe_webhook_secret;
    options.stripe_api_base = args.stripe_api_base.filter(|base| !base.trim().is_empty());
    options.access_events = args
        .access_events_url
        .filter(|url| !url.trim().is_empty())
        .zip(args.access_events_secret)
        .map(|(url, secret)| campaigns_local::access_events::Delivery::new(url, secret));
    let external_stripe = options.stripe_api_base.is_some();
    let access_events_url = options.access_events.as_ref().map(|to| to.url.clone());
    let product = Embedded::start(options).await?;
    let base = &product.base_url;
    let stripe = &product.stripe_api;
    println!("ProDentHub campaigns on the embedded default");
    println!("  API             {base}/v1   (OpenAPI: {base}/v1/openapi.json)");
    let port = base.rsplit(':').next().unwrap_or_default();
    println!(
        "  Stripe webhook  {base}/v1/webhook/stripe   \
         (stripe listen --forward-to localhost:{port}/v1/webhook/stripe)"
    );
    if external_stripe {
        // Which Stripe, never the key.
        println!("  Stripe          {stripe}/v1   (STRIPE_API_BASE; the simulator is not used)");
    } else {
        println!("  Stripe (sim)    {stripe}/v1   checkout pages under {stripe}/checkout/");
    }
    println!("  uploads         {base}/uploads/");
    println!("  console         {base}/console   (sign in with ADMIN_TOKEN)");
    println!(
        "  app             {base}/app   (the reference client: every journey, every email link)"
    );
    println!("  Step Functions  {base}/sfn   (aws stepfunctions --endpoint-url {base}/sfn ...)");
    println!(
        "  access events   {base}/console/access-events{}",
        access_events_url.map_or(String::new(), |url| format!("   (POSTed to {url})"))
    );
    println!("  data            {}", args.data_dir.display());
    println!("  frontend        {}", product.app.settings.frontend_url);
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    Ok(())
}
