#!/usr/bin/env bash
# Start the product on this machine: the bundled JupyterLab with the
# extension installed from its wheel, the relay, and how to connect.
#
#   NOTEBOOK_DIR  folder served by Jupyter (default: ./notebooks)
#   LAB_PORT      JupyterLab port (default 8888)
#   RELAY_PORT    relay port (default 4545)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

bash scripts/setup.sh >/dev/null

notebooks=${NOTEBOOK_DIR:-$repo/notebooks}
lab_port=${LAB_PORT:-8888}
relay_port=${RELAY_PORT:-4545}
mkdir -p "$notebooks" build/lab-state
lab_token=$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))')
lab_log=build/lab.log

/usr/bin/python3 lab/server/launch.py --port "$lab_port" --root-dir "$notebooks" \
  --token "$lab_token" --state-dir "$repo/build/lab-state" \
  --labextensions-dir "$repo/build/venv/share/jupyter/labextensions" >"$lab_log" 2>&1 &
lab_pid=$!
trap 'kill $lab_pid 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  grep -q '^LAB_READY' "$lab_log" 2>/dev/null && break
  if ! kill -0 $lab_pid 2>/dev/null; then
    echo "JupyterLab failed to start; see $lab_log" >&2
    exit 1
  fi
  sleep 0.5
done
grep -q '^LAB_READY' "$lab_log" || { echo "JupyterLab did not start; see $lab_log" >&2; exit 1; }

echo "JupyterLab serves $notebooks on http://127.0.0.1:$lab_port (log: $lab_log)"
echo "Open the pairing link below: it logs you into JupyterLab and connects the page to the relay."
echo
node relay/bin/jupyterlab-mcp-bridge.js --port "$relay_port" \
  --lab-url "http://127.0.0.1:$lab_port/lab?token=$lab_token" --print-pairing-link
