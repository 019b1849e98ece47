#!/usr/bin/env bash
# The Python senders' venv: the packages pinned in scripts/local/python-senders.txt (segment-analytics-python), from
# PyPI, installed once into a venv under ~/.cache/cdk-api-to-firehose keyed on that file and the Python version
# (about 10 s cold, then reused; like scripts/scan.sh's scanners). Prints the venv's python on its last line.
#
#   scripts/local/python-senders.sh           install when needed, print the interpreter
#   scripts/local/python-senders.sh --path    print the interpreter the tests use, install nothing (it may not exist)
#
# SENDERS_PYTHON picks the interpreter the venv is built with (default: python3 if 3.11 or newer, else
# python3.13/3.12/3.11). scripts/test.sh runs this before the build; test/senders/python-senders.ts finds the venv
# with --path and fails (never skips) when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
PYTHON=${SENDERS_PYTHON:-}
if [ -z "$PYTHON" ]; then
  for c in python3 python3.13 python3.12 python3.11; do
    if command -v "$c" >/dev/null && py_ok "$c"; then PYTHON=$c; break; fi
  done
fi
[ -n "$PYTHON" ] && py_ok "$PYTHON" \
  || { echo "python-senders: no Python 3.11 or newer (${SENDERS_PYTHON:-python3, python3.13, python3.12, python3.11}); set SENDERS_PYTHON" >&2; exit 1; }
REQUIREMENTS=scripts/local/python-senders.txt
py_version=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
key=$( (echo "$py_version"; cat "$REQUIREMENTS") | sha256sum | cut -c1-12)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose
VENV=$CACHE/python-senders-venv-$key

if [ "${1:-}" = "--path" ]; then echo "$VENV/bin/python"; exit 0; fi
[ $# -eq 0 ] || { echo "python-senders: unknown argument $1 (see the header of $0)" >&2; exit 2; }

if [ ! -f "$VENV/.installed" ]; then
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.python-senders-venv.lock"
  flock -w 600 9 || { echo "python-senders: could not lock $CACHE/.python-senders-venv.lock" >&2; exit 1; }
  if [ ! -f "$VENV/.installed" ]; then
    echo "python-senders: installing $(grep -v '^#' "$REQUIREMENTS" | tr '\n' ' ')into $VENV" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$REQUIREMENTS" >&2
    "$VENV/bin/python" -c 'import segment.analytics' >&2
    touch "$VENV/.installed"
  fi
  exec 9>&-
fi
echo "$VENV/bin/python"
