//! `campaigns schemas`: keeps `schemas/` equal to what the types generate.

use std::path::Path;

use anyhow::{Context, bail};
use campaigns_app::schema_files;
use campaigns_contracts::export;

pub fn write(out: &Path) -> anyhow::Result<()> {
    let count = export::write(out, &schema_files())
        .with_context(|| format!("writing {}", out.display()))?;
    println!("wrote {count} files under {}", out.display());
    Ok(())
}

pub fn check(out: &Path) -> anyhow::Result<()> {
    let problems = export::differences(out, &schema_files())
        .with_context(|| format!("reading {}", out.display()))?;
    if !problems.is_empty() {
        bail!(
            "{} is out of date; run `cargo run -- schemas`:\n  {}",
            out.display(),
            problems.join("\n  ")
        );
    }
    println!("{} is current", out.display());
    Ok(())
}
