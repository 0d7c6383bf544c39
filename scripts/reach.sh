#!/usr/bin/env bash
# Our client (examples/client) through real proxies and redirects (issue #14), loopback only:
#   tinyproxy (HTTP CONNECT, BasicAuth)  -> our echo_server: with credentials (the CONNECT is in
#     tinyproxy's log), without (407) or with wrong ones (tinyproxy says 401), chosen by http_proxy / HTTP_PROXY,
#     bypassed by NO_PROXY (no CONNECT logged)
#   microsocks (SOCKS5, user/password, outgoing connections bound to 127.0.0.2) -> echo_server,
#     which logs 127.0.0.2 as the peer: socks5h:// (remote DNS) from ALL_PROXY, socks5:// from
#     ws_proxy, a wrong password refused
#   a Python websockets server over TLS (certificate from a CA made here with openssl): our
#     client over wss:// trusting the CA through SSL_CERT_FILE, directly, through tinyproxy
#     (https_proxy: the CONNECT is logged) and through microsocks (the server sees 127.0.0.2);
#     without the CA it must refuse the certificate
#   a redirecting server (python3): a 301 to the echo server followed (directly and through
#     tinyproxy, one CONNECT per hop), a redirect loop stopped at the limit (3)
# Each proxy starts from a config written here, on a free port, and stops by PID (trap).
# Installs tinyproxy and microsocks first (scripts/reach-install.sh); a missing one fails the run.
# Prints PASS/FAIL lines and a final "N passed, M failed" line; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOG=$ROOT/reports/reach
WORK=$(mktemp -d)
mkdir -p "$LOG"

scripts/reach-install.sh
scripts/peers-install.sh   # Python websockets in .peers/venv, for the TLS server
PY=$ROOT/.peers/venv/bin/python
cargo build --release --example client --example echo_server
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
CLIENT=$TARGET/release/examples/client
ECHO=$TARGET/release/examples/echo_server

# ---- reusable start/stop -------------------------------------------------------------------
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { # a port the kernel just handed out on 127.0.0.1
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # bounded wait for a listening port
  for _ in $(seq 1 100); do
    (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "reach: port $1 did not open" >&2
  return 1
}

# start_tinyproxy NAME PORT USER PASSWORD CONNECT_PORT...: tinyproxy in the foreground with
# BasicAuth, CONNECT allowed only to the given ports; its log is $LOG/NAME.log.
start_tinyproxy() {
  local name=$1 port=$2 user=$3 pass=$4; shift 4
  local conf=$WORK/$name.conf
  {
    echo "Port $port"
    echo "Listen 127.0.0.1"
    echo "Timeout 30"
    echo "LogFile \"$LOG/$name.log\""
    echo "LogLevel Info"
    echo "MaxClients 20"
    echo "Allow 127.0.0.1"
    echo "BasicAuth $user $pass"
    for p in "$@"; do echo "ConnectPort $p"; done
  } > "$conf"
  : > "$LOG/$name.log"
  tinyproxy -d -c "$conf" 2>> "$LOG/$name.log" & pids+=($!)
  wait_port "$port"
}

# start_microsocks NAME PORT USER PASSWORD BIND_ADDR: microsocks with user/password, its
# outgoing connections bound to BIND_ADDR (so the server sees that peer address).
start_microsocks() {
  local name=$1 port=$2 user=$3 pass=$4 bind=$5
  microsocks -i 127.0.0.1 -p "$port" -u "$user" -P "$pass" -b "$bind" > "$LOG/$name.log" 2>&1 & pids+=($!)
  wait_port "$port"
}

# start_echo NAME PORT: our echo_server; it logs "PEER connected to PATH" per connection.
start_echo() {
  "$ECHO" "127.0.0.1:$2" 2> "$LOG/$1.log" & pids+=($!)
  wait_port "$2"
}

# start_redirector PORT TARGET: answers /loop with 302 to /loop, anything else with 301 to TARGET.
start_redirector() {
  cat > "$WORK/redirector.py" <<'PY'
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, target = int(sys.argv[1]), sys.argv[2]

class Redirect(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.startswith("/loop"):
            self.send_response(302)
            self.send_header("Location", "/loop")
        else:
            self.send_response(301)
            self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

ThreadingHTTPServer(("127.0.0.1", port), Redirect).serve_forever()
PY
  python3 "$WORK/redirector.py" "$1" "$2" > "$LOG/redirector.log" 2>&1 & pids+=($!)
  wait_port "$1"
}

# ---- checks ------------------------------------------------------------------------------
passed=0 failed=0
check() { # name, command... (runs in bash -c; a non-zero exit fails)
  local name=$1; shift
  if timeout 30 bash -c "$*" > "$LOG/$name.out" 2>&1; then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name (log: reports/reach/$name.out)"
    tail -20 "$LOG/$name.out" | sed 's/^/    /'
  fi
}

# The proxy variables of the machine must not leak into the checks.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY \
  ws_proxy WS_PROXY wss_proxy WSS_PROXY

PORT_ECHO=$(free_port)
PORT_TP=$(free_port)
PORT_MS=$(free_port)
PORT_RD=$(free_port)
PORT_TLS=$(free_port)
start_echo echo "$PORT_ECHO"
start_tinyproxy tinyproxy "$PORT_TP" user secret "$PORT_ECHO" "$PORT_RD" "$PORT_TLS"
start_microsocks microsocks "$PORT_MS" user secret 127.0.0.2
start_redirector "$PORT_RD" "ws://127.0.0.1:$PORT_ECHO/redirected"
export CLIENT PORT_ECHO PORT_TP PORT_MS PORT_RD LOG
TP=127.0.0.1:$PORT_TP MS=127.0.0.1:$PORT_MS
export TP MS

# echo_line URL: one line through the client, which must print it back.
echo_line='test "$(printf "hello\n" | "$CLIENT" "$0")" = hello'
# connects LOG PATTERN: count of lines in a log matching PATTERN.
connects() { grep -c "$2" "$1" || true; }
export -f connects

check tinyproxy_basic_auth \
  "http_proxy=http://user:secret@\$TP bash -c '$echo_line' ws://127.0.0.1:\$PORT_ECHO/tp-auth \
   && grep 'CONNECT 127.0.0.1:$PORT_ECHO ' \$LOG/tinyproxy.log \
   && grep -E '127.0.0.1:[0-9]+ connected to /tp-auth' \$LOG/echo.log"
check tinyproxy_407_without_credentials \
  "if http_proxy=http://\$TP \"\$CLIENT\" ws://127.0.0.1:\$PORT_ECHO/tp-none < /dev/null 2> \$LOG/err407.txt; \
   then exit 1; fi; cat \$LOG/err407.txt; grep -q 407 \$LOG/err407.txt && ! grep -q /tp-none \$LOG/echo.log"
# tinyproxy 1.11 answers 407 without credentials but 401 to wrong ones.
check tinyproxy_wrong_password_refused \
  "if http_proxy=http://user:wrong@\$TP \"\$CLIENT\" ws://127.0.0.1:\$PORT_ECHO/tp-wrong < /dev/null 2> \$LOG/errw.txt; \
   then exit 1; fi; cat \$LOG/errw.txt; grep -Eq 'refused CONNECT: 401|407' \$LOG/errw.txt"
check env_HTTP_PROXY_upper_case \
  "before=\$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT '); \
   HTTP_PROXY=http://user:secret@\$TP bash -c '$echo_line' ws://127.0.0.1:\$PORT_ECHO/tp-upper \
   && test \$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT ') -gt \$before"
check env_NO_PROXY_bypasses_the_proxy \
  "before=\$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT '); \
   HTTP_PROXY=http://user:secret@\$TP NO_PROXY=localhost,127.0.0.1 bash -c '$echo_line' ws://127.0.0.1:\$PORT_ECHO/bypass \
   && test \$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT ') -eq \$before \
   && grep -E '127.0.0.1:[0-9]+ connected to /bypass' \$LOG/echo.log"
check microsocks_socks5h_from_ALL_PROXY \
  "ALL_PROXY=socks5h://user:secret@\$MS bash -c '$echo_line' ws://localhost:\$PORT_ECHO/ms-remote-dns \
   && grep -E '127.0.0.2:[0-9]+ connected to /ms-remote-dns' \$LOG/echo.log"
check microsocks_socks5_from_ws_proxy \
  "ws_proxy=socks5://user:secret@\$MS bash -c '$echo_line' ws://127.0.0.1:\$PORT_ECHO/ms-local-dns \
   && grep -E '127.0.0.2:[0-9]+ connected to /ms-local-dns' \$LOG/echo.log"
check microsocks_wrong_password \
  "if all_proxy=socks5h://user:wrong@\$MS \"\$CLIENT\" ws://127.0.0.1:\$PORT_ECHO/ms-wrong < /dev/null 2> \$LOG/errms.txt; \
   then exit 1; fi; cat \$LOG/errms.txt; grep -q 'rejected the credentials' \$LOG/errms.txt"
check redirect_followed \
  "bash -c '$echo_line' ws://127.0.0.1:\$PORT_RD/start \
   && grep -E 'connected to /redirected' \$LOG/echo.log"
check redirect_followed_through_tinyproxy \
  "before=\$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT '); \
   http_proxy=http://user:secret@\$TP bash -c '$echo_line' ws://127.0.0.1:\$PORT_RD/via-proxy \
   && test \$(connects \$LOG/tinyproxy.log 'Request .*: CONNECT ') -eq \$((before + 2))"
check redirect_loop_stops_at_the_limit \
  "if \"\$CLIENT\" ws://127.0.0.1:\$PORT_RD/loop < /dev/null 2> \$LOG/errloop.txt; \
   then exit 1; fi; cat \$LOG/errloop.txt; grep -q 'too many redirects (3 followed)' \$LOG/errloop.txt \
   && test \$(grep -c 'GET /loop' \$LOG/redirector.log) -eq 4"

# ---- TLS: a Python websockets server over wss://, directly and through each proxy ----------
# A test CA and a server certificate for localhost and 127.0.0.1 signed by it (openssl).
CA=$WORK/ca.pem
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rfc6455 reach test CA" \
  -keyout "$WORK/ca.key" -out "$CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2> "$LOG/openssl.log"
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>> "$LOG/openssl.log"
printf 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
  > "$WORK/server.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$CA" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>> "$LOG/openssl.log"
"$PY" "$ROOT/tests/peers/py_server.py" "127.0.0.1:$PORT_TLS" --tls "$WORK/server.pem" "$WORK/server.key" \
  > "$LOG/py_tls.log" 2>&1 & pids+=($!)
wait_port "$PORT_TLS"
export CA PORT_TLS

check tls_direct \
  "SSL_CERT_FILE=\$CA bash -c '$echo_line' wss://localhost:\$PORT_TLS/tls-direct \
   && grep -E \"'127.0.0.1', [0-9]+\\) /tls-direct\" \$LOG/py_tls.log"
check tls_untrusted_certificate_refused \
  "if \"\$CLIENT\" wss://localhost:\$PORT_TLS/tls-untrusted < /dev/null 2> \$LOG/errtls.txt; \
   then exit 1; fi; cat \$LOG/errtls.txt; grep -q 'TLS error' \$LOG/errtls.txt \
   && ! grep -q /tls-untrusted \$LOG/py_tls.log"
check tls_through_tinyproxy \
  "before=\$(connects \$LOG/tinyproxy.log 'CONNECT localhost:$PORT_TLS '); \
   SSL_CERT_FILE=\$CA https_proxy=http://user:secret@\$TP bash -c '$echo_line' wss://localhost:\$PORT_TLS/tls-tp \
   && test \$(connects \$LOG/tinyproxy.log 'CONNECT localhost:$PORT_TLS ') -gt \$before \
   && grep -q /tls-tp \$LOG/py_tls.log"
check tls_through_microsocks \
  "SSL_CERT_FILE=\$CA all_proxy=socks5h://user:secret@\$MS bash -c '$echo_line' wss://localhost:\$PORT_TLS/tls-ms \
   && grep -E \"'127.0.0.2', [0-9]+\\) /tls-ms\" \$LOG/py_tls.log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
