#!/usr/bin/env bash
# The demo: install what is missing, start LocalStack, deploy the example stack, POST events, print what
# landed in S3, stop LocalStack (also on failure).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export NODE_NO_WARNINGS=1  # the AWS SDK prints a Node 20 support notice on every start
source scripts/lib/npm-install.sh
ensure_node_modules
echo "==> Installing LocalStack (cached in .localstack/venv)"
scripts/local/localstack.sh install
scripts/local/localstack.sh run -- npx ts-node --transpile-only --project tsconfig.dev.json scripts/demo.ts
