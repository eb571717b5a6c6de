#!/usr/bin/env bash
# Install the relay the way a user does: `npm pack` it, install the tarball
# into an empty folder (its dependencies from the registry), run the CLI from
# there, and check that no JupyterLab or Lumino package came along.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[relay-package] $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$(cd relay && npm pack --silent --pack-destination "$work" 2>/dev/null | tail -1)
mkdir "$work/app"
cd "$work/app"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "$work/$tarball" >/dev/null

for scope in @jupyterlab @lumino; do
  if [[ -e node_modules/$scope ]]; then
    say "FAIL: node_modules/$scope was installed with the relay"; exit 1
  fi
done
cli=node_modules/.bin/jupyterlab-mcp-bridge
version=$("$cli" --version 2>&1)
expected=$(node -p "require('$OLDPWD/relay/package.json').version")
[[ $version == "$expected" ]] || { say "FAIL: --version printed '$version', expected '$expected'"; exit 1; }
"$cli" --help 2>&1 | grep -q -- '--stdio' \
  || { say "FAIL: --help does not describe --stdio"; exit 1; }
packages=$(npm ls --all --parseable 2>/dev/null | tail -n +2 | wc -l)
say "ok: $tarball ($(du -k "$work/$tarball" | cut -f1) KiB) installs $packages packages, $(du -sm node_modules | cut -f1) MB of node_modules, none from @jupyterlab or @lumino; --version $version; --help"
