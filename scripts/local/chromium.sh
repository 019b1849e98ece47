#!/usr/bin/env bash
# Installs headless Chromium from Debian's packages for the real-browser end-to-end test
# (test/e2e/browser.e2e.test.ts, driven by playwright-core with executablePath /usr/bin/chromium).
# Idempotent: a no-op when /usr/bin/chromium runs. Needs root (apt-get), as on CI.
#
#   scripts/local/chromium.sh          install if missing, then print the version
#
# Environment: CHROMIUM (default /usr/bin/chromium), the binary the test launches.
set -euo pipefail

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
log() { printf '[chromium] %s\n' "$*" >&2; }

works() { "$CHROMIUM" --version >/dev/null 2>&1; }

if ! works; then
  command -v apt-get >/dev/null 2>&1 || { log "ERROR: $CHROMIUM missing and no apt-get to install it"; exit 1; }
  [ "$(id -u)" = 0 ] || { log "ERROR: $CHROMIUM missing; installing it needs root (apt-get install chromium)"; exit 1; }
  t0=$SECONDS
  log "installing chromium (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  # A package list older than a day may name versions that are gone: refresh it first.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
    apt-get update -qq
  fi
  apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
  works || { log "ERROR: chromium installed but '$CHROMIUM --version' fails"; exit 1; }
  log "installed in $((SECONDS - t0)) s"
fi
log "$("$CHROMIUM" --version 2>/dev/null)"
