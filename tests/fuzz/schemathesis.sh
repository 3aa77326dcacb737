#!/usr/bin/env bash
# Fuzzes the HTTP API with schemathesis against the OpenAPI document that
# `campaigns serve` serves at /v1/openapi.json: no 5xx, only documented
# status codes and content types, and every response matching its documented
# schema (4xx included: the `{"error": {"code", "message", ...}}` body).
#
#   bash tests/fuzz/schemathesis.sh [VENV]
#
# VENV (default target/test-venv) has tests/services/requirements.txt
# installed. It builds nothing: it runs target/debug/campaigns. The run is
# derandomized and bounded (deterministic generation, no example database or
# crash cache, one worker, at most 100 cases per operation and phase) so that
# it gives the same result every time.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
venv=${1:-$root/target/test-venv}
bin=$root/target/debug/campaigns
[ -x "$bin" ] || { echo "$bin is missing: build the workspace first" >&2; exit 1; }
[ -x "$venv/bin/schemathesis" ] || { echo "schemathesis is not installed in $venv" >&2; exit 1; }

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export ADMIN_TOKEN=fuzz-admin-token
base=http://127.0.0.1:$port

env -u FRONTEND_URL -u STRIPE_SECRET_KEY -u STRIPE_WEBHOOK_SECRET RUST_LOG=warn,stripe_shared=error \
  "$bin" serve --port "$port" --data-dir "$work/data" >"$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$base/v1/openapi.json" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo "serve did not start" >&2; exit 1; }
  sleep 0.2
done
curl -fsS -o /dev/null "$base/v1/openapi.json" || { cat "$work/serve.log"; echo "serve does not answer" >&2; exit 1; }

status=0
"$venv/bin/schemathesis" --config-file tests/fuzz/schemathesis.toml run \
  "$base/v1/openapi.json" \
  --url "$base/v1" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples 100 \
  --generation-deterministic \
  --workers 1 \
  --request-timeout 10 \
  --no-color \
  --output-truncate false \
  || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- serve log (tail)"
  tail -n 40 "$work/serve.log"
fi
exit "$status"
