#!/usr/bin/env bash
# Load test: examples/echo_server against examples/load_client on loopback.
#
#   scripts/load.sh [CLIENTS=1000] [MESSAGES=100]
#
# Builds both examples (release), raises the open-file limit if it is low,
# starts the echo server on 127.0.0.1:$LOAD_PORT (default 9011), waits for it
# to listen (at most 10 s), runs the load client, reports the server's peak
# RSS (VmHWM from /proc/<pid>/status) and thread count, stops the server, and
# prints a last line "N passed, M failed" (N = clients whose every echo was
# intact). Exit status: the load client's (0 only if every client passed).
# Server log: $CARGO_TARGET_DIR/load-echo-server.log.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CLIENTS="${1:-1000}"
MESSAGES="${2:-100}"
PORT="${LOAD_PORT:-9011}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET/release/examples"
LOG="$TARGET/load-echo-server.log"

# Each client uses one descriptor here and one in the server (separate
# processes), plus a few; ask for headroom.
want=$((CLIENTS + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
    ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
fi
echo "load.sh: ulimit -n = $(ulimit -n)"

cargo build --release --quiet --example echo_server --example load_client

if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "load.sh: port $PORT is already in use; set LOAD_PORT" >&2
    exit 2
fi

mkdir -p "$TARGET"
"$BIN/echo_server" "127.0.0.1:$PORT" 2>"$LOG" &
SERVER=$!
cleanup() {
    if kill -0 "$SERVER" 2>/dev/null; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
    fi
}
trap cleanup EXIT

for _ in $(seq 100); do
    grep -q "listening" "$LOG" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { echo "load.sh: echo_server exited:" >&2; cat "$LOG" >&2; exit 2; }
    sleep 0.1
done
grep -q "listening" "$LOG" || { echo "load.sh: echo_server did not start listening within 10 s" >&2; exit 2; }

set +e
"$BIN/load_client" "ws://127.0.0.1:$PORT" "$CLIENTS" "$MESSAGES" | tee "$TARGET/load-client.out"
STATUS=${PIPESTATUS[0]}
set -e

if [ -r "/proc/$SERVER/status" ]; then
    hwm=$(awk '/^VmHWM/ {print $2, $3}' "/proc/$SERVER/status")
    rss=$(awk '/^VmRSS/ {print $2, $3}' "/proc/$SERVER/status")
    threads=$(awk '/^Threads/ {print $2}' "/proc/$SERVER/status")
    echo "echo_server: peak RSS (VmHWM) $hwm, RSS now $rss, threads now $threads"
fi
echo "echo_server: $(grep -c ' connected to ' "$LOG" || true) connections, $(grep -c 'handshake failed' "$LOG" || true) failed handshakes (log: $LOG)"
cleanup

summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$TARGET/load-client.out" | tail -n 1 || true)
echo "${summary:-0 passed, $CLIENTS failed}"
exit "$STATUS"
