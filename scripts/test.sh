#!/usr/bin/env bash
# The whole test suite (what CI runs): install, build + unit/VTL/nag/lint/integ-snapshot tests,
# cfn-lint and Checkov on the configurations' templates, actionlint on the GitHub workflows,
# LocalStack + Trino end-to-end tests (API, client in Node and Chromium, queries),
# Python, Java and Go packages with their consumer tests.
# Works from a fresh clone; caches (node_modules, .localstack/, ~/.m2, pip, the scanners' and Python senders' venvs, the VTL renderer) make
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

step "Python senders for the Segment capture test (unit step) and the Segment end-to-end test (pinned, cached venv)"
bash scripts/local/python-senders.sh

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

step "End-to-end on LocalStack and Trino, and beside it the Python, Java and Go packages and their consumer apps"
# The e2e lanes (scripts/e2e.sh: deploy the example stack, POST, read S3; the client from Node and in Chromium; query S3
# with Athena's engine) mostly wait on LocalStack and Trino, so the consumer builds run beside them.
(set +e; t=$SECONDS; bash scripts/consumers.sh 2>&1 | sed -u 's/^/[consumers] /'; rc=${PIPESTATUS[0]}
  printf '[consumers] consumers: %s in %ss\n' "$([ "$rc" = 0 ] && echo passed || echo "FAILED ($rc)")" "$((SECONDS - t))"; exit "$rc") &
consumers_pid=$!
e2e_rc=0
# The consumer builds beside them slow the services' start: give them room.
export TRINO_START_TIMEOUT=${TRINO_START_TIMEOUT:-600} LOCALSTACK_START_TIMEOUT=${LOCALSTACK_START_TIMEOUT:-300}
scripts/local/localstack.sh install
scripts/local/trino.sh install   # Trino 476 + hive and iceberg plugins via Maven (~800 MB, cached in ~/.m2 and ~/.cache)
scripts/local/otelcol.sh install   # OpenTelemetry Collector 0.165.0 built from the Go module proxy (cached in ~/.cache)
scripts/local/localstack.sh run -- scripts/local/trino.sh run -- scripts/local/otelcol.sh run -- scripts/e2e.sh || e2e_rc=$?
consumers_rc=0
wait "$consumers_pid" || consumers_rc=$?
printf '\n==> End-to-end lanes %s, consumers %s (%ss)\n' "$([ "$e2e_rc" = 0 ] && echo passed || echo FAILED)" \
  "$([ "$consumers_rc" = 0 ] && echo passed || echo FAILED)" "$((SECONDS - t0))"
[ "$e2e_rc" = 0 ] && [ "$consumers_rc" = 0 ] || exit 1

step "All tests passed"
