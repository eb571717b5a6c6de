#!/usr/bin/env bash
# Install what the project needs on a fresh Debian 12 machine (idempotent),
# then build (scripts/build.sh):
#   - Debian packages: Chromium (the browser of the end-to-end tests), the R
#     kernel (the second kernel language of the tests), python3-venv;
#   - the npm packages (package-lock.json) and configurable-http-proxy (JupyterHub's);
#   - the Python virtual environments, pinned by requirements.txt
#     (scripts/python-env.sh).
# Warm runs take a few seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[setup] $*"; }

APT_PACKAGES=(chromium r-cran-irkernel python3-venv)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    say "missing Debian packages (${missing[*]}); run as root, or install them"; exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  say "Node.js >= 20 is required (found: $(node -v 2>/dev/null || echo none))"; exit 1
fi

stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package.json -nt $stamp || relay/package.json -nt $stamp || conformance/package.json -nt $stamp || package-lock.json -nt $stamp ]]; then
  say "npm install"
  # `npm ci` rejects the lockfile (optional @rspack/binding-* packages for
  # other platforms are missing from the registry); `npm install` keeps its pins.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

bash scripts/python-env.sh build host rtc source
bash scripts/build.sh
