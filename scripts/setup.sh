#!/usr/bin/env bash
# Install what the project needs on a fresh Debian 12 machine (idempotent),
# then build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[setup] $*"; }

bash lab/setup.sh

stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package.json -nt $stamp || relay/package.json -nt $stamp || conformance/package.json -nt $stamp || package-lock.json -nt $stamp ]]; then
  say "npm install"
  # `npm ci` rejects the lockfile (optional @rspack/binding-* packages for
  # other platforms are missing from the registry); `npm install` keeps its pins.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

bash scripts/build.sh
