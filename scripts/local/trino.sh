#!/usr/bin/env bash
# Run Trino (the engine behind Athena engine version 3) on one node, with a `hive` catalog that keeps its metastore
# in local files and reads S3 from LocalStack, and an `iceberg` catalog on the same metastore (as Athena sees Hive and
# Iceberg tables in one Glue catalog). For local end-to-end checks of Glue tables, Athena queries and curated tables.
#
#   scripts/local/trino.sh install          fetch Trino, its Hive and Iceberg plugins with Maven (cached), unpack them
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
# shellcheck source=../lib/service.sh
source "$SCRIPT_DIR/../lib/service.sh"

TRINO_VERSION=476
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose"
INSTALL_DIR="$CACHE_ROOT/trino-$TRINO_VERSION"      # server/ (trino-server-core) and plugins/hive; shared by checkouts
INSTALL_MARKER="$INSTALL_DIR/.installed"
INSTALL_LOCK="$CACHE_ROOT/.trino-$TRINO_VERSION.lock"
SERVER_DIR="$INSTALL_DIR/server"
PLUGIN_DIR="$INSTALL_DIR/plugins"                   # the hive plugin
# The Iceberg plugin (346 MB zip) is cached beside the server, with its own marker and lock, so that checkouts whose
# script predates it keep their installation as it is.
ICEBERG_DIR="$CACHE_ROOT/trino-$TRINO_VERSION-iceberg"
ICEBERG_MARKER="$ICEBERG_DIR/.installed"
ICEBERG_ARTIFACT="io.trino:trino-iceberg:$TRINO_VERSION:zip"
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
LOADED_PLUGINS_DIR="$STATE_DIR/plugins"             # links to the plugins this checkout loads (hive, iceberg)

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

# The service life cycle (scripts/lib/service.sh).
SERVICE_NAME=trino
SERVICE_TITLE=Trino
SERVICE_ENV=TRINO
SERVICE_CMDLINE_MATCH="-Dconfig=$ETC_DIR/config.properties"   # Java running Trino with this checkout's configuration
SERVICE_STATE_FILES=("$PID_FILE" "$PORT_FILE" "$S3_FILE")
SERVICE_READY_WORD=ready
SERVICE_INFO_URL="$ENDPOINT/v1/info"
SERVICE_INFO_LABEL=/v1/info
SERVICE_DEFAULT_RUNNING_PORT="?"
SERVICE_LOCK_TIMEOUT=600
SERVICE_POLL_SECONDS=0.25
SERVICE_USAGE_LINES=2,22p
SERVICE_INSTALL_LOCKED=0   # do_install takes a lock of its own, shared by all checkouts

# ---- helpers ---------------------------------------------------------------------------------

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

is_installed() { is_server_installed && is_iceberg_installed; }

is_server_installed() {
  [[ -f "$INSTALL_MARKER" && "$(cat "$INSTALL_MARKER")" == "$(install_fingerprint)" ]] || return 1
  [[ -f "$SERVER_DIR/lib/io.trino_trino-main-$TRINO_VERSION.jar" && -f "$PLUGIN_DIR/hive/io.trino_trino-hive-$TRINO_VERSION.jar" ]]
}

is_iceberg_installed() {
  [[ -f "$ICEBERG_MARKER" && "$(cat "$ICEBERG_MARKER")" == "$ICEBERG_ARTIFACT" ]] || return 1
  [[ -f "$ICEBERG_DIR/iceberg/io.trino_trino-iceberg-$TRINO_VERSION.jar" ]]
}

# Fetch one artifact into a directory with Maven: offline first (a warm local repository needs no remote checks,
# about 10 s saved per artifact), else from the configured repository with checksums checked.
mvn_fetch() {
  mvn -B -q -o "$MVN_DEPENDENCY_PLUGIN:copy" -Dartifact="$1" -DoutputDirectory="$2" >/dev/null 2>&1 \
    || mvn -B -q --strict-checksums "$MVN_DEPENDENCY_PLUGIN:copy" -Dartifact="$1" -DoutputDirectory="$2" \
    || die "Maven could not fetch $1"
}

# One Trino per checkout (they would share .trino/): refuse to treat it as one on another port or S3 endpoint.
check_same_instance() {
  local other_s3
  check_same_port "$1"
  other_s3="$(cat "$S3_FILE" 2>/dev/null || echo "?")"
  [[ "$other_s3" == "$S3_ENDPOINT" ]] \
    || die "Trino started by this script (pid $1) reads S3 at $other_s3, not $S3_ENDPOINT. Stop it first ('$0 stop')."
}

# Ready when the coordinator has finished starting (static catalogs are loaded before that) and has discovered
# itself as a worker: until then queries that scan tables fail with NO_NODES_AVAILABLE (a few seconds after start).
service_ready() {
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

# Hooks of scripts/lib/service.sh: Java is checked before a start; messages name the memory in use and S3.
service_preflight() { check_java; }
service_pid_detail() { printf ', RSS %s MB' "$(rss_mb "$1")"; }
service_status_detail() { printf ', S3 at %s' "$(cat "$S3_FILE" 2>/dev/null)"; }

service_show_startup_failure() {
  log "Trino (pid $1) exited during startup. Errors and last log lines:"
  grep -E '^[0-9]+\) Error|ERROR' "$LOG_FILE" | tail -n 10 >&2 || true
  tail -n 20 "$LOG_FILE" >&2 || true
}

# The class-data-sharing archive is published only after a clean exit.
service_after_exit() { publish_cds_archive "$1"; }

# ---- commands ---------------------------------------------------------------------------------

do_install() {
  check_java
  mkdir -p "$CACHE_ROOT"
  exec 7>"$INSTALL_LOCK"
  flock -w 900 7 || die "could not get $INSTALL_LOCK within 900 s (another install running?)"
  if is_installed; then
    log "already installed: $INSTALL_DIR (Trino $TRINO_VERSION, plugins: hive) and $ICEBERG_DIR (iceberg)"
    exec 7>&-
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn not found; Maven fetches Trino from the Maven repository it is configured with."
  is_server_installed || install_server
  is_iceberg_installed || install_iceberg
  exec 7>&-
}

install_server() {
  local t0=$SECONDS tmp a
  rm -rf "$CACHE_ROOT"/.trino-install.*   # left by an interrupted install (we hold the lock)
  tmp="$(mktemp -d "$CACHE_ROOT/.trino-install.XXXXXX")"
  log "fetching ${ARTIFACTS[*]} with Maven (cached in the local Maven repository; about 450 MB on first use)"
  for a in "${ARTIFACTS[@]}"; do mvn_fetch "$a" "$tmp/dl"; done
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
  log "installed Trino $TRINO_VERSION with the hive plugin in $((SECONDS - t0)) s: $INSTALL_DIR ($(du -sh "$INSTALL_DIR" | cut -f1))"
}

install_iceberg() {
  local t0=$SECONDS tmp
  rm -rf "$CACHE_ROOT"/.trino-iceberg-install.*
  tmp="$(mktemp -d "$CACHE_ROOT/.trino-iceberg-install.XXXXXX")"
  log "fetching $ICEBERG_ARTIFACT with Maven (cached in the local Maven repository; about 346 MB on first use)"
  mvn_fetch "$ICEBERG_ARTIFACT" "$tmp/dl"
  log "fetched in $((SECONDS - t0)) s; unpacking into $ICEBERG_DIR"
  mkdir -p "$tmp/zip" "$tmp/unpacked"
  unzip -q "$tmp/dl/trino-iceberg-$TRINO_VERSION.zip" -d "$tmp/zip" || die "cannot unpack trino-iceberg-$TRINO_VERSION.zip"
  mv "$tmp/zip/trino-iceberg-$TRINO_VERSION" "$tmp/unpacked/iceberg"
  [[ -f "$tmp/unpacked/iceberg/io.trino_trino-iceberg-$TRINO_VERSION.jar" ]] || die "unexpected layout: no io.trino_trino-iceberg-$TRINO_VERSION.jar in trino-iceberg"
  rm -rf "$ICEBERG_DIR"
  mv "$tmp/unpacked" "$ICEBERG_DIR"
  echo "$ICEBERG_ARTIFACT" >"$ICEBERG_MARKER"
  rm -rf "$tmp"
  log "installed the iceberg plugin in $((SECONDS - t0)) s: $ICEBERG_DIR ($(du -sh "$ICEBERG_DIR" | cut -f1))"
}

write_config() {
  rm -rf "$ETC_DIR" "$WAREHOUSE_DIR" "$LOADED_PLUGINS_DIR"
  mkdir -p "$ETC_DIR/catalog" "$WAREHOUSE_DIR/metastore" "$STATE_DIR/data" "$LOADED_PLUGINS_DIR"
  ln -s "$PLUGIN_DIR/hive" "$LOADED_PLUGINS_DIR/hive"
  ln -s "$ICEBERG_DIR/iceberg" "$LOADED_PLUGINS_DIR/iceberg"
  cat >"$ETC_DIR/config.properties" <<EOF
coordinator=true
node-scheduler.include-coordinator=true
http-server.http.port=$PORT
discovery.uri=$ENDPOINT
plugin.dir=$LOADED_PLUGINS_DIR
catalog.config-dir=$ETC_DIR/catalog
query.max-memory=1GB
query.max-memory-per-node=1GB
web-ui.enabled=false
http-server.log.enabled=false
EOF
  # Athena reads Glue tables whose data is in S3; here the metastore is local files (hive.metastore=file), the data
  # is LocalStack S3 via the native S3 file system; both catalogs share these storage settings. Partition projection
  # must be enabled in the hive catalog.
  local storage
  storage=$(cat <<EOF
hive.metastore.catalog.dir=local:///metastore
fs.native-local.enabled=true
local.location=$WAREHOUSE_DIR
fs.native-s3.enabled=true
s3.endpoint=$S3_ENDPOINT
s3.region=us-east-1
s3.path-style-access=true
s3.aws-access-key=test
s3.aws-secret-key=test
EOF
)
  cat >"$ETC_DIR/catalog/hive.properties" <<EOF
connector.name=hive
hive.metastore=file
$storage
hive.partition-projection-enabled=true
hive.non-managed-table-writes-enabled=true
hive.iceberg-catalog-name=iceberg
EOF
  # The curated tables (Iceberg) in the same metastore and S3 (Trino's Iceberg connector names its file metastore
  # TESTING_FILE_METASTORE; hive_metastore would want Thrift), so that each catalog reaches the other's tables by redirection,
  # as Athena reaches Hive and Iceberg tables of one Glue catalog.
  cat >"$ETC_DIR/catalog/iceberg.properties" <<EOF
connector.name=iceberg
iceberg.catalog.type=TESTING_FILE_METASTORE
iceberg.hive-catalog-name=hive
$storage
EOF
  cat >"$ETC_DIR/log.properties" <<EOF
io.trino=INFO
io.airlift=WARN
EOF
}

service_launch() {
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
  ) </dev/null >>"$LOG_FILE" 2>&1 9>&- &
  SERVICE_PID=$!
  echo "$S3_ENDPOINT" >"$S3_FILE"
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

service_main "$@"
