#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for the rfc6455 crate.
#
#   scripts/autobahn.sh [server|client|both]     (default: both)
#
# Runs every section from 1 to 13 that wstest has (25.10.1: 1-7, 9, 10, 12, 13;
# 12 and 13 are permessage-deflate), 517 cases per role.
# `both` runs the two roles at the same time (AUTOBAHN_PARALLEL=0: one after the
# other): wstest is single-threaded and CPU-bound in sections 12/13, so on two
# cores this nearly halves the wall time. Each role's output then goes to
# reports/autobahn-<role>.log, printed when both are done; a progress line is
# printed every AUTOBAHN_PROGRESS seconds (60) meanwhile.
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
#   AUTOBAHN_CASES       comma-separated case patterns (default: sections 1-13 that exist)
#   AUTOBAHN_SERVER_PORT (9001)  AUTOBAHN_CLIENT_PORT (9002)
#   AUTOBAHN_RUN_TIMEOUT seconds per wstest run (1800)   AUTOBAHN_BUILD_TIMEOUT (1800)
#   AUTOBAHN_PARALLEL    1 (default): `both` runs the roles concurrently; 0: serially
#   AUTOBAHN_PROGRESS    seconds between progress lines in a concurrent run (60)
#   AUTOBAHN_CHECK_ARGS  extra args for autobahn_check.py (e.g. --write-expected)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
ROLE="${1:-both}"
case "$ROLE" in server|client|both) ;; *) echo "usage: $0 [server|client|both]" >&2; exit 2;; esac

AGENT=rfc6455
SERVER_PORT="${AUTOBAHN_SERVER_PORT:-9001}"
CLIENT_PORT="${AUTOBAHN_CLIENT_PORT:-9002}"
RUN_TIMEOUT="${AUTOBAHN_RUN_TIMEOUT:-1800}"
BUILD_TIMEOUT="${AUTOBAHN_BUILD_TIMEOUT:-1800}"
PORT_WAIT="${AUTOBAHN_PORT_WAIT:-60}"
PARALLEL="${AUTOBAHN_PARALLEL:-1}"
PROGRESS="${AUTOBAHN_PROGRESS:-60}"
case "$PARALLEL" in 0|1) ;; *) echo "autobahn: AUTOBAHN_PARALLEL must be 0 or 1" >&2; exit 2;; esac
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
forget_bg() {  # forget_bg PID: drop a reaped pid from BG_PIDS (so cleanup never signals a reused pid)
  local p kept=()
  for p in "${BG_PIDS[@]:-}"; do [ -n "$p" ] && [ "$p" != "$1" ] && kept+=("$p"); done
  BG_PIDS=("${kept[@]:-}")
}
run_fg() {     # run_fg LOGFILE CMD...: like start_bg, then wait for it and return its status.
  # Waiting with `wait` (not as a foreground child) lets a TERM/INT run the trap at
  # once, whose cleanup then stops CMD's whole process group.
  local rc=0
  start_bg "$@"
  wait "$BG_PID" || rc=$?
  forget_bg "$BG_PID"
  return $rc
}
# Role subshells of a concurrent run (they are not group leaders: TERM the pid,
# their own EXIT trap stops their processes).
ROLE_PIDS=()
stop_role() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {   # EXIT trap: must not fail itself, or (set -e) it would turn a pass into exit 1
  local p
  for p in "${ROLE_PIDS[@]:-}"; do if [ -n "$p" ]; then stop_role "$p"; fi; done
  for p in "${BG_PIDS[@]:-}"; do if [ -n "$p" ]; then stop_bg "$p"; fi; done
  return 0
}
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

if [ -n "${AUTOBAHN_CASES:-}" ]; then
  CASES_JSON="$("$PYTHON3" -c 'import json,sys; print(json.dumps([c.strip() for c in sys.argv[1].split(",") if c.strip()]))' "$AUTOBAHN_CASES")"
else
  # every section 1..13 that this wstest version has: 25.10.1 has 1-7, 9, 10, 12, 13
  # (no 8, no 11; 12 and 13, permessage-deflate, both live in case12_x_x.py)
  SECTIONS="$("$VENV/bin/python" -c '
from autobahntestsuite.case import Cases
print(" ".join(sorted(set(c.__name__[4:].split("_")[0] for c in Cases), key=int)))')" \
    || die "cannot list the test cases of autobahntestsuite"
  SECTIONS="$(printf '%s\n' $SECTIONS | awk '$1>=1 && $1<=13')"
  [ -n "$SECTIONS" ] || die "no test case sections found in autobahntestsuite"
  CASES_JSON="$("$PYTHON3" -c 'import json,sys; print(json.dumps(["%s.*" % s for s in sys.argv[1:]]))' $SECTIONS)"
fi
log "cases: $CASES_JSON"
mkdir -p "$SPECDIR"

check() {  # check ROLE (a narrowed run, AUTOBAHN_CASES, only needs the expectations it ran)
  local narrow=()
  [ -z "${AUTOBAHN_CASES:-}" ] || narrow=(--cases "$AUTOBAHN_CASES")
  # shellcheck disable=SC2086
  "$PYTHON3" "$ROOT/scripts/autobahn_check.py" --role "$1" --agent "$AGENT" "${narrow[@]}" ${AUTOBAHN_CHECK_ARGS:-}
}

# ---- builds (once, before any role starts) ---------------------------------------------
build_examples() {
  local ex=()
  if [ "$ROLE" != client ] && [ -z "${ECHO_SERVER_CMD:-}" ]; then ex+=(--example echo_server); fi
  if [ "$ROLE" != server ] && [ -z "${AUTOBAHN_CLIENT_CMD:-}" ]; then ex+=(--example autobahn_client); fi
  [ ${#ex[@]} -gt 0 ] || return 0
  command -v cargo >/dev/null || die "cargo not found"
  log "building: cargo build --release ${ex[*]}"
  timeout "$BUILD_TIMEOUT" cargo build --release "${ex[@]}" \
    || die "cargo build --release ${ex[*]} failed (or timed out after ${BUILD_TIMEOUT}s)"
}

# ---- server role -----------------------------------------------------------------------
run_server_role() {
  local t0=$SECONDS spec="$SPECDIR/fuzzingclient.json" out="reports/server" pid rc=0
  require_free "$SERVER_PORT"
  rm -rf "${ROOT:?}/$out"; mkdir -p "$ROOT/$out"
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
    start_bg "$ROOT/$out/echo_server.log" cargo run --release --example echo_server -- "127.0.0.1:$SERVER_PORT"
  fi
  pid=$BG_PID
  wait_port "$SERVER_PORT" "$pid" "echo server"
  log "server role: echo server up (pid $pid); running wstest -m fuzzingclient"
  run_fg "$ROOT/$out/wstest.log" timeout "$RUN_TIMEOUT" "${WSTEST[@]}" -m fuzzingclient -s "$spec" || rc=$?
  kill -0 "$pid" 2>/dev/null || log "WARNING: echo server had exited before the end of the run (see $out/echo_server.log)"
  stop_bg "$pid"; forget_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/wstest.log" >&2; die "wstest fuzzingclient failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/wstest.log"; }
  log "server role: wstest finished in $((SECONDS - t0))s"
  check server || { log "server role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "server role: passed in $((SECONDS - t0))s"
}

# ---- client role -----------------------------------------------------------------------
run_client_role() {
  local t0=$SECONDS spec="$SPECDIR/fuzzingserver.json" out="reports/client" pid rc=0
  require_free "$CLIENT_PORT"
  rm -rf "${ROOT:?}/$out"; mkdir -p "$ROOT/$out"
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
    run_fg "$ROOT/$out/client.log" timeout "$RUN_TIMEOUT" \
      bash -c "$AUTOBAHN_CLIENT_CMD \"\$@\"" autobahn_client "$url" "$AGENT" || rc=$?
  else
    log "client role: running examples/autobahn_client against $url"
    run_fg "$ROOT/$out/client.log" timeout "$RUN_TIMEOUT" \
      cargo run --release --example autobahn_client -- "$url" "$AGENT" || rc=$?
  fi
  kill -0 "$pid" 2>/dev/null || log "WARNING: fuzzingserver had exited during the run"
  stop_bg "$pid"; forget_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/client.log" >&2; die "autobahn client failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/client.log"; }
  log "client role: client finished in $((SECONDS - t0))s"
  check client || { log "client role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "client role: passed in $((SECONDS - t0))s"
}

# ---- concurrent run of both roles ------------------------------------------------------
progress() {  # one line: cases started so far per role, from wstest's log
  local role f n last line="autobahn: [$((SECONDS - T_START))s]"
  for role in server client; do
    f="$ROOT/reports/$role/wstest.log"
    n=0; last=-
    if [ -f "$f" ]; then
      n=$(grep -c '^Running test case ID' "$f" || true)
      last=$(grep '^Running test case ID' "$f" | tail -n 1 | awk '{print $5}')
    fi
    line="$line $role: $n cases started (last ${last:--});"
  done
  echo "$line" >&2
}

run_both_concurrently() {
  local role pid i rc status=0 pids=()
  mkdir -p "$ROOT/reports"
  for role in server client; do
    (
      BG_PIDS=(); ROLE_PIDS=()
      trap cleanup EXIT
      trap 'exit 130' INT TERM
      "run_${role}_role"
    ) >"$ROOT/reports/autobahn-$role.log" 2>&1 </dev/null &
    pids+=("$!"); ROLE_PIDS+=("$!")
  done
  log "both roles running concurrently (server pid ${pids[0]}, client pid ${pids[1]}); logs: reports/autobahn-{server,client}.log"
  i=0
  while kill -0 "${pids[0]}" 2>/dev/null || kill -0 "${pids[1]}" 2>/dev/null; do
    sleep 1
    i=$((i + 1))
    [ $((i % PROGRESS)) -ne 0 ] || progress
  done
  for i in 0 1; do
    role=$([ $i -eq 0 ] && echo server || echo client)
    rc=0; wait "${pids[$i]}" || rc=$?
    echo "----- $role role (reports/autobahn-$role.log, exit $rc) -----"
    cat "$ROOT/reports/autobahn-$role.log"
    [ $rc -eq 0 ] || status=1
  done
  ROLE_PIDS=()
  return $status
}

T_START=$SECONDS
build_examples
status=0
if [ "$ROLE" = both ] && [ "$PARALLEL" = 1 ]; then
  run_both_concurrently || status=1
else
  if [ "$ROLE" = server ] || [ "$ROLE" = both ]; then run_server_role || status=1; fi
  if [ "$ROLE" = client ] || [ "$ROLE" = both ]; then run_client_role || status=1; fi
fi
log "wall time: $((SECONDS - T_START))s"
[ $status -eq 0 ] && log "all requested roles passed" || log "FAILED"
exit $status
