#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine.
#
#   bash tests/run.sh
#
# It installs what the tests need (pinned), starts the services they use on
# 127.0.0.1, and stops them on exit. It builds the debug profile once; every
# later step reuses that build, but for the last: the Lambda zip, built the way
# it is deployed (profile `deploy`, for glibc 2.34).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

mkdir -p "$root/target"
venv="$root/target/test-venv"
services=()
cleanup() {
  for pid in "${services[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -f "${log:-}"
}
trap cleanup EXIT

step "python tools and services (pinned in tests/services/requirements.txt)"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/services/requirements.txt

# Starts a service that writes its URL to a file once it listens; exports it.
start_service() {
  local name=$1 var=$2; shift 2
  local url_file; url_file=$(mktemp)
  rm -f "$url_file"
  "$@" --url-file "$url_file" >"$root/target/$name.log" 2>&1 &
  services+=($!)
  for _ in $(seq 1 100); do
    [ -s "$url_file" ] && break
    kill -0 "${services[-1]}" 2>/dev/null || { cat "$root/target/$name.log"; echo "$name did not start" >&2; exit 1; }
    sleep 0.2
  done
  [ -s "$url_file" ] || { echo "$name did not report its URL" >&2; exit 1; }
  export "$var=$(cat "$url_file")"
  echo "$name: ${!var}"
  rm -f "$url_file"
}

step "node tools (pinned in tests/*/package-lock.json) and Debian's chromium for the browser tests"
npm ci --silent --prefix tests/asl
npm ci --silent --prefix tests/browser --no-audit --no-fund
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

step "format"
cargo fmt --all --check

step "lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "build (debug, all targets)"
cargo build --workspace --all-targets --locked

step "schemas/ is what the types generate"
cargo run --quiet --locked -- schemas --check

step "infra: parse (python-hcl2), checkov, consistency with the code"
venv="$venv" bash tests/infra/check.sh

step "ASL conformance of the embedded engine: JSONPath (floor 98 %) and JSONata (floor 95 %) rates"
cargo test --quiet --locked -p workflows --test conformance -- --nocapture

step "state machine definitions: statelint and asl-validator"
tests/asl/check.sh "$venv"

step "services on 127.0.0.1"
start_service localstripe LOCALSTRIPE_URL "$venv/bin/python" tests/services/localstripe.py --port 0
start_service moto MOTO_URL "$venv/bin/python" tests/services/moto.py --port 0
# The journeys run in Step Functions' execution mode on a moto of their own (docs/aws-adapters.md).
start_service moto-execution MOTO_EXECUTION_URL "$venv/bin/python" tests/services/moto.py --port 0

step "tests"
log=$(mktemp)
cargo test --workspace --locked 2>&1 | tee "$log"
passed=$(grep -Eo '[0-9]+ passed' "$log" | awk '{s += $1} END {print s + 0}')
failed=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')

step "fuzz: schemathesis against the OpenAPI document"
bash tests/fuzz/schemathesis.sh "$venv"

step "Lambda packages: the check refuses bad zips; every deployment zip (zig, glibc 2.34) passes it"
bash tests/lambda/check-artifact-refuses.sh
bash infra/build.sh

echo
echo "all checks passed in $(( $(date +%s) - started )) s"
echo "tests: $passed passed, $failed failed"
