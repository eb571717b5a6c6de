#!/usr/bin/env bash
# Build the relay and the page extension the way JupyterLab extensions are
# built (`jupyter labextension build`, from the pinned JupyterLab), pack the
# extension as a wheel (hatchling with hatch-jupyter-builder) and as an npm
# tarball (the source extension), and pip install the wheel into the stock
# JupyterLab environments (build/venv, build/venv-rtc), as a user's
# `pip install` does.
#
# Needs the environments of scripts/python-env.sh (build, host, rtc).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[build] $*"; }

say "compile"
npx tsc -p relay/tsconfig.json
node scripts/write-generated.mjs
npx tsc -p tsconfig.json
# (JupyterLab 4.6 calls `jupyter labextension build` deprecated in favour of
# jupyter-builder, which it runs with JupyterLab's own core package file.)
PATH="$PWD/build/venv-build/bin:$PATH" jupyter labextension build . >build/labextension-build.log 2>&1 \
  || { cat build/labextension-build.log; exit 1; }

say "wheel"
rm -rf build/wheel
build/venv-build/bin/python -m build --wheel --no-isolation --outdir build/wheel . >build/wheel-build.log 2>&1 \
  || { cat build/wheel-build.log; exit 1; }
wheel=$(ls build/wheel/*.whl)

say "npm tarball"
rm -rf build/npm
mkdir -p build/npm
npm pack --silent --pack-destination build/npm >/dev/null

for venv in build/venv build/venv-rtc; do
  [[ -d $venv ]] || continue
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  say "pip installed $(basename "$wheel") into $venv"
done
