#!/usr/bin/env bash
# The whole test suite (what CI runs): install, build + unit/VTL/nag/lint/integ-snapshot tests,
# cfn-lint and Checkov on the configurations' templates, actionlint on the GitHub workflows,
# LocalStack + Trino end-to-end tests (API, client in Node and Chromium, queries),
# Python, Java and Go packages with their consumer tests.
# Works from a fresh clone; caches (node_modules, .localstack/, ~/.m2, pip, the scanners' venv, the VTL renderer) make
# reruns fast.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export NODE_NO_WARNINGS=1
source scripts/lib/npm-install.sh

t0=$SECONDS
step() { printf '\n==> %s (%ss)\n' "$1" "$((SECONDS - t0))"; }

step "Install (npm ci when needed)"
ensure_node_modules

step "Headless Chromium for the Segment capture test (unit step) and the browser end-to-end test (Debian package; no-op when installed)"
bash scripts/local/chromium.sh

step "Build: jsii compile, API.md, unit + VTL + cdk-nag tests, eslint, integ-runner snapshots, npm package"
CI=true npx projen build   # CI mode: snapshots are never rewritten, package builds npm only (Python/Java below)
if ! git diff --quiet -- API.md 2>/dev/null; then
  echo "API.md changed during the build: commit the regenerated API.md." >&2
  [ "${CI:-}" = "true" ] && exit 1
fi

step "Scanners: cfn-lint and Checkov on the templates of test/stability/configurations.ts (pinned, cached venv)"
bash scripts/scan.sh   # fails on any cfn-lint finding and on an unacknowledged Checkov finding on the construct's resources

step "Client package: install, build, tests, bundle size"
# client/ is its own npm package (own lockfile); its build writes dist/ for the end-to-end and browser tests below.
(cd client && ensure_node_modules && ../node_modules/.bin/projen build)

step "GitHub workflows: actionlint (build, release, upgrade-main, pull-request-lint)"
bash scripts/actionlint.sh

step "End-to-end on LocalStack and Trino (deploy the example stack, POST, read S3; the client from Node and in Chromium; query S3 with Athena's engine)"
scripts/local/localstack.sh install
scripts/local/trino.sh install   # Trino 476 + hive plugin via Maven (~450 MB, cached in ~/.m2 and ~/.cache)
scripts/local/otelcol.sh install   # OpenTelemetry Collector 0.165.0 built from the Go module proxy (cached in ~/.cache)
scripts/local/localstack.sh run -- scripts/local/trino.sh run -- scripts/local/otelcol.sh run -- npx jest --coverage=false --testPathIgnorePatterns /node_modules/ --testMatch '<rootDir>/test/e2e/**/*.e2e.test.ts' --runInBand

step "Python, Java and Go packages and their consumer apps"
bash scripts/consumers.sh

step "All tests passed"
