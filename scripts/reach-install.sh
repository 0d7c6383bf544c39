#!/usr/bin/env bash
# Idempotently installs the real proxies scripts/reach.sh runs our client through:
#   - tinyproxy (Debian package): an HTTP proxy with CONNECT and BasicAuth
#   - microsocks (Debian package): a SOCKS5 proxy with user/password
# Fails loudly (non-zero exit) if either cannot be had. Safe to re-run.
set -euo pipefail

die() { echo "reach-install: ERROR: $*" >&2; exit 1; }
log() { echo "reach-install: $*" >&2; }

missing=()
command -v tinyproxy >/dev/null || missing+=(tinyproxy)
command -v microsocks >/dev/null || missing+=(microsocks)
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -eq 0 ]; then
  log "already installed: tinyproxy $(tinyproxy -v 2>&1 | head -1 | awk '{print $2}'), microsocks, python3"
  exit 0
fi
command -v apt-get >/dev/null || die "${missing[*]} missing and no apt-get: install Debian's packages ${missing[*]} by hand."
[ "$(id -u)" = 0 ] || die "${missing[*]} missing: run as root, or 'sudo apt-get update && sudo apt-get install -y ${missing[*]}'."
log "installing ${missing[*]} (apt-get update; apt-get install -y ${missing[*]})"
export DEBIAN_FRONTEND=noninteractive
timeout 600 apt-get update -qq || die "apt-get update failed."
timeout 600 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || die "apt-get install -y ${missing[*]} failed."
for tool in "${missing[@]}"; do
  command -v "$tool" >/dev/null || die "$tool installed but not on PATH."
done
# The package may start a system tinyproxy on port 8888; ours run from their
# own configs on free ports, so it is left alone.
log "OK: tinyproxy $(tinyproxy -v 2>&1 | head -1 | awk '{print $2}'), microsocks, python3"
