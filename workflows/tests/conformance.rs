//! Runs the AWS-recorded conformance cases (`shared/conformance`, beside the
//! repository) against the `asl` binary of this build and prints the pass
//! rate of each query language: at least 98 % of the JSONPath cases and
//! 95 % of the JSONata ones must pass. See docs/conformance.md.

use std::path::PathBuf;
use std::process::Command;

/// The floors, by the runner's feature name.
const FLOORS: [(&str, &str, f64); 2] =
    [("jsonpath", "JSONPath", 0.98), ("jsonata", "JSONata", 0.95)];

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

/// (total, passed) of a feature's row in the runner's table.
fn row(table: &str, feature: &str) -> Option<(u32, u32)> {
    table.lines().find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        match cols.as_slice() {
            [name, total, passed, _, _, _] if *name == feature => {
                Some((total.parse().ok()?, passed.parse().ok()?))
            }
            _ => None,
        }
    })
}

#[test]
fn each_query_language_meets_its_conformance_floor() {
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
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut short = Vec::new();
    for (feature, language, floor) in FLOORS {
        let (total, passed) =
            row(&text, feature).unwrap_or_else(|| panic!("no '{feature}' row in:\n{text}"));
        assert!(total > 50, "too few {language} cases ran: {total}");
        let rate = f64::from(passed) / f64::from(total);
        println!(
            "ASL conformance, {language}: {passed} of {total} passed ({:.1} %, floor {:.0} %)",
            rate * 100.0,
            floor * 100.0
        );
        if rate < floor {
            short.push(language);
        }
    }
    assert!(
        short.is_empty(),
        "conformance under its floor for {short:?}:\n{text}"
    );
}
