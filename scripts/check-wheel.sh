#!/usr/bin/env bash
# The wheel as pip installed it into the stock JupyterLab environments
# (scripts/build.sh): `jupyter labextension list` and `jupyter server
# extension list` report the extension enabled and OK, at the version of
# package.json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[wheel] $*"; }

version=$(node -p "require('./package.json').version")
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT
for venv in build/venv build/venv-rtc; do
  # Empty user folders: only what the environment itself has counts.
  run() {
    JUPYTER_CONFIG_DIR=$state/config JUPYTER_DATA_DIR=$state/data "$venv/bin/jupyter" "$@" 2>&1 \
      | sed 's/\x1b\[[0-9;]*m//g'
  }
  labext=$(run labextension list)
  line=$(grep "jupyterlab-mcp-bridge-extension" <<<"$labext" || true)
  if ! grep -Eq "jupyterlab-mcp-bridge-extension v$version +enabled +OK +\(python, jupyterlab_mcp_bridge\)" <<<"$line"; then
    say "FAIL: $venv: jupyter labextension list says:"; echo "$labext"; exit 1
  fi
  serverext=$(run server extension list)
  if ! grep -Eq "jupyterlab_mcp_bridge $version +OK" <<<"$serverext"; then
    say "FAIL: $venv: jupyter server extension list says:"; echo "$serverext"; exit 1
  fi
  jupyterlab=$("$venv/bin/python" -c 'import jupyterlab; print(jupyterlab.__version__)')
  server=$("$venv/bin/python" -c 'import jupyter_server; print(jupyter_server.__version__)')
  say "ok: $venv (JupyterLab $jupyterlab, Jupyter Server $server): labextension list: ${line#"${line%%[![:space:]]*}"}; server extension jupyterlab_mcp_bridge $version OK"
done
