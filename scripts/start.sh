#!/usr/bin/env bash
# Start the product on this machine: the stock JupyterLab (build/venv, pinned
# by requirements.txt) with the extension pip installed from its wheel, the
# relay, and how to connect.
#
#   NOTEBOOK_DIR  folder served by Jupyter (default: ./notebooks)
#   LAB_PORT      JupyterLab port (default 8888)
#   RELAY_PORT    relay port (default 4545)
#
# Jupyter's own config, data and runtime files go to build/lab-state, not to
# your home folder. Its token travels in the environment, never on a command
# line (which every user of the machine can read).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

bash scripts/setup.sh >/dev/null

notebooks=${NOTEBOOK_DIR:-$repo/notebooks}
lab_port=${LAB_PORT:-8888}
relay_port=${RELAY_PORT:-4545}
state=$repo/build/lab-state
mkdir -p "$notebooks" "$state"
lab_log=build/lab.log
venv=$repo/build/venv

JUPYTER_TOKEN=$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(24))')
export JUPYTER_TOKEN
root_flag=()
[[ $EUID -eq 0 ]] && root_flag=(--ServerApp.allow_root=True)

JUPYTER_CONFIG_DIR=$state/config JUPYTER_DATA_DIR=$state/data JUPYTER_RUNTIME_DIR=$state/runtime \
  IPYTHONDIR=$state/ipython PATH="$venv/bin:$PATH" \
  "$venv/bin/jupyter" lab --no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port="$lab_port" \
  --ServerApp.port_retries=0 --ServerApp.root_dir="$notebooks" "${root_flag[@]}" >"$lab_log" 2>&1 &
lab_pid=$!
trap 'kill $lab_pid 2>/dev/null || true' EXIT INT TERM

ready=""
for _ in $(seq 1 240); do
  if ! kill -0 $lab_pid 2>/dev/null; then
    echo "JupyterLab failed to start; see $lab_log" >&2
    exit 1
  fi
  if "$venv/bin/python" - "$lab_port" <<'PY' 2>/dev/null; then
import os, sys, urllib.request
request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/api/status",
    headers={"Authorization": f"token {os.environ['JUPYTER_TOKEN']}"},
)
urllib.request.urlopen(request, timeout=2)
PY
    ready=1
    break
  fi
  sleep 0.5
done
[[ -n $ready ]] || { echo "JupyterLab did not start; see $lab_log" >&2; exit 1; }

echo "JupyterLab $("$venv/bin/jupyter" lab --version) serves $notebooks on http://127.0.0.1:$lab_port (log: $lab_log)"
echo "Open the pairing link below: it logs you into JupyterLab and connects the page to the relay."
echo
JUPYTERLAB_MCP_BRIDGE_LAB_URL="http://127.0.0.1:$lab_port/lab?token=$JUPYTER_TOKEN" \
  node relay/bin/jupyterlab-mcp-bridge.js --port "$relay_port" --print-pairing-link
