#!/usr/bin/env bash
# Prepare the JupyterLab test/run host on Debian 12 (run as root; idempotent).
#   1. apt packages for the server side and the browser (only if missing)
#   2. npm install in lab/ (only if node_modules is missing or stale)
#   3. npm run build (only if build/ is missing or older than its inputs)
# Warm runs take a second or two and print one line.
set -euo pipefail

LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$LAB_DIR"
say() { echo "[lab/setup] $*"; }

APT_PACKAGES=(
  python3-jupyter-server python3-jupyterlab-server python3-ipykernel
  python3-terminado python3-nbformat python3-matplotlib python3-pandas
  python3-hatchling python3-pip python3-venv chromium
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  if [[ $EUID -ne 0 ]]; then
    say "missing apt packages (${missing[*]}); run as root"; exit 1
  fi
  say "installing apt packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null || (( $(node -p 'process.versions.node.split(".")[0]') < 20 )); then
  say "Node.js >= 20 is required (found: $(node -v 2>/dev/null || echo none))"; exit 1
fi

# node_modules/.package-lock.json is written by npm install; it is touched
# after each install so that it serves as the install stamp.
stamp="node_modules/.package-lock.json"
if [[ ! -f $stamp || package.json -nt $stamp || package-lock.json -nt $stamp ]]; then
  say "npm install"
  # `npm ci` rejects the lockfile (optional @rspack/binding-* packages for other
  # platforms are not on the registry); `npm install` still honours it.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

build_stamp="build/templates/index.html"
if [[ ! -f $build_stamp ]] || [[ -n "$(find package.json package-lock.json build.js src "$stamp" -newer "$build_stamp" -print -quit)" ]]; then
  say "npm run build"
  npm run --silent build
fi

say "ready: /usr/bin/python3 $LAB_DIR/server/launch.py --port P --root-dir DIR --token T"
