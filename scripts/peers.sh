#!/usr/bin/env bash
# Interop against implementations nobody here wrote (loopback only):
#   our echo_server  <- Python websockets client, Node ws client, Chromium's WebSocket API
#   our client       -> Python websockets server, Node ws server (echo, and close from server)
#   examples/chat    <- two Chromium tabs (message typed in one appears in both)
# and the same with permessage-deflate (RFC 7692) agreed, each check asserting that it was
# agreed (the parameters go to its log and under its PASS line) and really used on the wire:
#   our echo_server (default, and lean: no context takeover, 9-bit windows, replies in
#     4000-byte frames)  <- tests/peers/deflate_py_client.py, deflate_node_client.mjs and
#     browser.mjs --suite deflate, with the peers' default offers and offers of their own
#     (small windows both ways; a window of 8 bits, which our server meets with 9-bit zlib)
#   examples/interop_client -> python and node servers with compression on (their defaults,
#     and no context takeover with 9-bit windows), echoing whole and fragmented replies,
#     with our default offer and with one asking for small windows (9 bits; 8 bits of node,
#     which both sides meet with 9-bit zlib); and with no offer
#   echo_server --deflate off <- each peer client, whose offer must then be declined
# and the tokio adapter (examples/tokio) in the same places:
#   our tokio_echo_server (default, lean, --deflate off) <- the same peer clients and
#     Chromium, with the same checks (names with "tokio-server")
#   our tokio_client -> python and node servers: echo, fragmented replies, burst, close
#     from the server; and with compression on, the agreed parameters checked
#     (names with "tokio-client")
# Installs the peers first (scripts/peers-install.sh); a missing peer fails the run.
# Prints a final "N passed, M failed" line; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT_ECHO=${PEERS_ECHO_PORT:-9011}
PORT_PY=${PEERS_PY_PORT:-9012}
PORT_NODE=${PEERS_NODE_PORT:-9013}
PORT_CHAT=${PEERS_CHAT_PORT:-9014}
PORT_ECHO_LEAN=${PEERS_ECHO_LEAN_PORT:-9015}
PORT_ECHO_OFF=${PEERS_ECHO_OFF_PORT:-9016}
PORT_PY_DEFLATE=${PEERS_PY_DEFLATE_PORT:-9017}
PORT_PY_LEAN=${PEERS_PY_LEAN_PORT:-9018}
PORT_NODE_DEFLATE=${PEERS_NODE_DEFLATE_PORT:-9019}
PORT_NODE_LEAN=${PEERS_NODE_LEAN_PORT:-9020}
PORT_TOKIO_ECHO=${PEERS_TOKIO_ECHO_PORT:-9021}
PORT_TOKIO_ECHO_LEAN=${PEERS_TOKIO_ECHO_LEAN_PORT:-9022}
PORT_TOKIO_ECHO_OFF=${PEERS_TOKIO_ECHO_OFF_PORT:-9023}
# permessage-deflate with no context takeover and 512-byte windows both ways.
LEAN=server_no_context_takeover,client_no_context_takeover,server_max_window_bits=9,client_max_window_bits=9
PY=$ROOT/.peers/venv/bin/python
LOG=$ROOT/reports/peers
mkdir -p "$LOG"

scripts/peers-install.sh
cargo build --release --example echo_server --example client --example chat --example interop_client
cargo build --release -p rfc6455-tokio-examples --example tokio_echo_server --example tokio_client
# Where cargo put them (CARGO_TARGET_DIR or the config may move target/).
BIN=$(cargo metadata --no-deps --format-version 1 \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/examples
export BIN

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
    # what permessage-deflate the handshake agreed on, if the check says
    grep -m1 -o 'answered: .*' "$LOG/$name.log" | sed 's/^/    /' || true
  else
    failed=$((failed + 1)); echo "FAIL $name (log: reports/peers/$name.log)"; tail -20 "$LOG/$name.log" | sed 's/^/    /'
  fi
}

"$BIN"/echo_server "127.0.0.1:$PORT_ECHO" 2> "$LOG/echo_server.log" & pids+=($!)
"$PY" tests/peers/py_server.py "127.0.0.1:$PORT_PY" > "$LOG/py_server.log" 2>&1 & pids+=($!)
node tests/peers/node_server.mjs "127.0.0.1:$PORT_NODE" > "$LOG/node_server.log" 2>&1 & pids+=($!)
"$BIN"/chat "127.0.0.1:$PORT_CHAT" 2> "$LOG/chat.log" & pids+=($!)
"$BIN"/echo_server "127.0.0.1:$PORT_ECHO_LEAN" --deflate "$LEAN" --fragment-size 4000 \
  2> "$LOG/echo_server_lean.log" & pids+=($!)
"$BIN"/echo_server "127.0.0.1:$PORT_ECHO_OFF" --deflate off 2> "$LOG/echo_server_off.log" & pids+=($!)
"$PY" tests/peers/py_server.py "127.0.0.1:$PORT_PY_DEFLATE" --deflate default > "$LOG/py_server_deflate.log" 2>&1 & pids+=($!)
"$PY" tests/peers/py_server.py "127.0.0.1:$PORT_PY_LEAN" --deflate "$LEAN" > "$LOG/py_server_lean.log" 2>&1 & pids+=($!)
node tests/peers/node_server.mjs "127.0.0.1:$PORT_NODE_DEFLATE" --deflate default > "$LOG/node_server_deflate.log" 2>&1 & pids+=($!)
node tests/peers/node_server.mjs "127.0.0.1:$PORT_NODE_LEAN" --deflate "$LEAN,threshold=0" > "$LOG/node_server_lean.log" 2>&1 & pids+=($!)
"$BIN"/tokio_echo_server "127.0.0.1:$PORT_TOKIO_ECHO" 2> "$LOG/tokio_echo_server.log" & pids+=($!)
"$BIN"/tokio_echo_server "127.0.0.1:$PORT_TOKIO_ECHO_LEAN" --deflate "$LEAN" --fragment-size 4000 \
  2> "$LOG/tokio_echo_server_lean.log" & pids+=($!)
"$BIN"/tokio_echo_server "127.0.0.1:$PORT_TOKIO_ECHO_OFF" --deflate off 2> "$LOG/tokio_echo_server_off.log" & pids+=($!)
for port in "$PORT_ECHO" "$PORT_PY" "$PORT_NODE" "$PORT_CHAT" "$PORT_ECHO_LEAN" "$PORT_ECHO_OFF" \
    "$PORT_PY_DEFLATE" "$PORT_PY_LEAN" "$PORT_NODE_DEFLATE" "$PORT_NODE_LEAN" \
    "$PORT_TOKIO_ECHO" "$PORT_TOKIO_ECHO_LEAN" "$PORT_TOKIO_ECHO_OFF"; do
  wait_port "$port"
done

# Peer clients -> one of our echo servers (the blocking or the tokio adapter's), with the
# defaults (PORT), lean (PORT_LEAN: no context takeover, 9-bit windows, replies in 4000-byte
# frames) and --deflate off (PORT_OFF). Check names say "our-server" or "our-tokio-server".
# permessage-deflate: our default answer is 4 KiB windows both ways with context takeover.
DEFAULT_ANSWER=server_max_window_bits=12,client_max_window_bits=12
LEAN_AGREED=server_no_context_takeover=true,client_no_context_takeover=true,server_max_window_bits=9,client_max_window_bits=9
peer_clients_vs() { # our_name port port_lean port_off
  local our=$1 port=$2 lean=$3 off=$4
  check "python-client-vs-$our" "$PY" tests/peers/py_client.py "ws://127.0.0.1:$port/"
  check "node-client-vs-$our" node tests/peers/node_client.mjs "ws://127.0.0.1:$port/"
  check "chromium-vs-$our" node tests/peers/browser.mjs "ws://127.0.0.1:$port/"
  # A server that does not do permessage-deflate must be understood as declining it.
  check "python-client-declined-by-$our-deflate-off" "$PY" tests/peers/py_client.py \
    "ws://127.0.0.1:$off/" --only permessage_deflate --expect-deflate no
  check "node-client-declined-by-$our-deflate-off" node tests/peers/node_client.mjs \
    "ws://127.0.0.1:$off/" --only permessage_deflate --expect-deflate no
  check "chromium-declined-by-$our-deflate-off" node tests/peers/browser.mjs \
    "ws://127.0.0.1:$off/" --only permessage_deflate --expect-deflate no

  check "deflate-python-client-vs-$our" "$PY" tests/peers/deflate_py_client.py \
    "ws://127.0.0.1:$port/" --expect "deflate,$DEFAULT_ANSWER"
  check "deflate-python-client-asks-small-windows-of-$our" "$PY" tests/peers/deflate_py_client.py \
    "ws://127.0.0.1:$port/" --offer "$LEAN" --expect "deflate,$LEAN_AGREED"
  check "deflate-python-client-vs-${our/our-/our-lean-}" "$PY" tests/peers/deflate_py_client.py \
    "ws://127.0.0.1:$lean/" --expect "deflate,$LEAN_AGREED"
  check "deflate-python-client-asks-window-8-of-$our" "$PY" tests/peers/deflate_py_client.py \
    "ws://127.0.0.1:$port/" --offer server_max_window_bits=8 --expect deflate,server_max_window_bits=8
  check "deflate-node-client-vs-$our" node tests/peers/deflate_node_client.mjs \
    "ws://127.0.0.1:$port/" --expect "deflate,$DEFAULT_ANSWER"
  check "deflate-node-client-asks-small-windows-of-$our" node tests/peers/deflate_node_client.mjs \
    "ws://127.0.0.1:$port/" \
    --offer server_no_context_takeover,client_no_context_takeover,server_max_window_bits=10,client_max_window_bits=9 \
    --expect deflate,server_no_context_takeover=true,server_max_window_bits=10,client_max_window_bits=9
  check "deflate-node-client-vs-${our/our-/our-lean-}" node tests/peers/deflate_node_client.mjs \
    "ws://127.0.0.1:$lean/" --expect "deflate,$LEAN_AGREED"
  check "deflate-chromium-vs-$our" node tests/peers/browser.mjs "ws://127.0.0.1:$port/" \
    --suite deflate --expect "deflate,$DEFAULT_ANSWER"
  check "deflate-chromium-vs-${our/our-/our-lean-}" node tests/peers/browser.mjs "ws://127.0.0.1:$lean/" \
    --suite deflate --expect "deflate,$LEAN"
}
peer_clients_vs our-server "$PORT_ECHO" "$PORT_ECHO_LEAN" "$PORT_ECHO_OFF"
check chat-example-in-two-chromium-tabs node tests/peers/chat_e2e.mjs "http://127.0.0.1:$PORT_CHAT/"
peer_clients_vs our-tokio-server "$PORT_TOKIO_ECHO" "$PORT_TOKIO_ECHO_LEAN" "$PORT_TOKIO_ECHO_OFF"

# Our clients (examples/client and examples/tokio/tokio_client, one contract): every stdin
# line comes back, in order, including empty and multi-byte lines.
input=$(printf 'hello\n\nκόσμε 🎉\n%s\nlast line\n' "$(head -c 70000 /dev/zero | tr '\0' x)")
client_echo() { # client port [path [client options]]
  local client=$1 port=$2 path=${3:-echo} out
  shift $(($# < 3 ? $# : 3))
  out=$(printf '%s\n' "$input" | "$BIN/$client" "ws://127.0.0.1:$port/$path" "$@") || return 1
  [ "$out" = "$input" ] || { echo "client output differs from input"; return 1; }
}
client_burst() { # client port: 1,000 lines in order
  local lines out
  lines=$(seq 1 1000)
  out=$(printf '%s\n' "$lines" | "$BIN/$1" "ws://127.0.0.1:$2/") || return 1
  [ "$out" = "$lines" ] || { echo "burst differs"; return 1; }
}
client_server_closes() { # client port: the server closes with 4000 after echoing the first line
  local out
  out=$(printf 'one\ntwo\n' | "$BIN/$1" "ws://127.0.0.1:$2/close-from-server" 2>&1) || return 1
  echo "$out"
  grep -q '^one$' <<< "$out" && grep -q '4000' <<< "$out"
}
client_deflate() { # client port agreed [client options]: echo on / and /fragmented, and the
  # parameters the client reports (stderr, deflate_flag::describe) are the expected ones
  local client=$1 port=$2 agreed=$3 path
  shift 3
  for path in echo fragmented; do
    client_echo "$client" "$port" "$path" "$@" 2> "$LOG/client_deflate.stderr" \
      || { cat "$LOG/client_deflate.stderr"; return 1; }
    cat "$LOG/client_deflate.stderr"
    grep -qF -- "$agreed" "$LOG/client_deflate.stderr" || { echo "agreed parameters are not: $agreed"; return 1; }
  done
}
interop_deflate() { # port expect [interop_client options]: whole replies on /, fragmented on /fragmented
  local port=$1 expect=$2; shift 2
  "$BIN"/interop_client "ws://127.0.0.1:$port/" --expect "$expect" "$@" || return 1
  "$BIN"/interop_client "ws://127.0.0.1:$port/fragmented" --expect "$expect" "$@"
}
export input LOG
export -f client_echo client_burst client_server_closes client_deflate interop_deflate
our_client_vs_peer_servers() { # client our_name
  local client=$1 our=$2
  check "$our-vs-python-server" client_echo "$client" "$PORT_PY"
  check "$our-vs-node-server" client_echo "$client" "$PORT_NODE"
  check "$our-fragmented-replies-from-python-server" client_echo "$client" "$PORT_PY" fragmented
  check "$our-fragmented-replies-from-node-server" client_echo "$client" "$PORT_NODE" fragmented
  check "$our-burst-vs-python-server" client_burst "$client" "$PORT_PY"
  check "$our-burst-vs-node-server" client_burst "$client" "$PORT_NODE"
  check "$our-closed-by-python-server" client_server_closes "$client" "$PORT_PY"
  check "$our-closed-by-node-server" client_server_closes "$client" "$PORT_NODE"
}
our_client_vs_peer_servers client our-client
our_client_vs_peer_servers tokio_client our-tokio-client

# permessage-deflate, our client -> python and node servers with compression on.
check deflate-our-client-vs-python-server interop_deflate "$PORT_PY_DEFLATE" \
  "deflate,server_no_context_takeover=false,$DEFAULT_ANSWER"
check deflate-our-client-vs-python-lean-server interop_deflate "$PORT_PY_LEAN" "deflate,$LEAN_AGREED"
check deflate-our-client-asks-small-windows-of-python-server interop_deflate "$PORT_PY_DEFLATE" \
  "deflate,$LEAN_AGREED" --deflate "$LEAN"
check deflate-our-client-vs-node-server interop_deflate "$PORT_NODE_DEFLATE" "deflate,$DEFAULT_ANSWER"
check deflate-our-client-vs-node-lean-server interop_deflate "$PORT_NODE_LEAN" "deflate,$LEAN_AGREED"
check deflate-our-client-asks-small-windows-of-node-server interop_deflate "$PORT_NODE_DEFLATE" \
  "deflate,$LEAN_AGREED" --deflate "$LEAN"
# 8-bit windows both ways: both sides compress with zlib's 9-bit window, whose matches reach
# back at most 250 bytes, and each decodes the other's with its 8-bit window.
check deflate-our-client-asks-window-8-of-node-server interop_deflate "$PORT_NODE_DEFLATE" \
  deflate,server_max_window_bits=8,client_max_window_bits=8 --deflate server_max_window_bits=8,client_max_window_bits=8
check deflate-our-client-without-offer-vs-python-server interop_deflate "$PORT_PY_DEFLATE" none --deflate off

# permessage-deflate, our tokio_client -> the same servers: the echo (whole and fragmented
# replies, a 70000-byte line among them, which the servers compress) and the parameters
# agreed, as the client reports them.
described() { # no_context_takeover(server client) window_bits(server client)
  echo "permessage-deflate server_no_context_takeover=$1 client_no_context_takeover=$2 server_max_window_bits=$3 client_max_window_bits=$4"
}
check deflate-our-tokio-client-vs-python-server client_deflate tokio_client "$PORT_PY_DEFLATE" \
  "$(described false false 12 12)"
check deflate-our-tokio-client-vs-python-lean-server client_deflate tokio_client "$PORT_PY_LEAN" \
  "$(described true true 9 9)"
check deflate-our-tokio-client-asks-small-windows-of-python-server client_deflate tokio_client \
  "$PORT_PY_DEFLATE" "$(described true true 9 9)" --deflate "$LEAN"
check deflate-our-tokio-client-vs-node-server client_deflate tokio_client "$PORT_NODE_DEFLATE" \
  "$(described false false 12 12)"
check deflate-our-tokio-client-vs-node-lean-server client_deflate tokio_client "$PORT_NODE_LEAN" \
  "$(described true true 9 9)"
check deflate-our-tokio-client-without-offer-vs-python-server client_deflate tokio_client \
  "$PORT_PY_DEFLATE" "no permessage-deflate" --deflate off

echo "peers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
