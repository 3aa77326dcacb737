//! Runs the AWS-recorded conformance cases (`shared/conformance`, beside the
//! repository) against the `asl` binary of this build: at least 95 % of the
//! JSONPath cases must pass. See docs/conformance.md.

use std::path::PathBuf;
use std::process::Command;

fn conformance_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("ASL_CONFORMANCE_DIR").map(PathBuf::from),
        Some(manifest.join("../../shared/conformance")),
        Some(manifest.join("../shared/conformance")),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|d| d.join("run.py").is_file())
}

#[test]
fn jsonpath_conformance_is_at_least_95_percent() {
    let dir = conformance_dir().expect(
        "shared/conformance not found beside the repository: set ASL_CONFORMANCE_DIR to its path",
    );
    let asl = env!("CARGO_BIN_EXE_asl");
    let out = Command::new("python3")
        .arg(dir.join("run.py"))
        .arg("--cases")
        .arg(dir.join("cases"))
        .arg("--cmd")
        .arg(format!("{asl} run {{definition}} {{input}}"))
        .args(["--skip-feature", "jsonata"])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let summary = text
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary in:\n{text}"));
    let count = |word: &str| -> f64 {
        let before = summary.split(word).next().unwrap_or_default();
        before
            .trim_end_matches([',', ' '])
            .rsplit(' ')
            .next()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0.0)
    };
    let (passed, failed) = (count(" passed"), count(" failed"));
    let rate = passed / (passed + failed);
    eprintln!("conformance: {summary} ({:.1} %)", rate * 100.0);
    assert!(passed + failed > 500.0, "too few cases ran: {summary}");
    assert!(
        rate >= 0.95,
        "JSONPath conformance {:.1} % < 95 %:\n{text}",
        rate * 100.0
    );
}
