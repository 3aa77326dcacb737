#!/usr/bin/env bash
# Checks one Lambda deployment package infra/build.sh wrote:
# - it holds one executable named `bootstrap` (what provided.al2023 runs),
#   built for the expected instruction set;
# - no symbol it imports needs a glibc newer than 2.34 (Amazon Linux 2023's);
# - the zip is under 4 MiB, the size every package meets (docs/lambda.md,
#   Size), so none can grow past it unnoticed.
#
#   bash tests/lambda/check-artifact.sh target/lambda/step/bootstrap.zip x86_64
set -euo pipefail
zip=$1 arch=$2
budget_zip_bytes=$((4 * 1024 * 1024))
newest_glibc=2.34

fail() { echo "artifact check failed: $*" >&2; exit 1; }

[ -f "$zip" ] || fail "$zip does not exist (run infra/build.sh)"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Lambda runs the zip's `bootstrap` with the mode bits stored in the zip.
python3 - "$zip" "$dir" <<'PY' || fail "the zip must hold exactly one executable file named bootstrap"
import sys, zipfile
entries = zipfile.ZipFile(sys.argv[1]).infolist()
names = [e.filename for e in entries]
if names != ['bootstrap']:
    sys.exit('the zip holds %s' % names)
mode = entries[0].external_attr >> 16
if not mode & 0o111:
    sys.exit('bootstrap is stored without execute permission (mode %o)' % mode)
zipfile.ZipFile(sys.argv[1]).extract('bootstrap', sys.argv[2])
PY
bin="$dir/bootstrap"

case "$arch" in
  x86_64) machine='Advanced Micro Devices X86-64' ;;
  arm64) machine='AArch64' ;;
  *) fail "unknown architecture $arch" ;;
esac
readelf -h "$bin" | grep -q "Machine: *$machine" || fail "bootstrap is not built for $arch"

# Every versioned glibc symbol the binary imports, e.g. GLIBC_2.17, newest last.
versions=$(readelf --dyn-syms --wide "$bin" | grep -Eo '@GLIBC_[0-9]+(\.[0-9]+)*' | sed 's/@GLIBC_//' | sort -uV)
[ -n "$versions" ] || fail "no glibc symbol versions found: is bootstrap dynamically linked against glibc?"
newest=$(printf '%s\n' "$versions" | tail -n 1)
if [ "$(printf '%s\n%s\n' "$newest" "$newest_glibc" | sort -V | tail -n 1)" != "$newest_glibc" ]; then
  readelf --dyn-syms --wide "$bin" | grep -E "@GLIBC_$newest\b" >&2
  fail "bootstrap needs GLIBC_$newest, newer than the runtime's $newest_glibc"
fi

size=$(stat -c %s "$zip")
[ "$size" -le "$budget_zip_bytes" ] || fail "the zip is $size bytes, over its budget of $budget_zip_bytes"

echo "artifact ok: $arch, newest glibc symbol GLIBC_$newest (limit $newest_glibc), bootstrap $(stat -c %s "$bin") bytes, zip $size bytes (budget $budget_zip_bytes, $((budget_zip_bytes - size)) to spare)"
