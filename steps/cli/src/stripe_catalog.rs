//! `campaigns stripe-catalog sync [--dry-run]`: makes Stripe's Products and Prices match
//! the catalog and prints what it did. Nothing is left to configure: checkouts find the
//! Products by id and the Prices by lookup key.

use campaigns_payments::StripeConfig;
use campaigns_payments::catalog::{CatalogSync, product_catalog};
use clap::{Args, Subcommand};

#[derive(Subcommand)]
pub enum CatalogCommand {
    /// Create or update the catalog's products and prices (idempotent).
    Sync(SyncArgs),
}

#[derive(Args)]
pub struct SyncArgs {
    /// Report what would change without writing anything.
    #[arg(long)]
    dry_run: bool,
    /// The Stripe secret key.
    #[arg(long, env = "STRIPE_SECRET_KEY", hide_env_values = true)]
    secret_key: String,
    /// Another Stripe-compatible API (the simulator: http://127.0.0.1:12111).
    #[arg(long, env = "STRIPE_API_BASE")]
    api_base: Option<String>,
}

pub async fn run(command: CatalogCommand) -> anyhow::Result<()> {
    let CatalogCommand::Sync(args) = command;
    let sync = CatalogSync::new(StripeConfig::new(args.secret_key, args.api_base, ""))?;
    let report = sync.sync(&product_catalog(), args.dry_run).await?;
    print!("{report}");
    Ok(())
}
