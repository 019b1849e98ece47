# shellcheck shell=bash
# The life cycle of a local service that one script runs in the background for this checkout: a lock between
# concurrent callers, pid and port files, start and wait until ready, stop (SIGTERM, then SIGKILL), status, logs,
# and `run -- CMD` (start if needed, run CMD, stop afterwards if this call started it).
# Sourced by scripts/local/localstack.sh and scripts/local/trino.sh.
#
# Before calling service_main, the script sets:
#   SERVICE_NAME          log prefix, e.g. localstack
#   SERVICE_TITLE         name in messages, e.g. LocalStack
#   SERVICE_ENV           prefix of the environment variables: ${SERVICE_ENV}_PORT selects the port, and `run`
#                         exports ${SERVICE_ENV}_ENDPOINT and ${SERVICE_ENV}_PORT to its command
#   SERVICE_CMDLINE_MATCH text the service's /proc/PID/cmdline contains (guards against pid reuse)
#   SERVICE_STATE_FILES   array: files that describe the running instance (pid and port files first)
#   SERVICE_READY_WORD    "healthy" or "ready", as messages say it
#   SERVICE_INFO_URL, SERVICE_INFO_LABEL   what `status` prints, and a timed-out start reports
#   SERVICE_DEFAULT_RUNNING_PORT           the port assumed when a pid file has no port file beside it
#   SERVICE_LOCK_TIMEOUT  seconds to wait for the lock
#   SERVICE_POLL_SECONDS  pause between readiness checks
#   SERVICE_USAGE_LINES   sed range of the script's header comment that `help` prints, e.g. 2,17p
#   SERVICE_INSTALL_LOCKED  1: `install` takes the lock; 0: do_install serialises itself
#   STATE_DIR PID_FILE PORT_FILE LOG_FILE LOCK_FILE HOST PORT ENDPOINT START_TIMEOUT STOP_TIMEOUT
# and defines:
#   service_ready         exit 0 when the service answers as ready
#   is_installed, do_install
#   service_launch        start the service in the background (no lock fd passed on) and set SERVICE_PID
# It may redefine (after sourcing) the defaults below: service_preflight, check_same_instance, service_pid_detail,
# service_status_detail, service_show_startup_failure, service_after_exit.

log() { printf '[%s] %s\n' "$SERVICE_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$SERVICE_NAME" "$*" >&2; exit 1; }

# ---- hooks with defaults -----------------------------------------------------------------------

# Checks before a start (e.g. the runtime a service needs).
service_preflight() { :; }

# One instance per checkout (they would share STATE_DIR): refuse to treat it as one on another port.
check_same_instance() { check_same_port "$1"; }

# Text appended to "(pid N" in messages, e.g. ", RSS 400 MB".
service_pid_detail() { :; }

# Text appended to the status line of a ready instance.
service_status_detail() { :; }

# Prints why the service (pid $1) exited while starting.
service_show_startup_failure() {
  log "$SERVICE_TITLE (pid $1) exited during startup. Last log lines:"
  tail -n 40 "$LOG_FILE" >&2 || true
}

# Runs after the service's process has gone; $1 is 1 when it had to be killed (or died while starting).
service_after_exit() { :; }

# ---- helpers -----------------------------------------------------------------------------------

# Serialise start/stop (and install, where asked) between concurrent callers. The lock fd (9) is never passed to
# the service: service_launch closes it for the child.
with_lock() {
  mkdir -p "$STATE_DIR"
  exec 9>"$LOCK_FILE"
  flock -w "$SERVICE_LOCK_TIMEOUT" 9 || die "could not get $LOCK_FILE within $SERVICE_LOCK_TIMEOUT s"
  local rc=0
  "$@" || rc=$?
  flock -u 9
  exec 9>&-
  return "$rc"
}

# Prints the pid if the pid file names a live instance started by this script for this checkout.
pid_of_ours() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be the service this script starts.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SERVICE_CMDLINE_MATCH" || return 1
  echo "$pid"
}

running_port() { cat "$PORT_FILE" 2>/dev/null || echo "$SERVICE_DEFAULT_RUNNING_PORT"; }

check_same_port() {
  local other
  other="$(running_port)"
  [[ "$other" == "$PORT" ]] && return 0
  die "$SERVICE_TITLE started by this script is already running on port $other (pid $1), not $PORT. Stop it first ('$0 stop') or use ${SERVICE_ENV}_PORT=$other."
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

describe_port() {
  local who
  who="$(ss -Hltnp "sport = :$PORT" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1)"
  [[ -n "$who" ]] && printf ' (%s)' "$who"
  return 0
}

remove_state_files() { rm -f "${SERVICE_STATE_FILES[@]}"; }

# ---- life cycle --------------------------------------------------------------------------------

do_start() {
  local pid
  if pid="$(pid_of_ours)"; then
    check_same_instance "$pid"
    if service_ready; then
      log "already running (pid $pid) and $SERVICE_READY_WORD at $ENDPOINT"
      return 0
    fi
    log "already running (pid $pid) but not $SERVICE_READY_WORD yet; waiting"
    wait_ready "$pid"
    return
  fi
  remove_state_files
  service_preflight
  if port_in_use; then
    die "port $PORT on $HOST is already in use by a process this script did not start$(describe_port). Stop it or set ${SERVICE_ENV}_PORT."
  fi
  is_installed || do_install
  SERVICE_PID=""
  service_launch
  pid="$SERVICE_PID"
  [[ -n "$pid" ]] || die "service_launch did not set SERVICE_PID"
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  wait_ready "$pid"
}

wait_ready() {
  local pid="$1" start=$SECONDS t0
  t0=$(date +%s%N)
  while (( SECONDS - start < START_TIMEOUT )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      service_show_startup_failure "$pid"
      remove_state_files
      service_after_exit 1
      exit 1
    fi
    if service_ready; then
      log "ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $pid$(service_pid_detail "$pid")): $ENDPOINT"
      return 0
    fi
    sleep "$SERVICE_POLL_SECONDS"
  done
  log "not $SERVICE_READY_WORD after ${START_TIMEOUT} s. $SERVICE_INFO_LABEL: $(curl -sS --max-time 3 "$SERVICE_INFO_URL" 2>&1 || true)"
  log "last log lines:"
  tail -n 40 "$LOG_FILE" >&2 || true
  stop_pid "$pid"
  exit 1
}

stop_pid() {
  local pid="$1" start=$SECONDS killed=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= STOP_TIMEOUT )); then
      log "still running after ${STOP_TIMEOUT} s; sending SIGKILL to process group $pid"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      killed=1
      break
    fi
    sleep 0.2
  done
  # Children left in the service's own process group (it is the leader: service_launch starts it with setsid).
  if pgrep -g "$pid" >/dev/null 2>&1; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  remove_state_files
  service_after_exit "$killed"
}

do_stop() {
  local pid
  if pid="$(pid_of_ours)"; then
    log "stopping (pid $pid, port $(running_port)$(service_pid_detail "$pid"))"
    stop_pid "$pid"
    log "stopped"
  else
    remove_state_files
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
    if service_ready; then
      log "running (pid $pid$(service_pid_detail "$pid")), $SERVICE_READY_WORD at $ENDPOINT$(service_status_detail)"
      curl -sS --max-time 3 "$SERVICE_INFO_URL"; echo
      return 0
    fi
    log "running (pid $pid) but not $SERVICE_READY_WORD at $ENDPOINT"
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
  # the EXIT trap stops the service if this call started it - also when the command or the start failed.
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  trap 'rc=$?; trap - EXIT INT TERM; if (( STARTED_HERE )); then with_lock do_stop; fi; exit $rc' EXIT
  if ! pid_of_ours >/dev/null; then
    STARTED_HERE=1
  fi
  with_lock do_start
  local rc=0
  # Explicit <&0: a background command would otherwise get /dev/null as stdin. The subshell execs the command, so
  # CHILD is the command's pid.
  (
    export "${SERVICE_ENV}_ENDPOINT=$ENDPOINT" "${SERVICE_ENV}_PORT=$PORT"
    exec "$@"
  ) <&0 &
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
  sed -n "$SERVICE_USAGE_LINES" "$0" | sed 's/^# \{0,1\}//'
}

service_main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) if (( SERVICE_INSTALL_LOCKED )); then with_lock do_install; else do_install; fi ;;
    start) with_lock do_start ;;
    stop) with_lock do_stop ;;
    status) do_status ;;
    logs) do_logs "$@" ;;
    run) do_run "$@" ;;
    -h|--help|help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}
