#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for the rfc6455 crate.
#
#   scripts/autobahn.sh [server|client|both]     (default: both)
#
# server: wstest -m fuzzingclient against our echo server
#         (cargo run --release --example echo_server -- 127.0.0.1:9001)
# client: wstest -m fuzzingserver on ws://127.0.0.1:9002 (loopback only, via
#         scripts/wstest_loopback.py) driven by our client
#         (cargo run --release --example autobahn_client -- ws://127.0.0.1:9002 rfc6455)
# Then scripts/autobahn_check.py compares reports/<role>/index.json with
# scripts/autobahn-expected-<role>.json.
#
# Environment overrides (used to test the harness with stand-ins):
#   ECHO_SERVER_CMD      shell command that serves the echo server on 127.0.0.1:$AUTOBAHN_SERVER_PORT
#   AUTOBAHN_CLIENT_CMD  shell command that runs the autobahn client (gets URL and agent as $1 $2)
#   AUTOBAHN_CASES       comma-separated case patterns (default: sections 1-10 that exist)
#   AUTOBAHN_SERVER_PORT (9001)  AUTOBAHN_CLIENT_PORT (9002)
#   AUTOBAHN_RUN_TIMEOUT seconds per wstest run (900)   AUTOBAHN_BUILD_TIMEOUT (1800)
#   AUTOBAHN_CHECK_ARGS  extra args for autobahn_check.py (e.g. --write-expected)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROLE="${1:-both}"
case "$ROLE" in server|client|both) ;; *) echo "usage: $0 [server|client|both]" >&2; exit 2;; esac

AGENT=rfc6455
SERVER_PORT="${AUTOBAHN_SERVER_PORT:-9001}"
CLIENT_PORT="${AUTOBAHN_CLIENT_PORT:-9002}"
RUN_TIMEOUT="${AUTOBAHN_RUN_TIMEOUT:-900}"
BUILD_TIMEOUT="${AUTOBAHN_BUILD_TIMEOUT:-1800}"
PORT_WAIT="${AUTOBAHN_PORT_WAIT:-60}"
VENV="$ROOT/.autobahn/venv"
SPECDIR="$ROOT/reports/specs"

die() { echo "autobahn: ERROR: $*" >&2; exit 1; }
log() { echo "autobahn: $*" >&2; }

# ---- background process bookkeeping -------------------------------------------------
BG_PIDS=()
start_bg() {   # start_bg LOGFILE CMD...  -> own process group, pid in BG_PID
  local logf=$1; shift
  setsid "$@" >"$logf" 2>&1 </dev/null &
  BG_PID=$!
  BG_PIDS+=("$BG_PID")
}
stop_bg() {    # stop_bg PID: TERM the group, wait up to 10s, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() { local p; for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && stop_bg "$p"; done; }
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {  # wait_port PORT PID WHAT
  local port=$1 pid=$2 what=$3 deadline=$((SECONDS + PORT_WAIT))
  while ! port_open "$port"; do
    kill -0 "$pid" 2>/dev/null || die "$what exited before listening on 127.0.0.1:$port"
    [ $SECONDS -lt $deadline ] || die "$what did not listen on 127.0.0.1:$port within ${PORT_WAIT}s"
    sleep 0.2
  done
}
require_free() { port_open "$1" && die "127.0.0.1:$1 is already in use; stop whatever listens there" || true; }
assert_loopback_only() {  # every listener on PORT must be bound to 127.0.0.1
  command -v ss >/dev/null || return 0
  local bad
  bad="$(ss -Hltn "sport = :$1" | awk '{print $4}' | grep -v '^127\.' || true)"
  [ -z "$bad" ] || die "port $1 is listening on a non-loopback address: $bad"
}

# ---- prerequisites ---------------------------------------------------------------------
bash "$ROOT/scripts/autobahn-install.sh" || die "Autobahn|Testsuite install failed"
PYTHON3="$(command -v python3)" || die "python3 is needed for scripts/autobahn_check.py"
WSTEST=("$VENV/bin/python" "$ROOT/scripts/wstest_loopback.py")

CASEDIR="$("$VENV/bin/python" -c 'import os, autobahntestsuite.case as c; print(os.path.dirname(c.__file__))' 2>/dev/null)" \
  || die "cannot locate autobahntestsuite.case"
if [ -n "${AUTOBAHN_CASES:-}" ]; then
  CASES_JSON="$("$PYTHON3" -c 'import json,sys; print(json.dumps([c.strip() for c in sys.argv[1].split(",") if c.strip()]))' "$AUTOBAHN_CASES")"
else
  # sections 1..10 that this wstest version has (25.10.1: no section 8); 12/13 (compression) excluded
  SECTIONS="$(ls "$CASEDIR" | sed -n 's/^case\([0-9][0-9]*\)_.*\.py$/\1/p' | sort -nu | awk '$1>=1 && $1<=10')"
  [ -n "$SECTIONS" ] || die "no test case sections found in $CASEDIR"
  CASES_JSON="$("$PYTHON3" -c 'import json,sys; print(json.dumps(["%s.*" % s for s in sys.argv[1:]]))' $SECTIONS)"
fi
log "cases: $CASES_JSON"
mkdir -p "$SPECDIR"

check() {  # check ROLE
  # shellcheck disable=SC2086
  "$PYTHON3" "$ROOT/scripts/autobahn_check.py" --role "$1" --agent "$AGENT" ${AUTOBAHN_CHECK_ARGS:-}
}

# ---- server role -----------------------------------------------------------------------
run_server_role() {
  local t0=$SECONDS spec="$SPECDIR/fuzzingclient.json" out="reports/server" pid rc=0
  require_free "$SERVER_PORT"
  rm -rf "$ROOT/$out"; mkdir -p "$ROOT/$out"
  cat >"$spec" <<JSON
{
  "outdir": "./$out",
  "servers": [{"agent": "$AGENT", "url": "ws://127.0.0.1:$SERVER_PORT"}],
  "cases": $CASES_JSON,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
  if [ -n "${ECHO_SERVER_CMD:-}" ]; then
    log "server role: echo server = ECHO_SERVER_CMD ($ECHO_SERVER_CMD)"
    start_bg "$ROOT/$out/echo_server.log" bash -c "$ECHO_SERVER_CMD"
  else
    command -v cargo >/dev/null || die "cargo not found"
    log "server role: building examples/echo_server"
    timeout "$BUILD_TIMEOUT" cargo build --release --example echo_server \
      || die "cargo build --release --example echo_server failed (or timed out after ${BUILD_TIMEOUT}s)"
    start_bg "$ROOT/$out/echo_server.log" cargo run --release --example echo_server -- "127.0.0.1:$SERVER_PORT"
  fi
  pid=$BG_PID
  wait_port "$SERVER_PORT" "$pid" "echo server"
  log "server role: echo server up (pid $pid); running wstest -m fuzzingclient"
  timeout "$RUN_TIMEOUT" "${WSTEST[@]}" -m fuzzingclient -s "$spec" >"$ROOT/$out/wstest.log" 2>&1 || rc=$?
  kill -0 "$pid" 2>/dev/null || log "WARNING: echo server had exited before the end of the run (see $out/echo_server.log)"
  stop_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/wstest.log" >&2; die "wstest fuzzingclient failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/wstest.log"; }
  log "server role: wstest finished in $((SECONDS - t0))s"
  check server || { log "server role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "server role: passed in $((SECONDS - t0))s"
}

# ---- client role -----------------------------------------------------------------------
run_client_role() {
  local t0=$SECONDS spec="$SPECDIR/fuzzingserver.json" out="reports/client" pid rc=0
  require_free "$CLIENT_PORT"
  rm -rf "$ROOT/$out"; mkdir -p "$ROOT/$out"
  cat >"$spec" <<JSON
{
  "url": "ws://127.0.0.1:$CLIENT_PORT",
  "outdir": "./$out",
  "cases": $CASES_JSON,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
  start_bg "$ROOT/$out/wstest.log" "${WSTEST[@]}" -m fuzzingserver -s "$spec" -u 0
  pid=$BG_PID
  wait_port "$CLIENT_PORT" "$pid" "wstest fuzzingserver"
  assert_loopback_only "$CLIENT_PORT"
  local url="ws://127.0.0.1:$CLIENT_PORT"
  if [ -n "${AUTOBAHN_CLIENT_CMD:-}" ]; then
    log "client role: client = AUTOBAHN_CLIENT_CMD ($AUTOBAHN_CLIENT_CMD $url $AGENT)"
    timeout "$RUN_TIMEOUT" bash -c "$AUTOBAHN_CLIENT_CMD \"\$@\"" autobahn_client "$url" "$AGENT" \
      >"$ROOT/$out/client.log" 2>&1 || rc=$?
  else
    command -v cargo >/dev/null || die "cargo not found"
    log "client role: building examples/autobahn_client"
    timeout "$BUILD_TIMEOUT" cargo build --release --example autobahn_client \
      || die "cargo build --release --example autobahn_client failed (or timed out after ${BUILD_TIMEOUT}s)"
    timeout "$RUN_TIMEOUT" cargo run --release --example autobahn_client -- "$url" "$AGENT" \
      >"$ROOT/$out/client.log" 2>&1 || rc=$?
  fi
  kill -0 "$pid" 2>/dev/null || log "WARNING: fuzzingserver had exited during the run"
  stop_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/client.log" >&2; die "autobahn client failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/client.log"; }
  log "client role: client finished in $((SECONDS - t0))s"
  check client || { log "client role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "client role: passed in $((SECONDS - t0))s"
}

status=0
if [ "$ROLE" = server ] || [ "$ROLE" = both ]; then run_server_role || status=1; fi
if [ "$ROLE" = client ] || [ "$ROLE" = both ]; then run_client_role || status=1; fi
[ $status -eq 0 ] && log "all requested roles passed" || log "FAILED"
exit $status
