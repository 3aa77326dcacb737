#!/usr/bin/env bash
# Shows that check-artifact.sh refuses what Lambda would refuse: it is run on
# packages that must fail, each for its own reason, and fails if any passes.
#
#   bash tests/lambda/check-artifact-refuses.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"

# A binary that needs glibc 2.36 (arc4random), as anything linked against this
# machine's glibc may; and one that needs nothing newer than 2.34.
printf '#include <stdlib.h>\nint main(void) { return (int)(arc4random() & 1); }\n' > new.c
printf 'int main(void) { return 0; }\n' > old.c
gcc -O1 -o new new.c
gcc -O1 -o old old.c

# zip NAME SOURCE [MODE] [EXTRA_ENTRY]
package() {
  python3 - "$@" <<'PY'
import sys, zipfile
name, source = sys.argv[1], sys.argv[2]
mode = int(sys.argv[3], 8) if len(sys.argv) > 3 else 0o755
with zipfile.ZipFile(name, 'w', zipfile.ZIP_DEFLATED) as z:
    entry = zipfile.ZipInfo('bootstrap')
    entry.external_attr = (0o100000 | mode) << 16
    z.writestr(entry, open(source, 'rb').read())
    for extra in sys.argv[4:]:
        z.writestr(extra, b'')
PY
}

package ok.zip old
bash "$here/check-artifact.sh" ok.zip x86_64 >/dev/null || { echo "a valid package was refused" >&2; exit 1; }

refused() {
  local zip=$1 arch=$2 reason=$3 out
  if out=$(bash "$here/check-artifact.sh" "$zip" "$arch" 2>&1); then
    echo "check-artifact.sh accepted a package with $reason" >&2
    exit 1
  fi
  echo "refused ($reason): ${out##*artifact check failed: }"
}

package glibc.zip new
refused glibc.zip x86_64 "a glibc 2.36 symbol"
package mode.zip old 644
refused mode.zip x86_64 "no execute permission"
package extra.zip old 755 README
refused extra.zip x86_64 "a second file"
refused ok.zip arm64 "the wrong instruction set"
# A valid binary with 4 MiB of incompressible bytes after it: over the budget
# by little more than the binary itself.
{ cat old; head -c $((4 * 1024 * 1024)) /dev/urandom; } > big
package big.zip big
refused big.zip x86_64 "a size over the budget"
