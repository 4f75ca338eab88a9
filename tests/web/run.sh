#!/usr/bin/env bash
# Runs the browser tests (docs/web-ui-testing.md). Needs LIGHTWELL_BIN and LIGHTWELL_WEB_CLIENT
# (set by the CTest entry in CMakeLists.txt). Missing prerequisites are a loud SKIP (exit 77,
# which CTest reports as "Skipped"), never a silent pass.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${LIGHTWELL_CHROMIUM:-/usr/bin/chromium}"

skip() {
  echo "######################################################################"
  echo "### SKIPPED: web browser tests NOT RUN: $1"
  echo "### fix: $2"
  echo "######################################################################"
  exit 77
}

command -v node >/dev/null 2>&1 || skip "node is not installed" "apt-get install nodejs (Node >= 20)"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || skip "node $major is too old (node:test needs >= 20)" "install Node 20 or newer"
[ -x "$chromium" ] || skip "no browser at $chromium" "apt-get install chromium"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  skip "tests/web/node_modules is missing" "npm ci --prefix tests/web"
[ -x "${LIGHTWELL_BIN:-}" ] || { echo "LIGHTWELL_BIN is not an executable: '${LIGHTWELL_BIN:-}'"; exit 1; }
[ -x "${LIGHTWELL_WEB_CLIENT:-}" ] || { echo "LIGHTWELL_WEB_CLIENT is not an executable: '${LIGHTWELL_WEB_CLIENT:-}'"; exit 1; }

cd "$here" && exec node --test --test-concurrency=1 --test-reporter=spec "$@" ./*.test.mjs
