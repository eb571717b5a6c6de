#!/usr/bin/env bash
# The Python virtual environments, made from the pins in requirements.txt
# (idempotent: an environment is made again only when requirements.txt or
# its package list changes).
#
#   bash scripts/python-env.sh NAME...   make build/venv[-NAME]
#
# NAME            packages (versions from requirements.txt)
# host            the stock JupyterLab users run, Notebook 7, ipykernel,
#                 matplotlib, pandas, JupyterHub (its single-user server):
#                 build/venv; the tests and `npm start` pip install the wheel here
# build           what builds the extension and the wheel: build/venv-build
# rtc             JupyterLab with jupyter-collaboration: build/venv-rtc
# source          the JupyterLab `jupyter labextension install` is tested on:
#                 build/venv-source
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
say() { echo "[python] $*"; }

python=${PYTHON:-python3}
if ! "$python" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' 2>/dev/null; then
  say "$python cannot make virtual environments (Python >= 3.9 with venv and ensurepip needed)"
  exit 1
fi

source_lab=$(sed -n 's/^# source-install: //p' requirements.txt)

packages_of() {
  case $1 in
    host) echo "jupyterlab jupyter-server notebook ipykernel matplotlib pandas jupyterhub" ;;
    build) echo "jupyterlab jupyter-server hatchling hatch-jupyter-builder build" ;;
    rtc) echo "jupyterlab jupyter-server ipykernel jupyter-collaboration" ;;
    source) echo "$source_lab jupyter-server ipykernel" ;;
    *) say "unknown environment $1"; exit 1 ;;
  esac
}

dir_of() {
  if [[ $1 == host ]]; then echo build/venv; else echo "build/venv-$1"; fi
}

for name in "$@"; do
  dir=$(dir_of "$name")
  packages=$(packages_of "$name")
  stamp="$(sha256sum requirements.txt | cut -c1-16) $packages"
  if [[ -f $dir/.pins && "$(cat "$dir/.pins")" == "$stamp" ]]; then
    continue
  fi
  say "making $dir: $packages"
  rm -rf "$dir"
  mkdir -p build
  "$python" -m venv "$dir"
  constraints=requirements.txt
  if [[ $name == source ]]; then
    # Its JupyterLab is another version than the pinned one.
    constraints=build/source-constraints.txt
    grep -v '^jupyterlab==' requirements.txt >"$constraints"
  fi
  # shellcheck disable=SC2086
  "$dir/bin/pip" install --quiet --disable-pip-version-check -c "$constraints" $packages \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
  echo "$stamp" >"$dir/.pins"
done
