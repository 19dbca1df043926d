#!/usr/bin/env bash
# Runs every example in examples/*/ with `npm run start`, one after another. Each example checks
# its own log and exits non-zero when a record is torn, lost, duplicated or out of order; this
# script runs them all, then fails if any failed. Run it after `pnpm install && pnpm build`.
set -euo pipefail
cd "$(dirname "$0")/.."

# The demo's defaults (4 processes x 5,000 records, through two transports) are for people; here
# it runs small. Every other example is small already.
declare -A EXAMPLE_ENV=([demo]="PROCS=2 RECORDS=500")
# Each example takes seconds; a hung one must not hang CI.
LIMIT_S=120

# Milliseconds since the epoch, from bash's own clock.
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

failed=()
started=$(now_ms)
for dir in examples/*/; do
  name=$(basename "$dir")
  [ -f "$dir/package.json" ] || continue
  echo "== examples/$name"
  t0=$(now_ms)
  # shellcheck disable=SC2086 # the variables are meant to split into NAME=value words
  if (cd "$dir" && env ${EXAMPLE_ENV[$name]:-} timeout "$LIMIT_S" npm run start --silent); then
    echo "   ($(($(now_ms) - t0)) ms)"
  else
    echo "   examples/$name FAILED ($(($(now_ms) - t0)) ms)" >&2
    failed+=("$name")
  fi
done

echo "== ${#failed[@]} failed, $(($(now_ms) - started)) ms in all"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
