#!/usr/bin/env bash
# Validates every state machine definition with two independent validators:
# npm asl-validator and PyPI statelint. Usage: tests/asl/check.sh VENV
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=$1
definitions=(workflows/definitions/*.asl.json)
[ -e "${definitions[0]}" ] || { echo "no definitions found" >&2; exit 1; }
status=0
for definition in "${definitions[@]}"; do
  if ! out=$("$venv/bin/statelint" "$definition" 2>&1); then
    echo "statelint: $definition"; echo "$out"; status=1
  fi
  if ! out=$(tests/asl/node_modules/.bin/asl-validator --json-path "$definition" 2>&1); then
    echo "asl-validator: $definition"; echo "$out"; status=1
  fi
done
[ "$status" = 0 ] && echo "${#definitions[@]} definitions pass statelint and asl-validator"
exit "$status"
