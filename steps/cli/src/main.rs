//! `campaigns`: the product's command-line entry point.
//!
//! Each subcommand is a thin shell over a library crate; the local server,
//! the Stripe simulator and the demo arrive as subcommands of this binary.

mod schemas;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "campaigns",
    version,
    about = "ProDentHub payment campaigns backend"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the JSON Schemas and the OpenAPI document generated from the
    /// contract types, or check that the committed ones are current.
    Schemas {
        /// The folder to write into.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
        /// Change nothing; exit non-zero if a file is missing, stale or extra.
        #[arg(long)]
        check: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Schemas { out, check } => {
            if check {
                schemas::check(&out)
            } else {
                schemas::write(&out)
            }
        }
    }
}
