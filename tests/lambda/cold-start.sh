#!/usr/bin/env bash
# The cold-start benchmark (figures in docs/lambda.md): builds the deployment
# packages, installs the Node.js 20 baseline's packages (pinned in
# node-baseline/package-lock.json), and starts every function, from its
# package, against a local Lambda Runtime API beside the baseline.
#
#   bash tests/lambda/cold-start.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
# REBUILD=0 reuses the last build.
[ -f target/lambda/api/bootstrap.zip ] && [ "${REBUILD:-1}" = 0 ] || bash infra/build.sh x86_64
unpacked=target/lambda/unpacked
rm -rf "$unpacked"
for zip in target/lambda/*/bootstrap.zip; do
  package=$(basename "$(dirname "$zip")")
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$unpacked/$package"
  chmod +x "$unpacked/$package/bootstrap"
done
npm ci --silent --prefix tests/lambda/node-baseline --no-audit --no-fund
cargo run --quiet --locked -p campaigns-lambda --example cold_start -- target/lambda "$unpacked" "$@"
