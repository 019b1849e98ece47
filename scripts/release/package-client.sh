#!/usr/bin/env bash
# Packs the client package (client/, npm name cdk-api-to-firehose-client) into an npm tarball at the
# library's release version, for publib-npm (release.yml job release_npm_client).
#
# Usage: scripts/release/package-client.sh [VERSION] [OUTDIR]
#   VERSION  default: dist/version.txt (written by `projen release`), else package.json's version
#   OUTDIR   default: dist/client/js
# Fails when client/package.json is missing: the release job only exists when it is there.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

CLIENT=client
[ -f "$CLIENT/package.json" ] || { echo "package-client: $CLIENT/package.json not found" >&2; exit 1; }
VERSION=${1:-$(cat dist/version.txt 2>/dev/null || node -p "require('./package.json').version")}
OUT=$(mkdir -p "${2:-dist/client/js}" && cd "${2:-dist/client/js}" && pwd)
rm -f "$OUT"/*.tgz

cd "$CLIENT"
if [ ! -d node_modules ]; then
  if [ -f package-lock.json ]; then npm ci; else npm install --no-save; fi
fi
if node -e "process.exit(require('./package.json').scripts?.build ? 0 : 1)"; then npm run build; fi

# Stamp the version for the pack only; the committed package.json keeps its development version.
BACKUP=$(mktemp -d)
cp package.json "$BACKUP/"; [ -f package-lock.json ] && cp package-lock.json "$BACKUP/"
trap 'cp "$BACKUP"/package*.json "$ROOT/$CLIENT/" && rm -rf "$BACKUP"' EXIT
npm version --no-git-tag-version --allow-same-version "$VERSION" >/dev/null
npm pack --pack-destination "$OUT"
ls "$OUT"/*.tgz
