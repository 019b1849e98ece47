#!/usr/bin/env bash
# Run LocalStack (localstack-core, host mode, no Docker) for local end-to-end checks.
#
#   scripts/local/localstack.sh install          create/refresh the venv in .localstack/venv
#   scripts/local/localstack.sh start            start in the background and wait until healthy
#   scripts/local/localstack.sh stop             stop (SIGTERM, then SIGKILL after a timeout)
#   scripts/local/localstack.sh status           print state and health; exit 0 only if running and healthy
#   scripts/local/localstack.sh logs [-f] [N]    print the last N (100) log lines, -f to follow
#   scripts/local/localstack.sh run -- CMD...    start if needed, run CMD, stop on exit if this call started it
#
# Environment:
#   LOCALSTACK_PORT            gateway port on 127.0.0.1 (default 4566)
#   LOCALSTACK_PYTHON          Python 3.13 interpreter to build the venv with (default: found automatically)
#   LOCALSTACK_START_TIMEOUT   seconds to wait for health (default 120)
#   LOCALSTACK_STOP_TIMEOUT    seconds between SIGTERM and SIGKILL (default 20)
# Commands run by `run` get LOCALSTACK_ENDPOINT=http://127.0.0.1:$LOCALSTACK_PORT and LOCALSTACK_PORT.
# See docs/localstack-notes.md for what LocalStack does and does not emulate.
# Kinesis as a Firehose source (moto's server as the KCL's lease store, no DynamoDB Local): scripts/local/kinesis-source.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
# shellcheck source=../lib/service.sh
source "$SCRIPT_DIR/../lib/service.sh"

STATE_DIR="$REPO_ROOT/.localstack"
VENV="$STATE_DIR/venv"
MARKER="$VENV/.cdk-api-to-firehose-requirements"
PID_FILE="$STATE_DIR/localstack.pid"
PORT_FILE="$STATE_DIR/localstack.port"   # the port the running instance listens on (one instance per checkout)
LOG_FILE="$STATE_DIR/localstack.log"
FS_ROOT="$STATE_DIR/filesystem"
LOCK_FILE="$STATE_DIR/.lock"

PORT="${LOCALSTACK_PORT:-4566}"
HOST="127.0.0.1"
ENDPOINT="http://$HOST:$PORT"
HEALTH_URL="$ENDPOINT/_localstack/health"
START_TIMEOUT="${LOCALSTACK_START_TIMEOUT:-120}"
STOP_TIMEOUT="${LOCALSTACK_STOP_TIMEOUT:-20}"
# route53: LocalStack's CreateDomainName (an API's custom domain) lists hosted zones; kms: the log groups' key policy;
# stepfunctions, events: the curated tables' state machines and schedules (the demo's stack, query.curated).
SERVICES="s3,firehose,apigateway,iam,sts,cloudformation,logs,cloudwatch,kinesis,route53,kms,stepfunctions,events"

# The [runtime] extra holds the server deps (rolo, moto-ext, airspeed...). localstack-core 4.13.1 fails with the newest cbor2/pyopenssl/cryptography and lacks service_identity.
REQUIREMENTS=(
  "localstack-core[runtime]==4.13.1"
  "cbor2<6"
  "pyopenssl<26"
  "cryptography<47"
  "service_identity"
)

# The service life cycle (scripts/lib/service.sh).
SERVICE_NAME=localstack
SERVICE_TITLE=LocalStack
SERVICE_ENV=LOCALSTACK
SERVICE_CMDLINE_MATCH="localstack.runtime.main"
SERVICE_STATE_FILES=("$PID_FILE" "$PORT_FILE")
SERVICE_READY_WORD=healthy
SERVICE_INFO_URL="$HEALTH_URL"
SERVICE_INFO_LABEL=Health
SERVICE_DEFAULT_RUNNING_PORT=4566
SERVICE_LOCK_TIMEOUT=300
SERVICE_POLL_SECONDS=0.5
SERVICE_USAGE_LINES=2,18p
SERVICE_INSTALL_LOCKED=1

# ---- helpers ---------------------------------------------------------------------------------

kinesis_source() { KS_VENV="$VENV" KS_STATE_DIR="$STATE_DIR" KS_FS_ROOT="$FS_ROOT" "$SCRIPT_DIR/kinesis-source.sh" "$@"; }

# moto's server for the Kinesis source goes when LocalStack goes (stopped, killed, or dead while starting).
service_after_exit() { kinesis_source stop; }

find_python() {
  local c
  if [[ -n "${LOCALSTACK_PYTHON:-}" ]]; then
    is_py313 "$LOCALSTACK_PYTHON" || die "LOCALSTACK_PYTHON=$LOCALSTACK_PYTHON is not a working Python 3.13"
    echo "$LOCALSTACK_PYTHON"; return
  fi
  # pyenv shims exist for every installed version but fail unless selected, hence the check that it runs.
  if command -v python3.13 >/dev/null 2>&1 && is_py313 python3.13; then
    command -v python3.13; return
  fi
  for c in $(ls -d /root/.pyenv/versions/3.13.*/bin/python3 "${PYENV_ROOT:-/nonexistent}"/versions/3.13.*/bin/python3 2>/dev/null | sort -V -r); do
    if is_py313 "$c"; then echo "$c"; return; fi
  done
  die "Python 3.13 not found (localstack-core 4.13.1's Firehose needs >= 3.13). Put python3.13 on PATH, install it with 'pyenv install 3.13', or set LOCALSTACK_PYTHON."
}

is_py313() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 13) else 1)' >/dev/null 2>&1; }

requirements_fingerprint() { printf '%s\n' "${REQUIREMENTS[@]}"; }

is_installed() {
  [[ -x "$VENV/bin/python" && -f "$MARKER" ]] || return 1
  [[ "$(cat "$MARKER")" == "$(requirements_fingerprint)" ]] || return 1
  is_py313 "$VENV/bin/python" && kinesis_source is-installed
}

# Exit 0 when every service in $SERVICES is "available" or "running" (node is always there in this repo).
service_ready() {
  local body
  body="$(curl -fsS --max-time 3 "$HEALTH_URL" 2>/dev/null)" || return 1
  HEALTH_BODY="$body" SERVICES="$SERVICES" node -e '
    let h = {};
    try { h = JSON.parse(process.env.HEALTH_BODY).services || {}; } catch { process.exit(1); }
    const bad = process.env.SERVICES.split(",").filter((s) => !["available", "running"].includes(h[s]));
    process.exit(bad.length ? 1 : 0);' 2>/dev/null
}

# ---- commands ---------------------------------------------------------------------------------

do_install() {
  if is_installed; then
    log "already installed: $VENV ($(cat "$MARKER" | tr '\n' ' '))"
    return 0
  fi
  local py
  py="$(find_python)"
  log "installing into $VENV with $py ($("$py" --version 2>&1))"
  if [[ -d "$VENV" ]] && ! is_py313 "$VENV/bin/python"; then
    log "existing venv is not Python 3.13; recreating"
    rm -rf "$VENV"
  fi
  [[ -x "$VENV/bin/python" ]] || "$py" -m venv "$VENV"
  rm -f "$MARKER"
  # pip's cache (~/.cache/pip) is used as usual; --upgrade-strategy only-if-needed keeps re-runs cheap.
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "${REQUIREMENTS[@]}" \
    || die "pip install failed"
  "$VENV/bin/python" -c 'import localstack.runtime.main' || die "localstack.runtime.main cannot be imported after install"
  kinesis_source install || die "kinesis-source install failed"
  requirements_fingerprint >"$MARKER"
  log "installed $("$VENV/bin/python" -m pip show localstack-core 2>/dev/null | awk '/^Version/{print "localstack-core " $2}')"
}

service_launch() {
  mkdir -p "$FS_ROOT"
  local ks_env
  ks_env="$(kinesis_source start)" || die "could not start moto's server for the Kinesis source (see scripts/local/kinesis-source.sh)"
  mapfile -t KS_ENV <<<"$ks_env"
  printf '\n===== %s start on %s =====\n' "$(date -u +%FT%TZ)" "$ENDPOINT" >>"$LOG_FILE"
  log "starting LocalStack on $ENDPOINT (log: $LOG_FILE)"
  # setsid: own session and process group, so a Ctrl-C meant for the caller does not half-kill it.
  # Not a job-control shell, so the background child is no group leader and setsid execs in place ($! is python).
  (
    cd "$STATE_DIR"
    exec env \
      FILESYSTEM_ROOT="$FS_ROOT" \
      OVERRIDE_IN_DOCKER=0 \
      GATEWAY_LISTEN="$HOST:$PORT" \
      LOCALSTACK_HOST="$HOST:$PORT" \
      DNS_ADDRESS=0 \
      SKIP_SSL_CERT_DOWNLOAD=1 \
      DISABLE_EVENTS=1 \
      SERVICES="$SERVICES" \
      "${KS_ENV[@]}" \
      setsid "$VENV/bin/python" -m localstack.runtime.main
  ) </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  SERVICE_PID=$!
}

service_main "$@"
