#!/usr/bin/env bash
# cfn-lint and Checkov on the template of every configuration in test/stability/configurations.ts.
# Prints one line per configuration (cfn-lint findings; Checkov passed, failed on the construct's resources, failed on
# the configuration's own resources, skipped), then the findings. Exits 1 on any cfn-lint finding or on any Checkov
# FAILED check on a resource the construct creates (the rule: scripts/scan/findings.ts); a finding the construct
# accepts is acknowledged in that resource's Metadata.checkov.skip, next to its cdk-nag acknowledgement.
#
#   scripts/scan.sh                          synthesize and scan
#   scripts/scan.sh --templates DIR          scan the templates in DIR instead (with aws:cdk:path metadata)
#   scripts/scan.sh --keep DIR               keep the templates and the scanners' JSON output in DIR
#   scripts/scan.sh --counts FILE            also write the counts per configuration as JSON
#   scripts/scan.sh --acknowledge-into DIR   also write the templates with every construct finding acknowledged
#                                            (scanning DIR must then pass: Checkov reads the acknowledgements)
#
# The scanners come from PyPI at the versions pinned in scripts/scan/requirements.txt, installed once into a venv
# under ~/.cache/cdk-api-to-firehose keyed on that file and the Python version (several minutes cold on 2 cores,
# then reused). SCAN_PYTHON picks the interpreter (default: python3 if 3.11 or newer, else python3.13/3.12/3.11). Checkov runs offline: no API key,
# --skip-download, no version check, no guideline download. SCAN_SELF_CHECK names the configurations whose templates
# are also scanned without their acknowledgements (default zero-props): they must then fail exactly what they skip.
set -euo pipefail

templates="" keep="" counts="" ack_into=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "scan: $1 needs a value (see the header of $0)" >&2; exit 2; }
  case "$1" in   # paths are taken relative to the caller's directory
    --templates) templates=$(realpath -m "$2"); shift 2 ;;
    --keep) keep=$(realpath -m "$2"); shift 2 ;;
    --counts) counts=$(realpath -m "$2"); shift 2 ;;
    --acknowledge-into) ack_into=$(realpath -m "$2"); shift 2 ;;
    *) echo "scan: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NODE_NO_WARNINGS=1
source scripts/lib/npm-install.sh
ensure_node_modules

t0=$SECONDS
# ---- the scanners, in a cached venv ------------------------------------------------------------------------------
# The pinned set needs Python 3.11+ (numpy 2.4, jsonpatch 1.48 and others require it): take python3 if it is new
# enough, else the newest python3.1x on PATH. SCAN_PYTHON overrides.
py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PYTHON=${SCAN_PYTHON:-}
if [ -z "$PYTHON" ]; then
  for c in python3 python3.13 python3.12 python3.11; do
    if command -v "$c" >/dev/null && py_ok "$c"; then PYTHON=$c; break; fi
  done
fi
REQUIREMENTS=scripts/scan/requirements.txt
[ -n "$PYTHON" ] && py_ok "$PYTHON" \
  || { echo "scan: no Python 3.11 or newer (${SCAN_PYTHON:-python3, python3.13, python3.12, python3.11}); set SCAN_PYTHON" >&2; exit 1; }
py_version=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
key=$( (echo "$py_version"; cat "$REQUIREMENTS") | sha256sum | cut -c1-12)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose
VENV=$CACHE/scanners-venv-$key
if [ ! -f "$VENV/.installed" ]; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.scanners-venv.lock"
  flock -w 1200 9 || { echo "scan: could not lock $CACHE/.scanners-venv.lock" >&2; exit 1; }
  if [ ! -f "$VENV/.installed" ]; then
    echo "scan: installing cfn-lint and Checkov (pinned in $REQUIREMENTS) into $VENV"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS"
    touch "$VENV/.installed"
  fi
  exec 9>&-
fi

# ---- templates -----------------------------------------------------------------------------------------------------
t_synth=$SECONDS
if [ -n "$keep" ]; then
  # Reuse only an empty directory or one an earlier scan kept.
  if [ -d "$keep" ] && [ -n "$(ls -A "$keep")" ] && [ ! -f "$keep/.scan" ]; then
    echo "scan: --keep $keep is not empty and not from an earlier scan" >&2; exit 2
  fi
  work=$keep; rm -rf "$work"; mkdir -p "$work"; touch "$work/.scan"
else
  work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work/templates"
self_check=(${SCAN_SELF_CHECK-zero-props})
if [ -n "$templates" ]; then
  cp "$templates"/*.json "$work/templates/"
  npx ts-node --transpile-only -P tsconfig.dev.json scripts/scan/report.ts prepare "$work/templates" ${self_check[@]+"${self_check[@]}"}
else
  npx ts-node --transpile-only -P tsconfig.dev.json scripts/scan/synth.ts "$work/templates" ${self_check[@]+"${self_check[@]}"} >/dev/null
fi
configs=()
for f in "$work"/templates/*.json; do [[ $f == *.unacknowledged.json ]] || configs+=("$f"); done
[ ${#configs[@]} -gt 0 ] || { echo "scan: no template to scan" >&2; exit 1; }

# ---- scanners (offline, bounded in time, side by side) -------------------------------------------------------------
t_scan=$SECONDS
# cfn-lint exits with a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
timeout 600 "$VENV/bin/cfn-lint" --format json -- "${configs[@]}" > "$work/cfn-lint.json" 2> "$work/cfn-lint.log" &
cfn_lint_pid=$!
# Checkov: exit 1 means failed checks (judged below), anything else but 0 a crash.
rc=0
env -u BC_API_KEY -u PRISMA_API_URL BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
  timeout 600 "$VENV/bin/checkov" --directory "$work/templates" --framework cloudformation --output json \
  --skip-download --compact > "$work/checkov.json" 2> "$work/checkov.log" || rc=$?
if [ "$rc" -gt 1 ]; then
  kill "$cfn_lint_pid" 2>/dev/null || true
  echo "scan: Checkov failed (exit $rc):" >&2; tail -20 "$work/checkov.log" >&2; exit 1
fi
rc=0
wait "$cfn_lint_pid" || rc=$?
if [ "$rc" -eq 1 ] || [ "$rc" -ge 16 ]; then echo "scan: cfn-lint failed (exit $rc):" >&2; tail -20 "$work/cfn-lint.log" >&2; exit 1; fi
t_report=$SECONDS

echo "cfn-lint $(sed -n 's/^cfn-lint==//p' "$REQUIREMENTS") and Checkov $(sed -n 's/^checkov==//p' "$REQUIREMENTS") on ${#configs[@]} configurations"
args=()
[ -n "$counts" ] && args+=(--counts "$counts")
[ -n "$ack_into" ] && args+=(--acknowledge-into "$ack_into")
rc=0
npx ts-node --transpile-only -P tsconfig.dev.json scripts/scan/report.ts report \
  "$work/templates" "$work/checkov.json" "$work/cfn-lint.json" ${args[@]+"${args[@]}"} || rc=$?
echo "scan: $((SECONDS - t0)) s (scanners' venv $((t_synth - t0)) s, synth $((t_scan - t_synth)) s, cfn-lint and Checkov $((t_report - t_scan)) s, report $((SECONDS - t_report)) s)"
exit "$rc"
