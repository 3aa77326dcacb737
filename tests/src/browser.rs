//! The browser tests' runner: a script of `tests/browser/` run with Node,
//! driving Debian's headless `chromium` through the pinned playwright-core.
//!
//! Needs `/usr/bin/chromium`, `node` on PATH and `npm ci --prefix
//! tests/browser` (tests/run.sh does all three). A missing one fails the
//! test, never skips it, saying how to install it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

pub const CHROMIUM: &str = "/usr/bin/chromium";

fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("browser")
}

/// Chromium, node and the pinned playwright-core, or a loud failure
/// saying how to install them.
pub fn require_tools() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing; install it with:\n  apt-get update && apt-get install -y chromium"
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|out| out.status.success()),
        "node is missing ({node:?}); install Node.js 20 or newer"
    );
    assert!(
        browser_dir()
            .join("node_modules/playwright-core/package.json")
            .exists(),
        "playwright-core is not installed; run:\n  npm ci --prefix tests/browser"
    );
}

/// Runs `script` with `env` within `limit`; its standard output. Fails the
/// test when the script fails or does not print `passed` (its last word).
pub async fn run_script(
    script: &str,
    env: &[(&str, String)],
    limit: Duration,
    passed: &str,
) -> String {
    let mut command = Command::new("node");
    command.arg(script).current_dir(browser_dir());
    for (name, value) in env {
        command.env(name, value);
    }
    let run = tokio::task::spawn_blocking(move || command.output());
    let output = tokio::time::timeout(limit, run)
        .await
        .unwrap_or_else(|_| panic!("{script} ends within {limit:?}"))
        .expect("the runner thread")
        .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains(passed), "{stdout}");
    stdout
}
