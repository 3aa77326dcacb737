//! The `campaigns` binary as a child process, for the tests that run it as a
//! developer does and drive it over HTTP.
#![allow(dead_code)] // each test binary uses a different part

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a child may take to answer, or to exit.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Variables a developer's shell may hold that would change what a test
/// runs against; children start without them unless a test sets them.
const CLEARED: [&str; 5] = [
    "FRONTEND_URL",
    "STRIPE_API_BASE",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "ADMIN_TOKEN",
];

/// `campaigns ARGS` running, its output in a log file; killed (SIGKILL)
/// when dropped.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `campaigns` with `args` and `env` (on top of the test's
    /// environment without [`CLEARED`]; `RUST_LOG=warn`), stdout and stderr
    /// both written to `log`.
    pub fn start(args: &[&str], env: &[(&str, &str)], log: PathBuf) -> Process {
        let out = std::fs::File::create(&log).expect("a log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_campaigns"));
        command.args(args);
        for name in CLEARED {
            command.env_remove(name);
        }
        command
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("the log file"))
            .stderr(out);
        let child = command.spawn().expect("campaigns starts");
        Process { child, log }
    }

    /// What it printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `url` answers 2xx.
    pub async fn ready(&mut self, http: &reqwest::Client, url: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("campaigns exited ({status}):\n{}", self.log());
            }
            let answer = http.get(url).send().await;
            if answer.is_ok_and(|a| a.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{url} did not answer:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the process to exit by itself; its status.
    pub async fn exits(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "campaigns still runs after {PATIENCE:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `kill -9`.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("the killed process is reaped");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port free now, for a child to bind.
pub fn free_port() -> u16 {
    TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `check` until it is true, failing the test after [`PATIENCE`].
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + PATIENCE;
    while !check().await {
        assert!(Instant::now() < deadline, "{what}: not after {PATIENCE:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
