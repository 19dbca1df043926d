#!/usr/bin/env bash
# The release check (#18): packs every published package the way a release does (pnpm pack:
# workspace:* ranges rewritten; the dist/ of the build just run, FANIN_PACK_PREBUILT=1), lints the tarballs (publint, and
# are-the-types-wrong under node16 and bundler resolution), then installs them with npm into a
# project outside the workspace, beside winston 3 and log4js 6 from the registry, and runs a
# winston program as ESM and a log4js program as CommonJS through every file transport.
# Run it after `pnpm build` (the test script and `pnpm release` do): it packs the built dist/.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
packages=(core append-file locked-file async-queue ipc syslog)

echo "release check: packing ${#packages[@]} packages into $out"
for p in "${packages[@]}"; do
  (cd "$root/packages/$p" && FANIN_PACK_PREBUILT=1 npx -y pnpm@10 pack --pack-destination "$out" >/dev/null)
done
tarballs=("$out"/*.tgz)
if grep -q 'workspace:' < <(for t in "${tarballs[@]}"; do tar -xOzf "$t" package/package.json; done); then
  echo "release check: a packed package.json still has a workspace: range" >&2
  exit 1
fi

bin="$root/node_modules/.bin"
for t in "${tarballs[@]}"; do
  echo "release check: $(basename "$t"): publint, are-the-types-wrong"
  "$bin/publint" run --strict --level warning "$t" | grep -v -e '^Running publint' -e '^Unpacking' -e '^Linting'
  # Every entry of the exports map (core: ".", "./internal", "./testing"), under node16
  # (CommonJS and ESM importers) and bundler; node10 predates "exports" (the subpaths cannot
  # resolve there, and Node 20 is the floor).
  "$bin/attw" --profile node16 --no-emoji --no-color --format table-flipped "$t" | grep -v '^$'
done

app="$out/app"
mkdir -p "$app"
cp "$root"/scripts/release-smoke/* "$app/"
(cd "$app" && echo '{"name":"fanin-release-smoke","private":true}' > package.json &&
  npm install --no-audit --no-fund --loglevel=error --prefer-offline \
    "${tarballs[@]}" winston@3 log4js@6 >/dev/null)
(cd "$app" && node winston-esm.mjs && node log4js-cjs.cjs)
echo "release check: passed"
