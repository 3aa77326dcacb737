//! `campaigns`: the product's command-line entry point.
//!
//! Each subcommand is a thin shell over a library crate; the local server,
//! the Stripe simulator and the demo arrive as subcommands of this binary.

mod admin;
mod schemas;
mod serve;
mod stripe_catalog;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

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
    /// Operators' actions against a local `serve` or the deployed API:
    /// scholarship reviews, coupons, exams, refunds, a customer's records,
    /// privacy export and erasure.
    Admin(admin::AdminArgs),
    /// Start the whole product on 127.0.0.1 on the embedded default: the API
    /// under /v1, the Stripe simulator and its checkout pages, uploads, the
    /// engine running every journey, state in --data-dir.
    Serve(serve::ServeArgs),
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
    /// Emails: render every template with sample data for review.
    Emails {
        #[command(subcommand)]
        command: EmailsCommand,
    },
    /// Drive every journey over HTTP against a running `campaigns serve`, as
    /// the frontend and a paying customer would; print a timeline and exit
    /// non-zero if anything is off.
    Demo {
        /// Where `campaigns serve` answers.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// The admin token serve was started with.
        #[arg(long, env = "ADMIN_TOKEN", default_value = "local-admin-token")]
        admin_token: String,
    },
    /// Stripe's catalog: create or update the products and prices (seed §4).
    StripeCatalog {
        #[command(subcommand)]
        command: stripe_catalog::CatalogCommand,
    },
    /// Run the Stripe simulator alone on 127.0.0.1 (its API under /v1, a
    /// checkout page per session, signed webhooks).
    StripeSim {
        #[arg(long, default_value_t = 12111)]
        port: u16,
        /// The secret key clients must send.
        #[arg(long, env = "STRIPE_SECRET_KEY", default_value = "sk_test_simulator")]
        api_key: String,
        /// An endpoint to deliver every event to, signed with --webhook-secret.
        #[arg(long, requires = "webhook_secret")]
        webhook: Option<String>,
        #[arg(long, env = "STRIPE_WEBHOOK_SECRET")]
        webhook_secret: Option<String>,
    },
}

#[derive(Subcommand)]
enum EmailsCommand {
    /// Write every template, HTML and text, with an index page.
    Preview {
        #[arg(long, default_value = "target/email-preview")]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<ExitCode> {
    let done = match Cli::parse().command {
        // Its exit code says what the API answered.
        Command::Admin(args) => return Ok(runtime()?.block_on(admin::run(args))),
        Command::Serve(args) => runtime()?.block_on(serve::run(args)),
        Command::Schemas { out, check } => {
            if check {
                schemas::check(&out)
            } else {
                schemas::write(&out)
            }
        }
        Command::Emails {
            command: EmailsCommand::Preview { out },
        } => {
            let index = campaigns_mail::render_previews(&out)?;
            println!("open {}", index.display());
            Ok(())
        }
        Command::Demo { url, admin_token } => {
            let api = format!("{}/v1", url.trim_end_matches('/'));
            let summary = runtime()?.block_on(campaigns_local::demo::run(
                &api,
                &admin_token,
                &mut std::io::stdout(),
            ))?;
            println!("{} journeys completed", summary.completed().len());
            Ok(())
        }
        Command::StripeCatalog { command } => runtime()?.block_on(stripe_catalog::run(command)),
        Command::StripeSim {
            port,
            api_key,
            webhook,
            webhook_secret,
        } => {
            let webhooks = webhook
                .zip(webhook_secret)
                .map(|(url, secret)| stripe_sim::WebhookTarget { url, secret })
                .into_iter()
                .collect();
            let config = stripe_sim::SimConfig {
                api_key,
                webhooks,
                ..Default::default()
            };
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            println!("stripe simulator: http://{addr}/v1 (checkout pages under http://{addr}/)");
            runtime()?.block_on(stripe_sim::serve(addr, config))
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
