#!/usr/bin/env bash
# Interop against implementations nobody here wrote (loopback only):
#   our echo_server  <- Python websockets client, Node ws client, Chromium's WebSocket API
#   our client       -> Python websockets server, Node ws server (echo, and close from server)
#   examples/chat    <- two Chromium tabs (message typed in one appears in both)
# Installs the peers first (scripts/peers-install.sh); a missing peer fails the run.
# Prints a final "N passed, M failed" line; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT_ECHO=${PEERS_ECHO_PORT:-9011}
PORT_PY=${PEERS_PY_PORT:-9012}
PORT_NODE=${PEERS_NODE_PORT:-9013}
PORT_CHAT=${PEERS_CHAT_PORT:-9014}
PY=$ROOT/.peers/venv/bin/python
LOG=$ROOT/reports/peers
mkdir -p "$LOG"

scripts/peers-install.sh
cargo build --release --example echo_server --example client --example chat

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_port() { # bounded wait for a listening port
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "peers: port $1 did not open" >&2
  return 1
}

passed=0 failed=0
check() { # name, command...
  local name=$1; shift
  if timeout 300 bash -c '"$@"' check "$@" > "$LOG/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name (log: reports/peers/$name.log)"; tail -20 "$LOG/$name.log" | sed 's/^/    /'
  fi
}

target/release/examples/echo_server "127.0.0.1:$PORT_ECHO" 2> "$LOG/echo_server.log" & pids+=($!)
"$PY" tests/peers/py_server.py "127.0.0.1:$PORT_PY" > "$LOG/py_server.log" 2>&1 & pids+=($!)
node tests/peers/node_server.mjs "127.0.0.1:$PORT_NODE" > "$LOG/node_server.log" 2>&1 & pids+=($!)
target/release/examples/chat "127.0.0.1:$PORT_CHAT" 2> "$LOG/chat.log" & pids+=($!)
wait_port "$PORT_ECHO"; wait_port "$PORT_PY"; wait_port "$PORT_NODE"; wait_port "$PORT_CHAT"

check python-client-vs-our-server "$PY" tests/peers/py_client.py "ws://127.0.0.1:$PORT_ECHO/"
check node-client-vs-our-server node tests/peers/node_client.mjs "ws://127.0.0.1:$PORT_ECHO/"
check chromium-vs-our-server node tests/peers/browser.mjs "ws://127.0.0.1:$PORT_ECHO/"
check chat-example-in-two-chromium-tabs node tests/peers/chat_e2e.mjs "http://127.0.0.1:$PORT_CHAT/"

# Our client: every stdin line comes back, in order, including empty and multi-byte lines.
input=$(printf 'hello\n\nκόσμε 🎉\n%s\nlast line\n' "$(head -c 70000 /dev/zero | tr '\0' x)")
client_echo() { # port [path]
  local out
  out=$(printf '%s\n' "$input" | target/release/examples/client "ws://127.0.0.1:$1/${2:-echo}") || return 1
  [ "$out" = "$input" ] || { echo "client output differs from input"; return 1; }
}
client_burst() { # 1,000 lines in order
  local lines out
  lines=$(seq 1 1000)
  out=$(printf '%s\n' "$lines" | target/release/examples/client "ws://127.0.0.1:$1/") || return 1
  [ "$out" = "$lines" ] || { echo "burst differs"; return 1; }
}
client_server_closes() { # the server closes with 4000 after echoing the first line
  local out
  out=$(printf 'one\ntwo\n' | target/release/examples/client "ws://127.0.0.1:$1/close-from-server" 2>&1) || return 1
  echo "$out"
  grep -q '^one$' <<< "$out" && grep -q '4000' <<< "$out"
}
export input
export -f client_echo client_burst client_server_closes
check our-client-vs-python-server client_echo "$PORT_PY"
check our-client-vs-node-server client_echo "$PORT_NODE"
check our-client-fragmented-replies-from-python-server client_echo "$PORT_PY" fragmented
check our-client-fragmented-replies-from-node-server client_echo "$PORT_NODE" fragmented
check our-client-burst-vs-python-server client_burst "$PORT_PY"
check our-client-burst-vs-node-server client_burst "$PORT_NODE"
check our-client-closed-by-python-server client_server_closes "$PORT_PY"
check our-client-closed-by-node-server client_server_closes "$PORT_NODE"

echo "peers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
