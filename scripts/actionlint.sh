#!/usr/bin/env bash
# Lints the GitHub workflows (.github/workflows/*.yml) with actionlint, installed once from its Go module
# into ~/.cache/cdk-api-to-firehose/bin (about 100 s cold on 2 cores, then cached).
# The Go checksum database is not reachable from our build machines: GOSUMDB=off for this install only
# (the module comes from the Go proxy at a fixed version).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VERSION=v1.7.12
BIN=${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose/bin
ACTIONLINT=$BIN/actionlint

if [ ! -x "$ACTIONLINT" ] || [ "$("$ACTIONLINT" -version | head -1)" != "$VERSION" ]; then
  command -v go >/dev/null || { echo "actionlint: Go is needed to install actionlint $VERSION" >&2; exit 1; }
  echo "actionlint: installing $VERSION into $BIN"
  mkdir -p "$BIN"
  GOBIN=$BIN GOSUMDB=off GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
[ ${#workflows[@]} -gt 0 ] || { echo "actionlint: no workflows in .github/workflows" >&2; exit 1; }
# Self-check: a workflow with an undefined job output must fail, or the lint proves nothing.
broken=$(mktemp -d)/broken.yml
printf 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "${{ needs.nope.outputs.x }}"\n' > "$broken"
if "$ACTIONLINT" -no-color "$broken" >/dev/null 2>&1; then echo "actionlint: accepted a broken workflow" >&2; exit 1; fi
rm -rf "$(dirname "$broken")"

"$ACTIONLINT" -no-color "${workflows[@]}"
echo "actionlint $VERSION: ${#workflows[@]} workflows clean (${workflows[*]})"
