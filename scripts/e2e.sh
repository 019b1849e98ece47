#!/usr/bin/env bash
# The end-to-end suites (test/e2e/*.e2e.test.ts) in lanes that run side by side against one LocalStack and one Trino,
# which the caller starts (scripts/test.sh: `localstack.sh run -- trino.sh run -- scripts/e2e.sh`). Each lane is one
# jest process running its suites one after another; its suites that can share the example stack deploy it once
# (test/e2e/shared-example.ts). Every line is prefixed with its lane; each lane's time is printed at its end.
#
#   scripts/e2e.sh              every lane
#   scripts/e2e.sh LANE...      these lanes only (streams, query, http, senders)
#
# Why these lanes: the streams lane holds every suite that writes to LocalStack's Kinesis (kinesis-target injects
# faults through KINESIS_ERROR_PROBABILITY, which is process-wide); the query lane the Trino suites (they mostly wait
# on Trino); the http lane the suites over HTTP, Chromium and small stacks of their own; the senders lane the other
# senders' published packages (Segment's SDKs, OpenTelemetry's SDKs and the Collector, Snowplow's tracker). test/e2e-lanes.test.ts fails when a suite is in no lane
# or in two.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

declare -A LANES=(
  [streams]="kinesis-source kinesis-target kinesis-inputs"
  [query]="trino query dedup curated"
  [http]="api client browser domain empty-body log-encryption"
  [senders]="inputs segment"
)
ORDER=(streams query http senders)

run_lane() {
  local lane=$1 start=$SECONDS suites glob rc
  suites=${LANES[$lane]}
  glob="<rootDir>/test/e2e/@(${suites// /|}).e2e.test.ts"
  npx jest --coverage=false --testPathIgnorePatterns /node_modules/ --testMatch "$glob" --runInBand \
    --globalSetup '<rootDir>/test/e2e/global-setup.ts' --globalTeardown '<rootDir>/test/e2e/global-teardown.ts' 2>&1 \
    | sed -u "s/^/[$lane] /"
  rc=${PIPESTATUS[0]}
  printf '[%s] lane %s: %s in %ss\n' "$lane" "$lane" "$([ "$rc" = 0 ] && echo passed || echo "FAILED ($rc)")" "$((SECONDS - start))"
  return "$rc"
}

lanes=("$@")
[ ${#lanes[@]} -gt 0 ] || lanes=("${ORDER[@]}")
pids=()
for lane in "${lanes[@]}"; do
  [ -n "${LANES[$lane]:-}" ] || { echo "e2e: unknown lane '$lane' (lanes: ${ORDER[*]})" >&2; exit 2; }
  run_lane "$lane" &
  pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || { failed=1; echo "e2e: lane ${lanes[$i]} failed" >&2; }
done
exit "$failed"
