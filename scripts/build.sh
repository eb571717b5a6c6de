#!/usr/bin/env bash
# Build the relay and the page extension, pack the extension as a wheel, and
# install the wheel with pip into a virtual environment (build/venv), as a
# user's `pip install` does: the extension lands in
# build/venv/share/jupyter/labextensions/jupyterlab-mcp-bridge-extension.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[build] $*"; }

say "compile"
npx tsc -p relay/tsconfig.json
node scripts/write-version.mjs
npx tsc -p tsconfig.json
node node_modules/@jupyter/builder/lib/build-labextension.js \
  --core-package-file node_modules/@jupyterlab/core-meta/core.package.json . >/dev/null

say "wheel"
rm -rf build/wheel build/venv
/usr/bin/python3 -m hatchling build -t wheel -d build/wheel >/dev/null
/usr/bin/python3 -m venv build/venv
build/venv/bin/pip install --quiet --no-index --no-deps build/wheel/*.whl
say "pip installed $(basename build/wheel/*.whl) into build/venv"
