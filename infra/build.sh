#!/usr/bin/env bash
# Builds the deployment packages: one `bootstrap` binary per package of
# steps/lambda (src/bin/<package>.rs) for provided.al2023, linked through zig
# against glibc 2.34 (the runtime's), size-optimized (the `deploy` profile),
# zipped.
#
#   bash infra/build.sh [x86_64|arm64]     (default x86_64, as infra/variables.tf;
#                                           arm64 needs `rustup target add aarch64-unknown-linux-gnu`)
#
# Writes target/lambda/<package>/bootstrap.zip (what Terraform deploys, each
# function with its package) and checks each with tests/lambda/check-artifact.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

arch=${1:-x86_64}
case "$arch" in
  arm64) triple=aarch64-unknown-linux-gnu ;;
  x86_64) triple=x86_64-unknown-linux-gnu ;;
  *) echo "usage: $0 [x86_64|arm64]" >&2; exit 2 ;;
esac

venv="$root/target/lambda-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r infra/build-requirements.txt

# No stale package from an earlier layout may be deployed.
rm -rf "$root/target/lambda"
# cargo-lambda finds zig through the venv's python (`python -m ziglang`).
PATH="$venv/bin:$PATH" cargo lambda build --locked -p campaigns-lambda --profile deploy \
  --target "$triple.2.34" --output-format zip

packages=$(ls steps/lambda/src/bin | sed 's/\.rs$//')
for package in $packages; do
  bash tests/lambda/check-artifact.sh "$root/target/lambda/$package/bootstrap.zip" "$arch"
done
