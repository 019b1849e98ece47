#!/usr/bin/env bash
# Run Trino (the engine behind Athena engine version 3) on one node, with a `hive` catalog that keeps its metastore
# in local files and reads S3 from LocalStack. For local end-to-end checks of Glue tables and Athena queries.
#
#   scripts/local/trino.sh install          fetch Trino and its Hive plugin with Maven (cached) and unpack them
#   scripts/local/trino.sh start            start in the background and wait until it accepts queries
#   scripts/local/trino.sh stop             stop (SIGTERM, then SIGKILL after a timeout)
#   scripts/local/trino.sh status           print state; exit 0 only if running and ready
#   scripts/local/trino.sh logs [-f] [N]    print the last N (100) log lines, -f to follow
#   scripts/local/trino.sh run -- CMD...    start if needed, run CMD, stop on exit if this call started it
#
# Environment:
#   TRINO_PORT            HTTP port on 127.0.0.1 (default 8080)
#   LOCALSTACK_ENDPOINT   S3 endpoint for the hive catalog (default http://127.0.0.1:${LOCALSTACK_PORT:-4566});
#                         set by `scripts/local/localstack.sh run`, so the two nest
#   TRINO_JAVA_HOME       a JDK 24+ (default /usr/lib/jvm/temurin-25-jdk-amd64)
#   TRINO_HEAP            JVM heap (default 2G)
#   TRINO_START_TIMEOUT   seconds to wait for readiness (default 180)
#   TRINO_STOP_TIMEOUT    seconds between SIGTERM and SIGKILL (default 30)
# Commands run by `run` get TRINO_ENDPOINT=http://127.0.0.1:$TRINO_PORT and TRINO_PORT.
# The metastore (schemas, tables) starts empty on every start, like LocalStack's S3. See docs/trino-notes.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

TRINO_VERSION=476
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose"
INSTALL_DIR="$CACHE_ROOT/trino-$TRINO_VERSION"      # server/ (trino-server-core) and plugins/hive; shared by checkouts
INSTALL_MARKER="$INSTALL_DIR/.installed"
INSTALL_LOCK="$CACHE_ROOT/.trino-$TRINO_VERSION.lock"
SERVER_DIR="$INSTALL_DIR/server"
PLUGIN_DIR="$INSTALL_DIR/plugins"                   # only the plugins we load (hive), for a short start
CDS_DIR="$INSTALL_DIR/cds"                          # class-data-sharing archives, one per JDK build
# The Maven plugin that fetches the artifacts, pinned so a warm ~/.m2 needs no metadata look-up.
MVN_DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.7.1"
ARTIFACTS=("io.trino:trino-server-core:$TRINO_VERSION:tar.gz" "io.trino:trino-hive:$TRINO_VERSION:zip")

STATE_DIR="$REPO_ROOT/.trino"                       # per checkout: config, data, metastore, log, pid
PID_FILE="$STATE_DIR/trino.pid"
CDS_PENDING_FILE="$STATE_DIR/trino.cds-pending"     # archive this instance writes at exit, renamed into CDS_DIR by stop
PORT_FILE="$STATE_DIR/trino.port"
S3_FILE="$STATE_DIR/trino.s3-endpoint"
LOG_FILE="$STATE_DIR/trino.log"
LOCK_FILE="$STATE_DIR/.lock"
ETC_DIR="$STATE_DIR/etc"
WAREHOUSE_DIR="$STATE_DIR/warehouse"                # root of the local:// file system; the metastore lives in it

PORT="${TRINO_PORT:-8080}"
HOST="127.0.0.1"
ENDPOINT="http://$HOST:$PORT"
S3_ENDPOINT="${LOCALSTACK_ENDPOINT:-http://127.0.0.1:${LOCALSTACK_PORT:-4566}}"
JAVA_HOME_DIR="${TRINO_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME_DIR/bin/java"
HEAP="${TRINO_HEAP:-2G}"
START_TIMEOUT="${TRINO_START_TIMEOUT:-180}"
STOP_TIMEOUT="${TRINO_STOP_TIMEOUT:-30}"
MAIN_CLASS="io.trino.server.TrinoServer"

log() { printf '[trino] %s\n' "$*" >&2; }
die() { printf '[trino] ERROR: %s\n' "$*" >&2; exit 1; }

# ---- helpers ---------------------------------------------------------------------------------

# Serialise start/stop between concurrent callers of this checkout. The lock fd is never passed to Trino.
with_lock() {
  mkdir -p "$STATE_DIR"
  exec 8>"$LOCK_FILE"
  flock -w 600 8 || die "could not get $LOCK_FILE within 600 s"
  local rc=0
  "$@" || rc=$?
  flock -u 8
  exec 8>&-
  return "$rc"
}

check_java() {
  [[ -x "$JAVA" ]] || die "no Java at $JAVA_HOME_DIR (Trino $TRINO_VERSION needs Java 24 or newer). Install a JDK 24+ and set TRINO_JAVA_HOME."
  local v major
  v="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  JAVA_RUNTIME_VERSION="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.runtime.version = //p')"
  major="${v%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot read the Java version of $JAVA"
  (( major >= 24 )) || die "$JAVA is Java $v; Trino $TRINO_VERSION needs Java 24 or newer. Set TRINO_JAVA_HOME."
}

install_fingerprint() { printf '%s\n' "${ARTIFACTS[@]}"; }

is_installed() {
  [[ -f "$INSTALL_MARKER" && "$(cat "$INSTALL_MARKER")" == "$(install_fingerprint)" ]] || return 1
  [[ -f "$SERVER_DIR/lib/io.trino_trino-main-$TRINO_VERSION.jar" && -f "$PLUGIN_DIR/hive/io.trino_trino-hive-$TRINO_VERSION.jar" ]]
}

pid_of_ours() {
  # Prints the pid if the pid file names a live Trino started by this script for this checkout.
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be Java running Trino with this checkout's configuration.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-Dconfig=$ETC_DIR/config.properties" || return 1
  echo "$pid"
}

running_port() { cat "$PORT_FILE" 2>/dev/null || echo "?"; }

# One Trino per checkout (they would share .trino/): refuse to treat it as one on another port or S3 endpoint.
check_same_instance() {
  local other_port other_s3
  other_port="$(running_port)"
  other_s3="$(cat "$S3_FILE" 2>/dev/null || echo "?")"
  [[ "$other_port" == "$PORT" ]] \
    || die "Trino started by this script is already running on port $other_port (pid $1), not $PORT. Stop it first ('$0 stop') or use TRINO_PORT=$other_port."
  [[ "$other_s3" == "$S3_ENDPOINT" ]] \
    || die "Trino started by this script (pid $1) reads S3 at $other_s3, not $S3_ENDPOINT. Stop it first ('$0 stop')."
}

port_in_use() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

describe_port() {
  local who
  who="$(ss -Hltnp "sport = :$PORT" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n1)"
  [[ -n "$who" ]] && printf ' (%s)' "$who"
  return 0
}

# Ready when the coordinator has finished starting (static catalogs are loaded before that) and has discovered
# itself as a worker: until then queries that scan tables fail with NO_NODES_AVAILABLE (a few seconds after start).
ready() {
  local body
  body="$(curl -fsS --max-time 3 "$ENDPOINT/v1/info" 2>/dev/null)" || return 1
  [[ "$body" == *'"starting":false'* ]] || return 1
  ENDPOINT="$ENDPOINT" node -e '
    const sql = "SELECT count(*) FROM system.runtime.nodes WHERE state = '"'"'active'"'"'";
    const headers = { "X-Trino-User": "trino.sh" };
    (async () => {
      let r = await (await fetch(process.env.ENDPOINT + "/v1/statement", { method: "POST", body: sql, headers, signal: AbortSignal.timeout(5000) })).json();
      let n = 0;
      for (;;) {
        if (r.error) process.exit(1);
        if (r.data) n = r.data[0][0];
        if (!r.nextUri) break;
        r = await (await fetch(r.nextUri, { headers, signal: AbortSignal.timeout(5000) })).json();
      }
      process.exit(n >= 1 ? 0 : 1);
    })().catch(() => process.exit(1));' 2>/dev/null
}

rss_mb() { awk '/^VmRSS/{printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# ---- commands ---------------------------------------------------------------------------------

do_install() {
  check_java
  mkdir -p "$CACHE_ROOT"
  exec 7>"$INSTALL_LOCK"
  flock -w 900 7 || die "could not get $INSTALL_LOCK within 900 s (another install running?)"
  if is_installed; then
    log "already installed: $INSTALL_DIR (Trino $TRINO_VERSION, plugins: $(ls "$PLUGIN_DIR" | tr '\n' ' '))"
    exec 7>&-
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; Maven fetches Trino from the Maven repository it is configured with."
  local t0=$SECONDS tmp a
  rm -rf "$CACHE_ROOT"/.trino-install.*   # left by an interrupted install (we hold the lock)
  tmp="$(mktemp -d "$CACHE_ROOT/.trino-install.XXXXXX")"
  log "fetching ${ARTIFACTS[*]} with Maven (cached in the local Maven repository; about 450 MB on first use)"
  for a in "${ARTIFACTS[@]}"; do
    # Offline first: with the artifact in the local Maven repository that skips the remote checks (about 10 s each).
    mvn -B -q -o "$MVN_DEPENDENCY_PLUGIN:copy" -Dartifact="$a" -DoutputDirectory="$tmp/dl" >/dev/null 2>&1 \
      || mvn -B -q --strict-checksums "$MVN_DEPENDENCY_PLUGIN:copy" -Dartifact="$a" -DoutputDirectory="$tmp/dl" \
      || die "Maven could not fetch $a"
  done
  log "fetched in $((SECONDS - t0)) s; unpacking into $INSTALL_DIR"
  mkdir -p "$tmp/unpacked/server" "$tmp/unpacked/plugins" "$tmp/hive"
  tar -xzf "$tmp/dl/trino-server-core-$TRINO_VERSION.tar.gz" -C "$tmp/unpacked/server" --strip-components=1 \
    || die "cannot unpack trino-server-core-$TRINO_VERSION.tar.gz"
  unzip -q "$tmp/dl/trino-hive-$TRINO_VERSION.zip" -d "$tmp/hive" || die "cannot unpack trino-hive-$TRINO_VERSION.zip"
  mv "$tmp/hive/trino-hive-$TRINO_VERSION" "$tmp/unpacked/plugins/hive"
  [[ -f "$tmp/unpacked/server/lib/io.trino_trino-main-$TRINO_VERSION.jar" ]] || die "unexpected layout: no lib/io.trino_trino-main-$TRINO_VERSION.jar in trino-server-core"
  [[ -f "$tmp/unpacked/plugins/hive/io.trino_trino-hive-$TRINO_VERSION.jar" ]] || die "unexpected layout: no io.trino_trino-hive-$TRINO_VERSION.jar in trino-hive"
  rm -rf "$INSTALL_DIR"
  mv "$tmp/unpacked" "$INSTALL_DIR"
  install_fingerprint >"$INSTALL_MARKER"
  rm -rf "$tmp"
  exec 7>&-
  log "installed Trino $TRINO_VERSION with the hive plugin in $((SECONDS - t0)) s: $INSTALL_DIR ($(du -sh "$INSTALL_DIR" | cut -f1))"
}

write_config() {
  rm -rf "$ETC_DIR" "$WAREHOUSE_DIR"
  mkdir -p "$ETC_DIR/catalog" "$WAREHOUSE_DIR/metastore" "$STATE_DIR/data"
  cat >"$ETC_DIR/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$PORT
discovery.uri=$ENDPOINT
plugin.dir=$PLUGIN_DIR
catalog.config-dir=$ETC_DIR/catalog
query.max-memory=1GB
query.max-memory-per-node=1GB
web-ui.enabled=false
http-server.log.enabled=false
EOF
  # Athena reads Glue tables whose data is in S3; here the metastore is local files (hive.metastore=file), the data
  # is LocalStack S3 via the native S3 file system. Partition projection must be enabled in the catalog.
  cat >"$ETC_DIR/catalog/hive.properties" <<EOF
connector.name=hive
hive.metastore=file
hive.metastore.catalog.dir=local:///metastore
fs.native-local.enabled=true
local.location=$WAREHOUSE_DIR
fs.native-s3.enabled=true
s3.endpoint=$S3_ENDPOINT
s3.region=us-east-1
s3.path-style-access=true
s3.aws-access-key=test
s3.aws-secret-key=test
hive.partition-projection-enabled=true
hive.non-managed-table-writes-enabled=true
EOF
  cat >"$ETC_DIR/log.properties" <<EOF
io.trino=INFO
io.airlift=WARN
EOF
}

do_start() {
  local pid
  if pid="$(pid_of_ours)"; then
    check_same_instance "$pid"
    if ready; then
      log "already running (pid $pid) and ready at $ENDPOINT"
      return 0
    fi
    log "already running (pid $pid) but not ready yet; waiting"
    wait_ready "$pid"
    return
  fi
  rm -f "$PID_FILE" "$PORT_FILE" "$S3_FILE"
  check_java
  if port_in_use; then
    die "port $PORT on $HOST is already in use by a process this script did not start$(describe_port). Stop it or set TRINO_PORT."
  fi
  is_installed || do_install
  write_config
  # Start-up on 2 busy cores is dominated by class loading and JIT: C1 only (TieredStopAtLevel=1) starts about 1.5x
  # faster and is ample for test-sized queries; a class-data-sharing archive saves a further ~25%. The first start
  # with a JDK writes the archive at exit to a private file; `stop` renames it into the cache (atomic, so
  # concurrent checkouts only ever read complete archives).
  local cds_archive="$CDS_DIR/java-${JAVA_RUNTIME_VERSION//[^A-Za-z0-9._+-]/_}.jsa" cds_opts
  mkdir -p "$CDS_DIR"
  rm -f "$CDS_PENDING_FILE"
  if [[ -f "$cds_archive" ]]; then
    cds_opts="-XX:SharedArchiveFile=$cds_archive"
  else
    cds_opts="-XX:ArchiveClassesAtExit=$CDS_DIR/.pending-$$.jsa"
    printf '%s\n%s\n' "$CDS_DIR/.pending-$$.jsa" "$cds_archive" >"$CDS_PENDING_FILE"
  fi
  printf '\n===== %s start on %s (S3 at %s) =====\n' "$(date -u +%FT%TZ)" "$ENDPOINT" "$S3_ENDPOINT" >>"$LOG_FILE"
  log "starting Trino $TRINO_VERSION on $ENDPOINT, S3 at $S3_ENDPOINT (log: $LOG_FILE)"
  # setsid: own session and process group, so a Ctrl-C meant for the caller does not half-kill it.
  (
    cd "$STATE_DIR"
    exec setsid "$JAVA" \
      -Xmx"$HEAP" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:ReservedCodeCacheSize=256M \
      -XX:TieredStopAtLevel=1 "$cds_opts" -Xlog:cds=warning,cds+dynamic=warning \
      -XX:+EnableDynamicAgentLoading --enable-native-access=ALL-UNNAMED -Djdk.attach.allowAttachSelf=true \
      -Dfile.encoding=UTF-8 -Duser.timezone=UTC ${TRINO_JVM_OPTS:-} \
      -Dconfig="$ETC_DIR/config.properties" -Dlog.levels-file="$ETC_DIR/log.properties" \
      -Dnode.environment=local -Dnode.id=cdk-api-to-firehose -Dnode.data-dir="$STATE_DIR/data" \
      -Dnode.internal-address="$HOST" -Dnode.bind-ip="$HOST" \
      -cp "$SERVER_DIR/lib/*" "$MAIN_CLASS"
  ) </dev/null >>"$LOG_FILE" 2>&1 8>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$PORT" >"$PORT_FILE"
  echo "$S3_ENDPOINT" >"$S3_FILE"
  wait_ready "$pid"
}

wait_ready() {
  local pid="$1" start=$SECONDS t0
  t0=$(date +%s%N)
  while (( SECONDS - start < START_TIMEOUT )); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "Trino (pid $pid) exited during startup. Errors and last log lines:"
      grep -E '^[0-9]+\) Error|ERROR' "$LOG_FILE" | tail -n 10 >&2 || true
      tail -n 20 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE" "$PORT_FILE" "$S3_FILE"
      publish_cds_archive 1
      exit 1
    fi
    if ready; then
      log "ready after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $pid, RSS $(rss_mb "$pid") MB): $ENDPOINT"
      return 0
    fi
    sleep 0.25
  done
  log "not ready after ${START_TIMEOUT} s. /v1/info: $(curl -sS --max-time 3 "$ENDPOINT/v1/info" 2>&1 || true)"
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
  rm -f "$PID_FILE" "$PORT_FILE" "$S3_FILE"
  publish_cds_archive "$killed"
}

# After a clean exit the JVM has written the class-data-sharing archive it was asked for; move it into the cache.
publish_cds_archive() {
  [[ -f "$CDS_PENDING_FILE" ]] || return 0
  local pending final
  { read -r pending; read -r final; } <"$CDS_PENDING_FILE"
  rm -f "$CDS_PENDING_FILE"
  # A JVM killed while dumping leaves a partial file: publish only after a clean exit.
  if [[ "${1:-0}" == 0 && -s "$pending" && ! -f "$final" ]]; then
    mv -f "$pending" "$final" && log "class-data-sharing archive for later starts: $final ($(du -h "$final" | cut -f1))"
  fi
  rm -f "$pending"
}

do_stop() {
  local pid
  if pid="$(pid_of_ours)"; then
    log "stopping (pid $pid, port $(running_port), RSS $(rss_mb "$pid") MB)"
    stop_pid "$pid"
    log "stopped"
  else
    rm -f "$PID_FILE" "$PORT_FILE" "$S3_FILE"
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
    if ready; then
      log "running (pid $pid, RSS $(rss_mb "$pid") MB), ready at $ENDPOINT, S3 at $(cat "$S3_FILE" 2>/dev/null)"
      curl -sS --max-time 3 "$ENDPOINT/v1/info"; echo
      return 0
    fi
    log "running (pid $pid) but not ready at $ENDPOINT"
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
  # the EXIT trap stops Trino if this call started it - also when the command or the start failed.
  trap 'on_signal 130' INT
  trap 'on_signal 143' TERM
  trap 'rc=$?; trap - EXIT INT TERM; if (( STARTED_HERE )); then with_lock do_stop; fi; exit $rc' EXIT
  if ! pid_of_ours >/dev/null; then
    STARTED_HERE=1
  fi
  with_lock do_start
  local rc=0
  # Explicit <&0: a background command would otherwise get /dev/null as stdin.
  TRINO_ENDPOINT="$ENDPOINT" TRINO_PORT="$PORT" "$@" <&0 &
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
  sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'
}

cmd="${1:-}"
[[ $# -gt 0 ]] && shift
case "$cmd" in
  install) do_install ;;
  start) with_lock do_start ;;
  stop) with_lock do_stop ;;
  status) do_status ;;
  logs) do_logs "$@" ;;
  run) do_run "$@" ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
