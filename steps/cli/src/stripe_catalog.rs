//! `campaigns stripe-catalog sync [--dry-run]`: makes Stripe's Products and Prices match
//! the catalog, prints what it did and the product-id variables to set.

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
    println!("\n# Stripe product ids (seed §7):");
    for line in report.env_lines() {
        println!("{line}");
    }
    Ok(())
}
