#!/usr/bin/env bash
# Idempotently installs the interop peers used by tests/peers/:
#   - python `websockets` (pinned in tests/peers/requirements.txt) into .peers/venv
#   - node `ws` + `playwright-core` (tests/peers/node/package-lock.json) into tests/peers/node/node_modules
#   - Debian's chromium (/usr/bin/chromium) for tests/peers/browser.mjs (never a downloaded browser)
# Fails loudly (non-zero exit) if anything cannot be had. Safe to re-run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PEERS_DIR="$ROOT/.peers"
VENV="$PEERS_DIR/venv"
NODE_DIR="$ROOT/tests/peers/node"
REQ="$ROOT/tests/peers/requirements.txt"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

die() { echo "peers-install: ERROR: $*" >&2; exit 1; }
log() { echo "peers-install: $*" >&2; }

# ---- python websockets -------------------------------------------------------
PY3="${PEERS_PYTHON3:-$(command -v python3 || true)}"
[ -n "$PY3" ] || die "python3 not found. Install it (apt-get install -y python3 python3-venv) and re-run."
"$PY3" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || die "$PY3 is older than 3.9; websockets needs >= 3.9."
mkdir -p "$PEERS_DIR"
# keep the generated folder out of git without touching the repo's .gitignore
[ -f "$PEERS_DIR/.gitignore" ] || echo '*' > "$PEERS_DIR/.gitignore"
STAMP="$VENV/.req-stamp"
REQ_SUM="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ -x "$VENV/bin/python" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$REQ_SUM" ] \
   && "$VENV/bin/python" -c 'import websockets' 2>/dev/null; then
  log "python websockets already installed ($("$VENV/bin/python" -c 'import websockets; print(websockets.__version__)'))"
else
  log "creating $VENV"
  timeout 120 "$PY3" -m venv --clear "$VENV" \
    || die "could not create a venv with $PY3 -m venv (on Debian: apt-get install -y python3-venv)."
  timeout 300 "$VENV/bin/python" -m pip install --no-input -q -r "$REQ" \
    || die "pip install -r $REQ failed (needs PyPI reachable)."
  "$VENV/bin/python" -c 'import websockets' || die "websockets does not import after install."
  echo "$REQ_SUM" > "$STAMP"
fi

# ---- node ws + playwright-core ----------------------------------------------
command -v node >/dev/null || die "node not found. Install Node.js >= 18 (e.g. apt-get install -y nodejs npm)."
command -v npm  >/dev/null || die "npm not found. Install npm (apt-get install -y npm)."
[ -f "$NODE_DIR/package-lock.json" ] || die "$NODE_DIR/package-lock.json missing (run 'npm install' there once and commit it)."
if [ -f "$NODE_DIR/node_modules/.package-lock.json" ] \
   && [ "$NODE_DIR/node_modules/.package-lock.json" -nt "$NODE_DIR/package-lock.json" ] \
   && (cd "$NODE_DIR" && node -e 'require.resolve("ws"); require.resolve("playwright-core")') 2>/dev/null; then
  log "node ws/playwright-core already installed"
else
  log "npm ci in $NODE_DIR"
  (cd "$NODE_DIR" && timeout 600 npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci failed in $NODE_DIR (needs the npm registry reachable)."
fi

# ---- chromium (Debian package only) -----------------------------------------
if [ -x /usr/bin/chromium ]; then
  log "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
else
  command -v apt-get >/dev/null || die "/usr/bin/chromium missing and no apt-get: install Debian's 'chromium' package by hand."
  [ "$(id -u)" = 0 ] || die "/usr/bin/chromium missing: run as root, or 'sudo apt-get update && sudo apt-get install -y chromium'."
  log "installing Debian chromium (apt-get update; apt-get install -y chromium)"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq || die "apt-get update failed."
  timeout 1200 apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || die "apt-get install -y chromium failed."
  [ -x /usr/bin/chromium ] || die "chromium installed but /usr/bin/chromium is missing."
fi
log "OK: $("$VENV/bin/python" -c 'import websockets; print("websockets", websockets.__version__)'), ws $(cd "$NODE_DIR" && node -p 'require("ws/package.json").version'), playwright-core $(cd "$NODE_DIR" && node -p 'require("playwright-core/package.json").version'), $(/usr/bin/chromium --version 2>/dev/null)"
