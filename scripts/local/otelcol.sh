#!/usr/bin/env bash
# Build (once, cached) the OpenTelemetry Collector the end-to-end test runs between protobuf/gRPC senders and the API:
# the otlp receiver, the batch processor and the otlphttp exporter at v0.165.0, from the Go module proxy
# (scripts/local/otelcol/main.go + go.mod; no prebuilt binary is downloaded). The configuration it runs is
# docs/senders/otelcol-config.yaml.
#
#   scripts/local/otelcol.sh install          build into ~/.cache/cdk-api-to-firehose/otelcol-<version>/ unless there
#   scripts/local/otelcol.sh path             print the binary's path (installs first when needed)
#   scripts/local/otelcol.sh run -- CMD...    install if needed, then run CMD with OTELCOL_BIN set to the binary
#
# The end-to-end test starts the binary itself (it needs the deployed API's URL): OTELCOL_BIN tells it where.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OTELCOL_VERSION=0.165.0
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose"
SRC_DIR="$SCRIPT_DIR/otelcol"
# The sources' hash names the build, so a change of main.go or go.mod rebuilds.
SRC_HASH="$(cat "$SRC_DIR/main.go" "$SRC_DIR/go.mod" | sha256sum | cut -c1-12)"
INSTALL_DIR="$CACHE_ROOT/otelcol-$OTELCOL_VERSION"
BIN="$INSTALL_DIR/otelcol-$SRC_HASH"
LOCK="$CACHE_ROOT/.otelcol-$OTELCOL_VERSION.lock"

install() {
  [ -x "$BIN" ] && return 0
  command -v go >/dev/null || { echo "otelcol.sh: Go is needed to build the Collector (go.dev toolchain on PATH)." >&2; exit 1; }
  mkdir -p "$INSTALL_DIR"
  exec 9>"$LOCK"
  flock 9   # another checkout may be building it: wait, then use its build
  if [ ! -x "$BIN" ]; then
    local build
    build="$(mktemp -d "$INSTALL_DIR/build.XXXXXX")"
    cp "$SRC_DIR/main.go" "$SRC_DIR/go.mod" "$build/"
    echo "==> building the OpenTelemetry Collector $OTELCOL_VERSION (Go module proxy; cached in $INSTALL_DIR)" >&2
    local t0=$SECONDS
    (cd "$build" && GOFLAGS=-mod=mod GOSUMDB=off go build -trimpath -o "$build/otelcol" .)
    mv "$build/otelcol" "$BIN"
    rm -rf "$build"
    echo "==> built in $((SECONDS - t0)) s: $BIN" >&2
  fi
  flock -u 9
}

case "${1:-}" in
  install) install ;;
  path) install; echo "$BIN" ;;
  run)
    shift
    [ "${1:-}" = "--" ] && shift
    install
    OTELCOL_BIN="$BIN" exec "$@"
    ;;
  *) echo "usage: $0 install | path | run -- CMD..." >&2; exit 2 ;;
esac
