#!/usr/bin/env bash
# The checks of infra/ (nothing here reaches AWS):
#   1. every .tf file parses (python-hcl2);
#   2. checkov reports 0 failed checks, and every skip carries its reason;
#   3. infra/ provisions what the code uses and nothing else
#      (tests/infra/consistency.py against the manifest the code prints).
#
#   bash tests/infra/check.sh
#
# Uses the venv of tests/run.sh (checkov is pinned in
# tests/services/requirements.txt) and a small venv of its own for
# python-hcl2 (tests/infra/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv=${venv:-$root/target/test-venv}
hcl_venv=$root/target/hcl2-venv
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
started=$(date +%s)

[ -x "$venv/bin/checkov" ] || { echo "checkov is not in $venv: run tests/run.sh, or pip install -r tests/services/requirements.txt there" >&2; exit 1; }
[ -x "$hcl_venv/bin/python" ] || python3 -m venv "$hcl_venv"
"$hcl_venv/bin/pip" install --quiet --disable-pip-version-check -r tests/infra/requirements.txt

echo "--> infra: every .tf parses (python-hcl2)"
"$hcl_venv/bin/python" - infra/*.tf <<'PY'
import sys
import hcl2
bad = 0
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as handle:
            hcl2.load(handle)
    except Exception as err:  # the parser raises several types
        bad += 1
        print(f"FAIL {path}: {err}")
print(f"parse: {len(sys.argv) - 1 - bad} passed, {bad} failed")
sys.exit(1 if bad else 0)
PY

echo "--> infra: checkov"
# Offline: no guideline download (BC_SKIP_MAPPING), no external modules.
BC_SKIP_MAPPING=TRUE "$venv/bin/checkov" --directory infra --framework terraform \
  --skip-download --download-external-modules false --compact \
  --output json >"$work/checkov.json" 2>"$work/checkov.err" || true
"$hcl_venv/bin/python" - "$work/checkov.json" "$work/checkov.err" <<'PY'
import json, sys
try:
    with open(sys.argv[1]) as handle:
        report = json.load(handle)
except ValueError:
    print(open(sys.argv[2]).read())
    sys.exit("checkov produced no report")
report = report[0] if isinstance(report, list) else report
summary = report["summary"]
results = report.get("results", {})
for failed in results.get("failed_checks", []):
    print(f"FAIL {failed['check_id']} {failed['resource']} ({failed['file_path']}:{failed['file_line_range'][0]}): {failed['check_name']}")
unexplained = [s for s in results.get("skipped_checks", []) if not (s["check_result"].get("suppress_comment") or "").strip()
               or s["check_result"].get("suppress_comment") == "No comment provided"]
for skipped in unexplained:
    print(f"FAIL {skipped['check_id']} {skipped['resource']}: skipped without a reason")
skipped = sorted({s["check_id"] for s in results.get("skipped_checks", [])})
print(f"checkov {summary['checkov_version']}: {summary['passed']} passed, {summary['failed']} failed, "
      f"{summary['skipped']} skipped ({', '.join(skipped)}), {summary['parsing_errors']} parsing errors")
sys.exit(1 if summary["failed"] or summary["parsing_errors"] or unexplained else 0)
PY

echo "--> infra: consistency with the code"
cargo run --quiet --locked -p campaigns-tests --example infra_manifest >"$work/manifest.json"
"$hcl_venv/bin/python" tests/infra/consistency.py --root "$root" --manifest "$work/manifest.json"

echo "infra checks passed in $(( $(date +%s) - started )) s"
