#!/usr/bin/env bash
# The virtual environments of `npm run bench -- --peers`, from the pins in
# bench/requirements-peers.txt (idempotent: an environment is made again only
# when that file or requirements.txt changes). The bench runs it itself.
#
#   bash scripts/peers-env.sh
#
# build/venv-peers            the Jupyter server of the comparison: the stock
#                             JupyterLab of requirements.txt, ipykernel,
#                             matplotlib, the bridge's wheel (build/wheel) and
#                             the "server:" lines
# build/venv-peers-datalayer  the "datalayer:" lines (a stdio MCP server)
# build/venv-peers-jcollab    the "jcollab:" lines (a stdio MCP server)
#
# Each environment's pip output goes to build/venv-peers*.log; a failed
# install leaves its log and no .pins stamp, and the bench reports the peer
# as not installed with the log's last lines.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[peers-env] $*"; }
python=${PYTHON:-python3}
pins=bench/requirements-peers.txt
wheel=$(ls build/wheel/jupyterlab_mcp_bridge-*.whl 2>/dev/null | head -1)
if [[ -z $wheel ]]; then
  say "no wheel in build/wheel: run scripts/build.sh first"
  exit 1
fi

tagged() { sed -n "s/^$1: //p" "$pins" | tr '\n' ' '; }

# make NAME CONSTRAINTS PACKAGES...
make_env() {
  local dir=$1 constraints=$2
  shift 2
  local stamp
  stamp="$(cat "$pins" requirements.txt | sha256sum | cut -c1-16) $(sha256sum "$wheel" | cut -c1-16) $*"
  if [[ -f $dir/.pins && "$(cat "$dir/.pins")" == "$stamp" ]]; then
    say "$dir is up to date"
    return 0
  fi
  say "making $dir: $*"
  rm -rf "$dir"
  "$python" -m venv "$dir" || return 1
  local args=(install --disable-pip-version-check)
  if [[ -n $constraints ]]; then
    args+=(-c "$constraints")
  fi
  if "$dir/bin/pip" "${args[@]}" "$@" >"$dir.log" 2>&1; then
    echo "$stamp" >"$dir/.pins"
    say "$dir made"
  else
    say "$dir failed: tail $dir.log"
    tail -5 "$dir.log" | sed 's/^/  /'
    return 1
  fi
}

# The server keeps the stock JupyterLab's pins (those of build/venv-rtc).
server_constraints=requirements.txt

status=0
# shellcheck disable=SC2046
make_env build/venv-peers "$server_constraints" \
  jupyterlab jupyter-server ipykernel matplotlib "$wheel" $(tagged server) || status=1
# shellcheck disable=SC2046
make_env build/venv-peers-datalayer "" $(tagged datalayer) || status=1
# shellcheck disable=SC2046
make_env build/venv-peers-jcollab "" $(tagged jcollab) || status=1
exit $status
