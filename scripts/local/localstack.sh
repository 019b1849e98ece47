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
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LS_DIR="$REPO_ROOT/.localstack"
VENV="$LS_DIR/venv"
MARKER="$VENV/.cdk-api-to-firehose-requirements"
PID_FILE="$LS_DIR/localstack.pid"
PORT_FILE="$LS_DIR/localstack.port"   # the port the running instance listens on (one instance per checkout)
LOG_FILE="$LS_DIR/localstack.log"
FS_ROOT="$LS_DIR/filesystem"
LOCK_FILE="$LS_DIR/.lock"

PORT="${LOCALSTACK_PORT:-4566}"
HOST="127.0.0.1"
ENDPOINT="http://$HOST:$PORT"
HEALTH_URL="$ENDPOINT/_localstack/health"
START_TIMEOUT="${LOCALSTACK_START_TIMEOUT:-120}"
STOP_TIMEOUT="${LOCALSTACK_STOP_TIMEOUT:-20}"
# route53: LocalStack's CreateDomainName (an API's custom domain) lists hosted zones.
SERVICES="s3,firehose,apigateway,iam,sts,cloudformation,logs,cloudwatch,route53"

# The [runtime] extra holds the server deps (rolo, moto-ext, airspeed...). localstack-core 4.13.1 fails with the newest cbor2/pyopenssl/cryptography and lacks service_identity.
REQUIREMENTS=(
  "localstack-core[runtime]==4.13.1"
  "cbor2<6"
  "pyopenssl<26"
  "cryptography<47"
  "service_identity"
)

log() { printf '[localstack] %s\n' "$*" >&2; }
die() { printf '[localstack] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- helpers ---------------------------------------------------------------------------------

# Serialise install/start/stop between concurrent callers. The lock fd is never passed to LocalStack.
with_lock() {
  mkdir -p "$LS_DIR"
  exec 9>"$LOCK_FILE"
  flock -w 300 9 || die "could not get $LOCK_FILE within 300 s"
  local rc=0
  "$@" || rc=$?
  flock -u 9
  exec 9>&-
  return "$rc"
}

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
  is_py313 "$VENV/bin/python"
}

pid_of_ours() {
  # Prints the pid if the pid file names a live LocalStack started by this script.
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be our venv's python running localstack.runtime.main.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'localstack.runtime.main' || return 1
  echo "$pid"
}

running_port() { cat "$PORT_FILE" 2>/dev/null || echo 4566; }

# One LocalStack per checkout (they would share FILESYSTEM_ROOT): refuse to treat it as one on another port.
check_same_port() {
  local other
  other="$(running_port)"
  [[ "$other" == "$PORT" ]] && return 0
  die "LocalStack started by this script is already running on port $other (pid $1), not $PORT. Stop it first ('$0 stop') or use LOCALSTACK_PORT=$other."
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# Exit 0 when every service in $SERVICES is "available" or "running" (node is always there in this repo).
healthy() {
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
  requirements_fingerprint >"$MARKER"
  log "installed $("$VENV/bin/python" -m pip show localstack-core 2>/dev/null | awk '/^Version/{print "localstack-core " $2}')"
}

do_start() {
  local pid
  if pid="$(pid_of_ours)"; then
    check_same_port "$pid"
    if healthy; then
      log "already running (pid $pid) and healthy at $ENDPOINT"
      return 0
    fi
    log "already running (pid $pid) but not healthy yet; waiting"
    wait_healthy "$pid"
    return
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
  if port_in_use; then
    die "port $PORT on $HOST is already in use by a process this script did not start$(describe_port). Stop it or set LOCALSTACK_PORT."
  fi
  is_installed || do_install
  mkdir -p "$FS_ROOT"
  printf '\n===== %s start on %s =====\n' "$(date -u +%FT%TZ)" "$ENDPOINT" >>"$LOG_FILE"
  log "starting LocalStack on $ENDPOINT (log: $LOG_FILE)"
  # setsid: own session and process group, so a Ctrl-C meant for the caller does not half-kill it.
  # Not a job-control shell, so the background child is no group leader and setsid execs in place ($! is python).
  (
    cd "$LS_DIR"
    exec env \
      FILESYSTEM_ROOT="$FS_ROOT" \
      OVERRIDE_IN_DOCKER=0 \
      GATEWAY_LISTEN="$HOST:$PORT" \
      LOCALSTACK_HOST="$HOST:$PORT" \
      DNS_ADDRESS=0 \
      SKIP_SSL_CERT_DOWNLOAD=1 \
      DISABLE_EVENTS=1 \
      SERVICES="$SERVICES" \
      setsid "$VENV/bin/python" -m localstack.runtime.main
  ) </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  wait_healthy "$pid"
}

wait_healthy() {
  local pid="$1" start=$SECONDS t0
  t0=$(date +%s%N)
  while (( SECONDS - start < START_TIMEOUT )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "LocalStack (pid $pid) exited during startup. Last log lines:"
      tail -n 40 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE" "$PORT_FILE"
      exit 1
    fi
    if healthy; then
      log "ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $pid): $ENDPOINT"
      return 0
    fi
    sleep 0.5
  done
  log "not healthy after ${START_TIMEOUT} s. Health: $(curl -sS --max-time 3 "$HEALTH_URL" 2>&1 || true)"
  log "last log lines:"
  tail -n 40 "$LOG_FILE" >&2 || true
  stop_pid "$pid"
  exit 1
}

describe_port() {
  local who
  who="$(ss -Hltnp "sport = :$PORT" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1)"
  [[ -n "$who" ]] && printf ' (%s)' "$who"
  return 0
}

stop_pid() {
  local pid="$1" start=$SECONDS
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= STOP_TIMEOUT )); then
      log "still running after ${STOP_TIMEOUT} s; sending SIGKILL to process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  # Children left in LocalStack's own process group (it is the leader, see setsid above).
  if pgrep -g "$pid" >/dev/null 2>&1; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE" "$PORT_FILE"
}

do_stop() {
  local pid
  if pid="$(pid_of_ours)"; then
    log "stopping (pid $pid, port $(running_port))"
    stop_pid "$pid"
    log "stopped"
  else
    rm -f "$PID_FILE" "$PORT_FILE"
    log "not running"
  fi
}

do_status() {
  local pid
  if pid="$(pid_of_ours)"; then
    if [[ "$(running_port)" != "$PORT" ]]; then
      log "running (pid $pid) on port $(running_port), not on $PORT"
      return 1
    fi
    if healthy; then
      log "running (pid $pid), healthy at $ENDPOINT"
      curl -sS --max-time 3 "$HEALTH_URL"; echo
      return 0
    fi
    log "running (pid $pid) but not healthy at $ENDPOINT"
    return 1
  fi
  if port_in_use; then
    log "not started by this script, but port $PORT is in use$(describe_port)"
  else
    log "not running"
  fi
  return 3
}

do_logs() {
  local follow=0 n=100
  for a in "$@"; do
    case "$a" in
      -f|--follow) follow=1 ;;
      *[!0-9]*) die "logs: unknown argument '$a'" ;;
      *) n="$a" ;;
    esac
  done
  [[ -f "$LOG_FILE" ]] || die "no log file yet ($LOG_FILE)"
  if (( follow )); then exec tail -n "$n" -f "$LOG_FILE"; fi
  tail -n "$n" "$LOG_FILE"
}

do_run() {
  [[ "${1:-}" == "--" ]] && shift
  (( $# > 0 )) || die "usage: $0 run -- COMMAND [ARGS...]"
  STARTED_HERE=0
  CHILD=""
  # On INT/TERM: stop the command (it runs in the background so that bash can react at once), then exit;
  # the EXIT trap stops LocalStack if this call started it - also when the command or the start failed.
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  trap 'rc=$?; trap - EXIT INT TERM; if (( STARTED_HERE )); then with_lock do_stop; fi; exit $rc' EXIT
  if ! pid_of_ours >/dev/null; then
    STARTED_HERE=1
  fi
  with_lock do_start
  local rc=0
  # Explicit <&0: a background command would otherwise get /dev/null as stdin.
  LOCALSTACK_ENDPOINT="$ENDPOINT" LOCALSTACK_PORT="$PORT" "$@" <&0 &
  CHILD=$!
  wait "$CHILD" || rc=$?
  CHILD=""
  return "$rc"
}

on_signal() {
  if [[ -n "${CHILD:-}" ]] && kill -0 "$CHILD" 2>/dev/null; then
    log "signal received; stopping the command (pid $CHILD)"
    kill -TERM "$CHILD" 2>/dev/null || true
    wait "$CHILD" 2>/dev/null || true
  fi
  exit "$1"
}

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  install) with_lock do_install ;;
  start) with_lock do_start ;;
  stop) with_lock do_stop ;;
  status) do_status ;;
  logs) do_logs "$@" ;;
  run) do_run "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
