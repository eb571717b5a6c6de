#!/usr/bin/env bash
# The test command: installs what is missing, builds, lints, checks the relay
# package as a user installs it, and runs the unit tests and the end-to-end
# tests (real client, relay, page, server, kernel; the extension installed
# from its wheel by pip).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

echo "[test] lint"
npx tsc -p ui-tests
npx tsc -p test
npx tsc -p relay/test
npx eslint src test relay ui-tests
npx prettier --check src test relay/src relay/test ui-tests schema style
npx stylelint "style/**/*.css"

echo "[test] relay package, installed from its tarball"
bash scripts/check-relay-package.sh

echo "[test] unit"
node --import tsx --test $(find test relay/test -name '*.test.ts' | sort)

echo "[test] end to end"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p build
status=0
PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/build/e2e.json" \
  npx playwright test --config ui-tests/playwright.config.ts --reporter=list,json || status=$?
node scripts/e2e-summary.mjs build/e2e.json || status=1
exit $status
