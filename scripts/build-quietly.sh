#!/usr/bin/env bash
# Builds every package with one line of output instead of tsup's; on failure the build's own
# output is printed. Used where the build is a step before something a user wants to read (the
# demo, the bench).
set -uo pipefail
log="$(mktemp)"
echo "building the packages (tsup; its output is shown only if it fails)…"
if ! npx -y pnpm@10 -r --filter "./packages/**" run build >"$log" 2>&1; then
  cat "$log"
  rm -f "$log"
  exit 1
fi
rm -f "$log"
