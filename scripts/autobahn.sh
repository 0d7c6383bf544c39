#!/usr/bin/env bash
# Autobahn|Testsuite conformance run for the rfc6455 crate, against its blocking
# adapter (examples/) and its tokio adapter (examples/tokio/), in both roles.
#
#   scripts/autobahn.sh [MODE]     MODE: the roles to run (default: both)
#     server        blocking echo_server           <- wstest -m fuzzingclient
#     client        blocking autobahn_client       -> wstest -m fuzzingserver
#     both          server + client
#     tokio-server  tokio_echo_server              <- wstest -m fuzzingclient
#     tokio-client  tokio_autobahn_client          -> wstest -m fuzzingserver
#     tokio         tokio-server + tokio-client
#     all           the four of them (what .ci/run calls)
#
# Runs every section from 1 to 13 that wstest has (25.10.1: 1-7, 9, 10, 12, 13;
# 12 and 13 are permessage-deflate), 517 cases per role.
# Several roles run at the same time, AUTOBAHN_JOBS of them (default: all the
# requested ones; AUTOBAHN_PARALLEL=0 is one at a time): wstest is
# single-threaded and CPU-bound in sections 12/13, so on two cores this nearly
# halves the wall time. Each role's output then goes to
# reports/autobahn-<role>.log, printed when all are done; a progress line is
# printed every AUTOBAHN_PROGRESS seconds (60) meanwhile.
#
# server:       wstest -m fuzzingclient against our echo server
#               (cargo run --release --example echo_server -- 127.0.0.1:9001), agent rfc6455
# client:       wstest -m fuzzingserver on ws://127.0.0.1:9002 (loopback only, via
#               scripts/wstest_loopback.py) driven by our client
#               (cargo run --release --example autobahn_client -- ws://127.0.0.1:9002 rfc6455)
# tokio-server: the same against
#               cargo run --release -p rfc6455-tokio-examples --example tokio_echo_server -- 127.0.0.1:9003,
#               agent rfc6455-tokio
# tokio-client: the same with wstest on ws://127.0.0.1:9004 driven by
#               cargo run --release -p rfc6455-tokio-examples --example tokio_autobahn_client -- URL rfc6455-tokio
# Then scripts/autobahn_check.py compares reports/<role>/index.json with
# scripts/autobahn-expected-<role>.json (the tokio roles also with the blocking
# role's expectations, which they must equal: --same-as).
#
# Environment overrides (used to test the harness with stand-ins):
#   ECHO_SERVER_CMD      shell command that serves the echo server on 127.0.0.1:$AUTOBAHN_SERVER_PORT
#   AUTOBAHN_CLIENT_CMD  shell command that runs the autobahn client (gets URL and agent as $1 $2)
#   AUTOBAHN_TOKIO_ECHO_SERVER_CMD, AUTOBAHN_TOKIO_CLIENT_CMD: the same for the tokio roles
#   AUTOBAHN_CASES       comma-separated case patterns (default: sections 1-13 that exist)
#   AUTOBAHN_TOKIO_CASES the same for the tokio roles only (default: AUTOBAHN_CASES)
#   AUTOBAHN_SERVER_PORT (9001)  AUTOBAHN_CLIENT_PORT (9002)
#   AUTOBAHN_TOKIO_SERVER_PORT (9003)  AUTOBAHN_TOKIO_CLIENT_PORT (9004)
#   AUTOBAHN_RUN_TIMEOUT seconds per wstest run (1800)   AUTOBAHN_BUILD_TIMEOUT (1800)
#   AUTOBAHN_JOBS        how many roles run at once (default: all requested)
#   AUTOBAHN_PARALLEL    0: one role at a time, output straight to the terminal (= AUTOBAHN_JOBS=1)
#   AUTOBAHN_PROGRESS    seconds between progress lines in a concurrent run (60)
#   AUTOBAHN_CHECK_ARGS  extra args for autobahn_check.py (e.g. --write-expected)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MODE="${1:-both}"
case "$MODE" in
  server|client|tokio-server|tokio-client) UNITS=("$MODE");;
  both) UNITS=(server client);;
  tokio) UNITS=(tokio-server tokio-client);;
  all) UNITS=(server client tokio-server tokio-client);;
  *) echo "usage: $0 [server|client|both|tokio-server|tokio-client|tokio|all]" >&2; exit 2;;
esac

SERVER_PORT="${AUTOBAHN_SERVER_PORT:-9001}"
CLIENT_PORT="${AUTOBAHN_CLIENT_PORT:-9002}"
TOKIO_SERVER_PORT="${AUTOBAHN_TOKIO_SERVER_PORT:-9003}"
TOKIO_CLIENT_PORT="${AUTOBAHN_TOKIO_CLIENT_PORT:-9004}"
RUN_TIMEOUT="${AUTOBAHN_RUN_TIMEOUT:-1800}"
BUILD_TIMEOUT="${AUTOBAHN_BUILD_TIMEOUT:-1800}"
PORT_WAIT="${AUTOBAHN_PORT_WAIT:-60}"
PARALLEL="${AUTOBAHN_PARALLEL:-1}"
PROGRESS="${AUTOBAHN_PROGRESS:-60}"
case "$PARALLEL" in 0|1) ;; *) echo "autobahn: AUTOBAHN_PARALLEL must be 0 or 1" >&2; exit 2;; esac
if [ "$PARALLEL" = 0 ]; then JOBS=1; else JOBS="${AUTOBAHN_JOBS:-${#UNITS[@]}}"; fi
case "$JOBS" in ''|*[!0-9]*|0) echo "autobahn: AUTOBAHN_JOBS must be a positive number" >&2; exit 2;; esac
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

# every section 1..13 that this wstest version has: 25.10.1 has 1-7, 9, 10, 12, 13
# (no 8, no 11; 12 and 13, permessage-deflate, both live in case12_x_x.py)
SECTIONS="$("$VENV/bin/python" -c '
from autobahntestsuite.case import Cases
print(" ".join(sorted(set(c.__name__[4:].split("_")[0] for c in Cases), key=int)))')" \
  || die "cannot list the test cases of autobahntestsuite"
SECTIONS="$(printf '%s\n' $SECTIONS | awk '$1>=1 && $1<=13')"
[ -n "$SECTIONS" ] || die "no test case sections found in autobahntestsuite"
ALL_CASES_JSON="$("$PYTHON3" -c 'import json,sys; print(json.dumps(["%s.*" % s for s in sys.argv[1:]]))' $SECTIONS)"
cases_json() {  # cases_json PATTERNS: wstest's "cases" list (all sections 1-13 when PATTERNS is empty)
  if [ -z "$1" ]; then echo "$ALL_CASES_JSON"; return; fi
  "$PYTHON3" -c 'import json,sys; print(json.dumps([c.strip() for c in sys.argv[1].split(",") if c.strip()]))' "$1"
}
mkdir -p "$SPECDIR"

# ---- the roles -------------------------------------------------------------------------
# unit UNIT: sets the U_* settings of one role run (UNIT = server, client, tokio-server, tokio-client).
unit() {
  U=$1
  case "$U" in
    server|client)
      U_ROLE=$U U_AGENT=rfc6455 U_CASES="${AUTOBAHN_CASES:-}" U_SAME_AS=""
      U_BUILD=(cargo build --release) U_RUN=(cargo run --release)
      U_SERVER_EX=echo_server U_CLIENT_EX=autobahn_client
      U_SERVER_CMD="${ECHO_SERVER_CMD:-}" U_CLIENT_CMD="${AUTOBAHN_CLIENT_CMD:-}"
      U_SPEC_SUFFIX=""
      if [ "$U" = server ]; then U_PORT=$SERVER_PORT; else U_PORT=$CLIENT_PORT; fi;;
    tokio-server|tokio-client)
      U_ROLE=${U#tokio-} U_AGENT=rfc6455-tokio U_CASES="${AUTOBAHN_TOKIO_CASES:-${AUTOBAHN_CASES:-}}"
      U_SAME_AS="$ROOT/scripts/autobahn-expected-${U#tokio-}.json"
      U_BUILD=(cargo build --release -p rfc6455-tokio-examples)
      U_RUN=(cargo run --release -p rfc6455-tokio-examples)
      U_SERVER_EX=tokio_echo_server U_CLIENT_EX=tokio_autobahn_client
      U_SERVER_CMD="${AUTOBAHN_TOKIO_ECHO_SERVER_CMD:-}" U_CLIENT_CMD="${AUTOBAHN_TOKIO_CLIENT_CMD:-}"
      U_SPEC_SUFFIX="-tokio"
      if [ "$U" = tokio-server ]; then U_PORT=$TOKIO_SERVER_PORT; else U_PORT=$TOKIO_CLIENT_PORT; fi;;
    *) die "unknown role $U";;
  esac
  U_OUT="reports/$U"
}
for u in "${UNITS[@]}"; do unit "$u"; log "$u role: cases $(cases_json "$U_CASES")"; done

check() {  # check UNIT (a narrowed run, AUTOBAHN_CASES, only needs the expectations it ran)
  unit "$1"
  local extra=()
  [ -z "$U_CASES" ] || extra+=(--cases "$U_CASES")
  # the tokio roles: the same results as the blocking adapter, case by case
  [ -z "$U_SAME_AS" ] || extra+=(--same-as "$U_SAME_AS")
  # shellcheck disable=SC2086
  "$PYTHON3" "$ROOT/scripts/autobahn_check.py" --role "$U_ROLE" --agent "$U_AGENT" \
    --index "$ROOT/$U_OUT/index.json" --expected "$ROOT/scripts/autobahn-expected-$U.json" \
    "${extra[@]}" ${AUTOBAHN_CHECK_ARGS:-}
}

# ---- builds (once, before any role starts) ---------------------------------------------
build_examples() {  # one cargo build per adapter, of the examples the requested roles run
  local flavor u ex
  for flavor in blocking tokio; do
    ex=()
    for u in "${UNITS[@]}"; do
      case "$u" in tokio-*) [ $flavor = tokio ] || continue;; *) [ $flavor = blocking ] || continue;; esac
      unit "$u"
      if [ "$U_ROLE" = server ] && [ -z "$U_SERVER_CMD" ]; then ex+=(--example "$U_SERVER_EX"); fi
      if [ "$U_ROLE" = client ] && [ -z "$U_CLIENT_CMD" ]; then ex+=(--example "$U_CLIENT_EX"); fi
    done
    [ ${#ex[@]} -gt 0 ] || continue
    command -v cargo >/dev/null || die "cargo not found"
    log "building: ${U_BUILD[*]} ${ex[*]}"
    timeout "$BUILD_TIMEOUT" "${U_BUILD[@]}" "${ex[@]}" \
      || die "${U_BUILD[*]} ${ex[*]} failed (or timed out after ${BUILD_TIMEOUT}s)"
  done
}

# ---- server role -----------------------------------------------------------------------
run_server_role() {  # run_server_role UNIT
  unit "$1"
  local t0=$SECONDS spec="$SPECDIR/fuzzingclient$U_SPEC_SUFFIX.json" out=$U_OUT pid rc=0
  require_free "$U_PORT"
  rm -rf "${ROOT:?}/$out"; mkdir -p "$ROOT/$out"
  cat >"$spec" <<JSON
{
  "outdir": "./$out",
  "servers": [{"agent": "$U_AGENT", "url": "ws://127.0.0.1:$U_PORT"}],
  "cases": $(cases_json "$U_CASES"),
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
  if [ -n "$U_SERVER_CMD" ]; then
    log "$U role: echo server = $U_SERVER_CMD"
    start_bg "$ROOT/$out/echo_server.log" bash -c "$U_SERVER_CMD"
  else
    start_bg "$ROOT/$out/echo_server.log" "${U_RUN[@]}" --example "$U_SERVER_EX" -- "127.0.0.1:$U_PORT"
  fi
  pid=$BG_PID
  wait_port "$U_PORT" "$pid" "echo server ($U)"
  assert_loopback_only "$U_PORT"
  log "$U role: echo server up (pid $pid); running wstest -m fuzzingclient"
  run_fg "$ROOT/$out/wstest.log" timeout "$RUN_TIMEOUT" "${WSTEST[@]}" -m fuzzingclient -s "$spec" || rc=$?
  kill -0 "$pid" 2>/dev/null || log "WARNING: echo server had exited before the end of the run (see $out/echo_server.log)"
  stop_bg "$pid"; forget_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/wstest.log" >&2; die "wstest fuzzingclient failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/wstest.log"; }
  log "$U role: wstest finished in $((SECONDS - t0))s"
  check "$1" || { log "$1 role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "$1 role: passed in $((SECONDS - t0))s"
}

# ---- client role -----------------------------------------------------------------------
run_client_role() {  # run_client_role UNIT
  unit "$1"
  local t0=$SECONDS spec="$SPECDIR/fuzzingserver$U_SPEC_SUFFIX.json" out=$U_OUT pid rc=0
  require_free "$U_PORT"
  rm -rf "${ROOT:?}/$out"; mkdir -p "$ROOT/$out"
  cat >"$spec" <<JSON
{
  "url": "ws://127.0.0.1:$U_PORT",
  "outdir": "./$out",
  "cases": $(cases_json "$U_CASES"),
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
  start_bg "$ROOT/$out/wstest.log" "${WSTEST[@]}" -m fuzzingserver -s "$spec" -u 0
  pid=$BG_PID
  wait_port "$U_PORT" "$pid" "wstest fuzzingserver ($U)"
  assert_loopback_only "$U_PORT"
  local url="ws://127.0.0.1:$U_PORT"
  if [ -n "$U_CLIENT_CMD" ]; then
    log "$U role: client = $U_CLIENT_CMD $url $U_AGENT"
    run_fg "$ROOT/$out/client.log" timeout "$RUN_TIMEOUT" \
      bash -c "$U_CLIENT_CMD \"\$@\"" autobahn_client "$url" "$U_AGENT" || rc=$?
  else
    log "$U role: running the $U_CLIENT_EX example against $url"
    run_fg "$ROOT/$out/client.log" timeout "$RUN_TIMEOUT" \
      "${U_RUN[@]}" --example "$U_CLIENT_EX" -- "$url" "$U_AGENT" || rc=$?
  fi
  kill -0 "$pid" 2>/dev/null || log "WARNING: fuzzingserver had exited during the run"
  stop_bg "$pid"; forget_bg "$pid"
  [ $rc -eq 0 ] || { tail -n 30 "$ROOT/$out/client.log" >&2; die "autobahn client failed (exit $rc; 124 = timed out after ${RUN_TIMEOUT}s); log: $out/client.log"; }
  log "$1 role: client finished in $((SECONDS - t0))s"
  check "$1" || { log "$1 role: FAILED ($((SECONDS - t0))s)"; return 1; }
  log "$1 role: passed in $((SECONDS - t0))s"
}

run_unit() {  # run_unit UNIT
  case "$1" in
    server|tokio-server) run_server_role "$1";;
    *) run_client_role "$1";;
  esac
}

# ---- concurrent runs -------------------------------------------------------------------
progress() {  # one line: cases started so far per role, from wstest's log
  local u f n last line="autobahn: [$((SECONDS - T_START))s]"
  for u in "${UNITS[@]}"; do
    f="$ROOT/reports/$u/wstest.log"
    n=0; last=-
    if [ -f "$f" ]; then
      n=$(grep -c '^Running test case ID' "$f" || true)
      last=$(grep '^Running test case ID' "$f" | tail -n 1 | awk '{print $5}')
    fi
    line="$line $u: $n cases started (last ${last:--});"
  done
  echo "$line" >&2
}

run_concurrently() {  # every unit of UNITS in its own subshell, at most JOBS at a time
  local next=0 i u rc status=0 tick=0 busy
  local pids=() started=() done_=() codes=()
  mkdir -p "$ROOT/reports"
  for i in "${!UNITS[@]}"; do
    pids[i]=""; done_[i]=0; codes[i]=0
    rm -rf "${ROOT:?}/reports/${UNITS[i]}"  # no stale wstest.log in the progress lines
  done
  log "${#UNITS[@]} roles (${UNITS[*]}), $JOBS at a time; logs: reports/autobahn-<role>.log"
  while :; do
    busy=0
    for i in "${!UNITS[@]}"; do
      [ -n "${pids[i]}" ] && [ "${done_[i]}" = 0 ] || continue
      if kill -0 "${pids[i]}" 2>/dev/null; then
        busy=$((busy + 1))
      else
        rc=0; wait "${pids[i]}" || rc=$?
        done_[i]=1; codes[i]=$rc
        log "[$((SECONDS - T_START))s] ${UNITS[i]} role done (exit $rc)"
      fi
    done
    while [ "$busy" -lt "$JOBS" ] && [ "$next" -lt "${#UNITS[@]}" ]; do
      u=${UNITS[next]}
      (
        BG_PIDS=(); ROLE_PIDS=()
        trap cleanup EXIT
        trap 'exit 130' INT TERM
        run_unit "$u"
      ) >"$ROOT/reports/autobahn-$u.log" 2>&1 </dev/null &
      pids[next]=$!; ROLE_PIDS+=("$!")
      log "[$((SECONDS - T_START))s] $u role started (pid $!)"
      next=$((next + 1)); busy=$((busy + 1))
    done
    [ "$busy" -gt 0 ] || break
    sleep 1
    tick=$((tick + 1))
    [ $((tick % PROGRESS)) -ne 0 ] || progress
  done
  for i in "${!UNITS[@]}"; do
    echo "----- ${UNITS[i]} role (reports/autobahn-${UNITS[i]}.log, exit ${codes[i]}) -----"
    cat "$ROOT/reports/autobahn-${UNITS[i]}.log"
    [ "${codes[i]}" -eq 0 ] || status=1
  done
  ROLE_PIDS=()
  return $status
}

T_START=$SECONDS
build_examples
status=0
if [ "$JOBS" -gt 1 ] && [ "${#UNITS[@]}" -gt 1 ]; then
  run_concurrently || status=1
else
  for u in "${UNITS[@]}"; do run_unit "$u" || status=1; done
fi
log "wall time: $((SECONDS - T_START))s"
[ $status -eq 0 ] && log "all requested roles passed" || log "FAILED"
exit $status
