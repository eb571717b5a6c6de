#!/usr/bin/env bash
# The test command: installs what is missing, builds, lints, and runs the
# unit tests and the end-to-end tests (real client, relay, page, server, kernel).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

echo "[test] lint"
npx tsc -p ui-tests
npx tsc -p test
npx eslint src test ui-tests
npx prettier --check src test ui-tests schema style
npx stylelint "style/**/*.css"

echo "[test] unit"
node --test $(find dist -name '*.test.js' | sort)
node --import tsx --test $(find test -name '*.test.ts' | sort)

echo "[test] end to end"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p build
status=0
PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/build/e2e.json" \
  npx playwright test --config ui-tests/playwright.config.ts --reporter=list,json || status=$?
node scripts/e2e-summary.mjs build/e2e.json || status=1
exit $status
