#!/usr/bin/env bash
# Install what the project needs on a fresh Debian 12 machine (idempotent),
# build everything, and install the extension from its wheel into
# build/prefix, the way `pip install` places a prebuilt extension.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[setup] $*"; }

bash lab/setup.sh

stamp=node_modules/.package-lock.json
if [[ ! -f $stamp || package.json -nt $stamp || package-lock.json -nt $stamp ]]; then
  say "npm install"
  # `npm ci` rejects the lockfile (optional @rspack/binding-* packages for
  # other platforms are missing from the registry); `npm install` keeps its pins.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

say "build"
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
print("[setup] installed", os.path.basename(wheel), "into", prefix)
PY
