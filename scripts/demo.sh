#!/usr/bin/env bash
# The demo: install what is missing, start LocalStack and Trino, deploy the example stack, POST events, print what
# landed in S3, named queries on Trino and a curated Iceberg table after its MERGE, stop both (also on failure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export NODE_NO_WARNINGS=1  # the AWS SDK prints a Node 20 support notice on every start
source scripts/lib/npm-install.sh
ensure_node_modules
echo "==> Installing LocalStack (cached in .localstack/venv)"
scripts/local/localstack.sh install
echo "==> Installing Trino (cached in ~/.cache/cdk-api-to-firehose)"
scripts/local/trino.sh install
# Trino takes longest to start (40-50 s on 2 busy cores): it starts in the background while the stack deploys, and
# scripts/demo.ts waits for it before the query. Stopped on exit if this script started it.
if ! scripts/local/trino.sh status >/dev/null 2>&1; then
  mkdir -p .trino
  scripts/local/trino.sh start >.trino/demo-start.log 2>&1 &
  trap 'wait; scripts/local/trino.sh stop' EXIT
fi
export TRINO_ENDPOINT="http://127.0.0.1:${TRINO_PORT:-8080}"
scripts/local/localstack.sh run -- npx ts-node --transpile-only --project tsconfig.dev.json scripts/demo.ts
