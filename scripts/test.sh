#!/usr/bin/env bash
# The test command: installs what is missing, builds, lints, checks the relay
# package as a user installs it, runs the unit tests, checks the wheel as pip
# installed it into the stock JupyterLab, and runs the end-to-end tests (real
# client, relay, page, server, kernel), host by host of the compatibility
# matrix: `jupyter labextension install` of the npm tarball, the whole suite
# on the stock JupyterLab with the wheel, Jupyter Notebook 7, JupyterHub with
# two users, real-time collaboration, and the R kernel.
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

echo "[test] the wheel, pip installed"
bash scripts/check-wheel.sh

echo "[test] end to end"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
mkdir -p build
status=0
PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/build/e2e.json" \
  npx playwright test --config ui-tests/playwright.config.ts --reporter=list,json || status=$?
node scripts/e2e-summary.mjs build/e2e.json || status=1
exit $status
