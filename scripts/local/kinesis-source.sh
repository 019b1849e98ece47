#!/usr/bin/env bash
# Kinesis Data Streams as a Firehose source on LocalStack 4.13.1 (host mode), from open-source parts only.
# Called by scripts/local/localstack.sh; the commands can also be run by hand.
#
#   kinesis-source.sh install        into LocalStack's venv: flask + flask-cors (moto's server), the patch
#                                    (kinesis_source_patch.py + a .pth); kinesis-local (kinesis-mock) from npm
#   kinesis-source.sh is-installed   exit 0 when `install` is complete and current
#   kinesis-source.sh start          start moto's server on loopback (the KCL's lease tables live in it), then print
#                                    the KEY=VALUE lines LocalStack must be started with
#   kinesis-source.sh stop           stop moto's server
#   kinesis-source.sh status         exit 0 when moto's server is running
#
# What LocalStack does for a delivery stream with a Kinesis source (localstack/utils/kinesis/kinesis_connector.py):
# it starts the KCL MultiLangDaemon (Java; jars bundled in the kclpy-ext wheel from PyPI, a LocalStack dependency)
# with a properties file whose dynamoDBEndpoint is LocalStack's own gateway, i.e. its DynamoDB service, which runs
# DynamoDB Local. DynamoDB Local is not open source, so it is never used here: the patch points the KCL at a moto
# server instead (moto-ext is already in the venv), gives LocalStack the machine's JDK instead of a Temurin download,
# and makes DynamoDB Local's installer refuse to run. Kinesis itself is kinesis-mock's Node build, the npm package
# kinesis-local, installed where LocalStack looks for it so LocalStack never installs it at run time.
# See docs/localstack-notes.md ("Kinesis Data Streams as a Firehose source").
#
# Environment:
#   KS_VENV, KS_STATE_DIR, KS_FS_ROOT  LocalStack's venv, state directory and FILESYSTEM_ROOT
#                                    (default: .localstack/venv, .localstack, .localstack/filesystem)
#   KINESIS_SOURCE_DYNAMODB_PORT     moto's port on 127.0.0.1 (default: a free port, chosen at start)
#   KINESIS_SOURCE_JAVA_HOME         a JDK 11+ for the KCL (default: $JAVA_HOME, else the `java` on PATH)
#   KINESIS_SOURCE_START_TIMEOUT     seconds to wait for moto's server (default 60)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_DIR="${KS_STATE_DIR:-$REPO_ROOT/.localstack}"
VENV="${KS_VENV:-$STATE_DIR/venv}"
FS_ROOT="${KS_FS_ROOT:-$STATE_DIR/filesystem}"
HOST="127.0.0.1"

# moto-ext is the moto fork LocalStack depends on (the version localstack-core 4.13.1 resolves to); its `server`
# extra adds only flask and flask-cors to what LocalStack's [runtime] extra already installed.
PIP_REQUIREMENTS=("moto-ext[server]==5.1.54" "flask==3.1.3" "flask-cors==6.0.5")
# LocalStack 4.13.1's default KINESIS_MOCK_VERSION; installed under its STATIC_LIBS target, where its
# NodePackageInstaller finds node_modules/kinesis-local/main.js and skips its own `npm install`.
KINESIS_MOCK_VERSION="0.5.2"
KINESIS_MOCK_DIR="$FS_ROOT/usr/lib/localstack/kinesis-local/$KINESIS_MOCK_VERSION"
PATCH_SRC="$SCRIPT_DIR/kinesis_source_patch.py"
PATCH_NAME="cdk_api_to_firehose_kinesis_source"
MARKER="$VENV/.cdk-api-to-firehose-kinesis-source"
MOTO_PID_FILE="$STATE_DIR/moto-dynamodb.pid"
MOTO_PORT_FILE="$STATE_DIR/moto-dynamodb.port"
MOTO_LOG_FILE="$STATE_DIR/moto-dynamodb.log"
START_TIMEOUT="${KINESIS_SOURCE_START_TIMEOUT:-60}"

log() { printf '[kinesis-source] %s\n' "$*" >&2; }
die() { printf '[kinesis-source] ERROR: %s\n' "$*" >&2; exit 1; }

site_packages() { "$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'; }

fingerprint() {
  printf '%s\n' "${PIP_REQUIREMENTS[@]}" "kinesis-local@$KINESIS_MOCK_VERSION"
  sha256sum "$PATCH_SRC" | cut -d' ' -f1
}

do_is_installed() {
  [[ -x "$VENV/bin/python" && -f "$MARKER" ]] || return 1
  [[ "$(cat "$MARKER")" == "$(fingerprint)" ]] || return 1
  [[ -f "$KINESIS_MOCK_DIR/node_modules/kinesis-local/main.js" ]] || return 1
  local site
  site="$(site_packages)"
  [[ -f "$site/$PATCH_NAME.pth" ]] && cmp -s "$PATCH_SRC" "$site/$PATCH_NAME.py"
}

do_install() {
  [[ -x "$VENV/bin/python" ]] || die "no LocalStack venv at $VENV (run scripts/local/localstack.sh install)"
  if do_is_installed; then
    log "already installed (moto server deps, kinesis-local@$KINESIS_MOCK_VERSION, patch)"
    return 0
  fi
  local t0=$SECONDS site
  rm -f "$MARKER"
  "$VENV/bin/python" -m pip install --disable-pip-version-check --quiet "${PIP_REQUIREMENTS[@]}" \
    || die "pip install ${PIP_REQUIREMENTS[*]} failed"
  if [[ ! -f "$KINESIS_MOCK_DIR/node_modules/kinesis-local/main.js" ]]; then
    mkdir -p "$KINESIS_MOCK_DIR"
    # The same command LocalStack would run (packages/core.py NodePackageInstaller), with npm's cache (~/.npm).
    npm install --prefix "$KINESIS_MOCK_DIR" --no-audit --no-fund --loglevel=error "kinesis-local@$KINESIS_MOCK_VERSION" >&2 \
      || die "npm install kinesis-local@$KINESIS_MOCK_VERSION failed"
  fi
  site="$(site_packages)"
  cp "$PATCH_SRC" "$site/$PATCH_NAME.py"
  printf 'import %s\n' "$PATCH_NAME" >"$site/$PATCH_NAME.pth"
  "$VENV/bin/python" -c "import moto.server, flask, flask_cors, $PATCH_NAME" \
    || die "moto's server or the patch cannot be imported"
  find_java >/dev/null || log "WARNING: no JDK 11+ found; a Firehose Kinesis source will not start (set KINESIS_SOURCE_JAVA_HOME)"
  fingerprint >"$MARKER"
  log "installed in $((SECONDS - t0)) s: ${PIP_REQUIREMENTS[*]}, kinesis-local@$KINESIS_MOCK_VERSION, patch $PATCH_NAME"
}

# Prints "JAVA_HOME MAJOR" for a JDK 11+ (KINESIS_SOURCE_JAVA_HOME, JAVA_HOME, or the `java` on PATH).
find_java() {
  local home="${KINESIS_SOURCE_JAVA_HOME:-${JAVA_HOME:-}}" java major
  if [[ -z "$home" ]]; then
    java="$(command -v java 2>/dev/null)" || return 1
    home="$(dirname "$(dirname "$(readlink -f "$java")")")"
  fi
  [[ -x "$home/bin/java" ]] || return 1
  major="$("$home/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  major="${major#1.}"
  [[ "$major" =~ ^[0-9]+$ ]] && (( major >= 11 )) || return 1
  echo "$home $major"
}

moto_pid() {
  [[ -f "$MOTO_PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$MOTO_PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'moto.server' || return 1
  echo "$pid"
}

free_port() {
  "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A signed-looking ListTables call: moto routes by the credential scope's service name.
moto_ready() {
  curl -fsS --max-time 3 -o /dev/null -X POST "http://$HOST:$1/" \
    -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}' 2>/dev/null
}

do_start() {
  do_is_installed || die "not installed (run scripts/local/localstack.sh install)"
  local java_home="" java_major=0 jv pid port
  if jv="$(find_java)"; then
    read -r java_home java_major <<<"$jv"
  else
    log "WARNING: no JDK 11+ found; a Firehose Kinesis source will not start (set KINESIS_SOURCE_JAVA_HOME)"
  fi
  if pid="$(moto_pid)"; then
    port="$(cat "$MOTO_PORT_FILE")"
    log "moto's server already running (pid $pid) on $HOST:$port"
  else
    port="${KINESIS_SOURCE_DYNAMODB_PORT:-$(free_port)}"
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      die "port $port on $HOST is already in use; set KINESIS_SOURCE_DYNAMODB_PORT to a free port"
    fi
    mkdir -p "$STATE_DIR"
    printf '\n===== %s start on %s:%s =====\n' "$(date -u +%FT%TZ)" "$HOST" "$port" >>"$MOTO_LOG_FILE"
    # Own session (setsid), no inherited lock fds; only DynamoDB is ever called on it.
    setsid "$VENV/bin/python" -m moto.server -H "$HOST" -p "$port" </dev/null >>"$MOTO_LOG_FILE" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$MOTO_PID_FILE"
    echo "$port" >"$MOTO_PORT_FILE"
    local start=$SECONDS
    until moto_ready "$port"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 20 "$MOTO_LOG_FILE" >&2 || true
        rm -f "$MOTO_PID_FILE" "$MOTO_PORT_FILE"
        die "moto's server exited during startup (log: $MOTO_LOG_FILE)"
      fi
      if (( SECONDS - start >= START_TIMEOUT )); then
        do_stop
        die "moto's server not ready after $START_TIMEOUT s (log: $MOTO_LOG_FILE)"
      fi
      sleep 0.3
    done
    log "moto's server (DynamoDB for the KCL's leases) ready after $((SECONDS - start)) s on $HOST:$port (pid $pid)"
  fi
  # For LocalStack's environment, read by kinesis_source_patch.py (and LocalStack's own config: KINESIS_MOCK_VERSION,
  # KINESIS_MOCK_PROVIDER_ENGINE; ENABLE_CONFIG_UPDATES lets a test set KINESIS_ERROR_PROBABILITY at run time
  # through POST /_localstack/config, to provoke ProvisionedThroughputExceededException).
  printf '%s\n' \
    "KINESIS_SOURCE_DYNAMODB_ENDPOINT=http://$HOST:$port" \
    "KINESIS_SOURCE_JAVA_HOME=$java_home" \
    "KINESIS_SOURCE_JAVA_VERSION=$java_major" \
    "KINESIS_MOCK_VERSION=$KINESIS_MOCK_VERSION" \
    "KINESIS_MOCK_PROVIDER_ENGINE=node" \
    "ENABLE_CONFIG_UPDATES=1"
}

do_stop() {
  local pid start=$SECONDS
  if ! pid="$(moto_pid)"; then
    rm -f "$MOTO_PID_FILE" "$MOTO_PORT_FILE"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if (( SECONDS - start >= 10 )); then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$MOTO_PID_FILE" "$MOTO_PORT_FILE"
  log "moto's server stopped (pid $pid)"
}

do_status() {
  local pid
  if pid="$(moto_pid)"; then
    log "moto's server running (pid $pid) on $HOST:$(cat "$MOTO_PORT_FILE")"
    return 0
  fi
  log "moto's server not running"
  return 3
}

cmd="${1:-}"
case "$cmd" in
  install) do_install ;;
  is-installed) do_is_installed ;;
  start) do_start ;;
  stop) do_stop ;;
  status) do_status ;;
  *) sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
