#!/usr/bin/env bash
# Idempotently installs Autobahn|Testsuite (wstest, Python 2.7 only) into
# <repo>/.autobahn/venv, using pyenv's CPython 2.7:
#   1. pip for python2.7: its own (python2.7 -m pip), else ensurepip is NOT used
#      (it would modify the interpreter); instead python3's pip downloads the
#      py2-compatible pip wheel, which python2.7 runs straight from the .whl.
#   2. pip install --target .autobahn/bootstrap "virtualenv<20.22"
#   3. python2.7 -m virtualenv .autobahn/venv
#   4. .autobahn/venv/bin/pip install -r scripts/autobahn-requirements.txt
# Re-running is a no-op once installed (stamp = hash of the requirements + python).
# Fails loudly when no Python 2.7 (or the network to PyPI) is available.
# Env: AUTOBAHN_PYTHON2=/path/to/python2.7 to pick the interpreter.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
AB_DIR="$ROOT/.autobahn"
VENV="$AB_DIR/venv"
BOOT="$AB_DIR/bootstrap"
REQ="$ROOT/scripts/autobahn-requirements.txt"

die() { echo "autobahn-install: ERROR: $*" >&2; exit 1; }
log() { echo "autobahn-install: $*" >&2; }

find_python27() {
  local c
  if [ -n "${AUTOBAHN_PYTHON2:-}" ]; then echo "$AUTOBAHN_PYTHON2"; return; fi
  local pyroot=""
  if command -v pyenv >/dev/null 2>&1; then pyroot="$(pyenv root 2>/dev/null || true)"; fi
  [ -n "$pyroot" ] || pyroot="${PYENV_ROOT:-$HOME/.pyenv}"
  # newest 2.7.x under pyenv first (call the binary by path: the shim fails
  # unless 2.7 is the selected version), then anything on PATH.
  for c in $(ls -d "$pyroot"/versions/2.7* 2>/dev/null | sort -V -r); do
    if [ -x "$c/bin/python2.7" ]; then echo "$c/bin/python2.7"; return; fi
  done
  for c in python2.7 python2; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2]==(2,7) else 1)' 2>/dev/null; then
      command -v "$c"; return
    fi
  done
}

PY27="$(find_python27)"
[ -n "$PY27" ] || die "no Python 2.7 found (looked in \$(pyenv root)/versions/2.7*/bin/python2.7 and PATH).
  Autobahn|Testsuite (wstest) runs only on CPython 2.7. Install one, e.g. 'pyenv install 2.7.18',
  or point AUTOBAHN_PYTHON2 at a python2.7 binary."
"$PY27" -c 'import sys; sys.exit(0 if sys.version_info[:2]==(2,7) else 1)' 2>/dev/null \
  || die "$PY27 is not a working Python 2.7 interpreter."
"$PY27" -c 'import ssl, zlib' 2>/dev/null || die "$PY27 lacks the ssl/zlib modules (rebuild it with OpenSSL/zlib headers)."

STAMP_WANT="$(cat "$REQ" <(echo "$PY27") | sha256sum | cut -d' ' -f1)"
if [ -x "$VENV/bin/wstest" ] && [ "$(cat "$AB_DIR/.stamp" 2>/dev/null)" = "$STAMP_WANT" ] \
   && timeout 60 "$VENV/bin/wstest" --help >/dev/null 2>&1; then
  log "already installed ($VENV/bin/wstest)"
  exit 0
fi

log "installing Autobahn|Testsuite with $PY27 into $AB_DIR"
START=$(date +%s)
rm -rf "$VENV" "$BOOT" "$AB_DIR/.stamp"
mkdir -p "$AB_DIR"

# ---- 1. a pip that runs on 2.7 -------------------------------------------------
PIP27=()
if [ -z "${AUTOBAHN_FORCE_PIP_WHEEL:-}" ] && "$PY27" -m pip --version >/dev/null 2>&1; then
  PIP27=("$PY27" -m pip)
else
  log "python2.7 has no pip: fetching a py2-compatible pip wheel with python3's pip"
  PY3="$(command -v python3 || true)"
  [ -n "$PY3" ] && "$PY3" -m pip --version >/dev/null 2>&1 \
    || die "$PY27 has no pip and no python3 pip is available to fetch one (try: $PY27 -m ensurepip)."
  rm -rf "$AB_DIR/pipwheel"
  timeout 300 "$PY3" -m pip download -q --no-deps --only-binary=:all: --python-version 2.7 \
      --implementation py --abi none --platform any -d "$AB_DIR/pipwheel" "pip<21" \
    || die "could not download a pip wheel for Python 2.7 from PyPI."
  WHL="$(ls "$AB_DIR"/pipwheel/pip-*.whl | head -n1)"
  PIP27=("$PY27" "$WHL/pip")   # pip runs straight from its wheel
fi
"${PIP27[@]}" --version >/dev/null 2>&1 || die "pip for python2.7 does not run: ${PIP27[*]}"

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONWARNINGS=ignore

# ---- 2./3. virtualenv -------------------------------------------------------------
timeout 300 "${PIP27[@]}" install -q --no-warn-script-location --target "$BOOT" "virtualenv<20.22" \
  || die "pip install --target $BOOT 'virtualenv<20.22' failed."
PYTHONPATH="$BOOT" timeout 300 "$PY27" -m virtualenv -q --no-periodic-update "$VENV" \
  || die "python2.7 -m virtualenv $VENV failed."

# ---- 4. the test suite ---------------------------------------------------------
# (wsaccel and a few sdists compile: needs gcc and python2.7 headers, which pyenv builds have)
timeout 900 "$VENV/bin/python" -m pip install -q -r "$REQ" \
  || die "pip install -r $REQ into $VENV failed (needs PyPI reachable and gcc for wsaccel)."
timeout 120 "$VENV/bin/python" -m pip check || die "pip check reports broken requirements in $VENV."
timeout 60 "$VENV/bin/wstest" --help >/dev/null 2>&1 || {
  timeout 60 "$VENV/bin/wstest" --help >&2 || true
  die "$VENV/bin/wstest --help does not run."
}
timeout 60 "$VENV/bin/python" -c 'import automat, OpenSSL, service_identity, autobahntestsuite.fuzzing' 2>/dev/null \
  || die "autobahntestsuite modules do not import in $VENV."
echo "$STAMP_WANT" > "$AB_DIR/.stamp"
log "installed in $(( $(date +%s) - START ))s: $("$VENV/bin/python" -c 'import autobahntestsuite, autobahn; print("autobahntestsuite %s, autobahn %s" % (autobahntestsuite.__version__, autobahn.__version__))' 2>/dev/null)"
