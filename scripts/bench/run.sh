#!/usr/bin/env bash
# Benchmarks of cdk-api-to-firehose. From the repository root:
#
#   bash scripts/bench/run.sh                 # cost model, limits, synthesis scale, client, throughput (when possible)
#   bash scripts/bench/run.sh cost limits     # only some parts: cost | limits | kinesis | synth | client | throughput
#
# Outputs: docs/benchmarks/cost.json, cost.svg, limits.json, kinesis.json, synth-scale.json, client-size.json, client-cost.json (throughput.ts writes its own).
# `client` builds client/ and fails when its bundle is over 4 KB min+gzip; its cost rows reuse cost.json (run cost first).
# Exit status: non-zero when a part fails, including cost.ts when the 50x goal fails for 1 KB events.
#
# Environment:
#   BENCH_TYPECHECK=1     run ts-node with type checking (adds 15-35 s per script; default --transpile-only,
#                         type checking is `npx tsc -p tsconfig.dev.json --noEmit`)
#   LOCALSTACK_ENDPOINT   where throughput.ts finds LocalStack (default http://127.0.0.1:${LOCALSTACK_PORT:-4566})
#   SYNTH_SCALE_REPEATS   runs per synth-scale point (default 3; the median is reported)
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
[ "${BENCH_TYPECHECK:-0}" = 1 ] || export TS_NODE_TRANSPILE_ONLY=1
export LOCALSTACK_ENDPOINT="${LOCALSTACK_ENDPOINT:-http://127.0.0.1:${LOCALSTACK_PORT:-4566}}"

PARTS=("$@")
[ ${#PARTS[@]} -gt 0 ] || PARTS=(cost limits kinesis synth client throughput)
STATUS=0
START=$SECONDS

run_ts() { # name file
  local t0=$SECONDS rc
  echo "=== $1: npx ts-node --project tsconfig.dev.json $2"
  npx ts-node --project tsconfig.dev.json "$2"
  rc=$?
  echo "=== $1: exit $rc, $((SECONDS - t0)) s"
  echo
  [ $rc -eq 0 ] || STATUS=1
}


for part in "${PARTS[@]}"; do
  case "$part" in
    cost) run_ts cost scripts/bench/cost.ts ;;
    limits) run_ts limits scripts/bench/limits.ts ;;   # reads cost.json: after cost
    kinesis) run_ts kinesis scripts/bench/kinesis.ts ;;   # Kinesis in front of Firehose beside Direct PUT; reads cost.json
    synth) run_ts synth-scale scripts/bench/synth-scale.ts ;;
    throughput)
      # Deploys the example stack to LocalStack (installed and started here if needed, stopped afterwards).
      t0=$SECONDS
      echo "=== throughput: scripts/local/localstack.sh run -- npx ts-node scripts/bench/throughput.ts"
      if scripts/local/localstack.sh install && scripts/local/localstack.sh run -- npx ts-node --project tsconfig.dev.json scripts/bench/throughput.ts; then
        echo "=== throughput: exit 0, $((SECONDS - t0)) s"
      else
        echo "=== throughput: FAILED, $((SECONDS - t0)) s"; STATUS=1
      fi
      echo
      ;;
    client)
      # The client package: bundle size (budget 4 KB min+gzip, enforced by size.mjs) and cost at its defaults.
      t0=$SECONDS
      echo "=== client: client/scripts/size.mjs and client/scripts/cost.ts"
      if (cd client && source ../scripts/lib/npm-install.sh && ensure_node_modules && node scripts/build.mjs && node scripts/size.mjs \
          && node --import tsx scripts/cost.ts); then
        echo "=== client: exit 0, $((SECONDS - t0)) s"
      else
        echo "=== client: FAILED, $((SECONDS - t0)) s"; STATUS=1
      fi
      echo
      ;;
    *) echo "unknown part '$part' (expected: cost, limits, kinesis, synth, client, throughput)" >&2; exit 2 ;;
  esac
done
echo "=== benchmarks done in $((SECONDS - START)) s, exit $STATUS"
exit $STATUS
