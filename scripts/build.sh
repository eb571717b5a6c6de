#!/usr/bin/env bash
# Build the page extension and the relay, pack the extension as a wheel, and
# install the wheel into build/prefix, the way `pip install` places a
# prebuilt extension (share/jupyter/labextensions/jupyterlab-mcp-bridge).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[build] $*"; }

say "compile"
npx tsc -p tsconfig.json
npx tsc -p tsconfig.node.json
node node_modules/@jupyter/builder/lib/build-labextension.js \
  --core-package-file node_modules/@jupyterlab/core-meta/core.package.json . >/dev/null

say "wheel"
rm -rf build/wheel build/prefix
/usr/bin/python3 -m hatchling build -t wheel -d build/wheel >/dev/null
/usr/bin/python3 - <<'PY'
import glob, os, zipfile
# Install the wheel's data files into the prefix, as pip does.
wheel = glob.glob("build/wheel/*.whl")[0]
prefix = "build/prefix"
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        parts = name.split("/")
        if len(parts) > 2 and parts[0].endswith(".data") and parts[1] == "data":
            target = os.path.join(prefix, *parts[2:])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with z.open(name) as src, open(target, "wb") as dst:
                dst.write(src.read())
print("[build] installed", os.path.basename(wheel), "into", prefix)
PY
