#!/usr/bin/env bash
# Builds the Python wheel, the Java jar and the Go module of cdk-api-to-firehose and runs the consumer
# tests in test/consumers/ (Python pytest, Java JUnit 5, Go `go test`), then checks that the TypeScript,
# Python, Java and Go consumer apps synthesize the same template. See docs/consumers.md.
#
# Usage: scripts/consumers.sh [--rebuild]
#   --rebuild   package the wheel and the jar even if they look up to date
# Environment:
#   PYTHON    interpreter for the venv (default: python3)
#   M2_REPO   Maven local repository (default: ~/.m2/repository)
#   WHEELHOUSE  downloaded Python wheels (default: ~/.cache/cdk-api-to-firehose/wheelhouse)
# Needs node/npm (after `npm ci`), Python 3.10+, Java 11+ and Maven, Go 1.25+; reaches only PyPI, Maven
# Central and the Go proxy (Go modules are cached in Go's own GOMODCACHE and GOCACHE).
set -uo pipefail  # no -e: every step runs and is reported; pipefail makes `cmd | tee log` fail when cmd fails

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

REBUILD=0
for a in "$@"; do
  case "$a" in
    --rebuild) REBUILD=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "consumers: unknown argument '$a'" >&2; exit 2 ;;
  esac
done

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
PYTHON=${PYTHON:-python3}
M2_REPO=${M2_REPO:-$HOME/.m2/repository}
# jsii-pacmak reads JSII_PACMAK_<OPTION>: build the jar against the same local repository, so
# Maven downloads are cached between runs (otherwise it uses a throw-away repository).
export JSII_PACMAK_MAVEN_LOCAL_REPOSITORY=$M2_REPO

C=test/consumers
OUT=$C/out
VENV=$C/python/.venv
WHEELHOUSE=${WHEELHOUSE:-${XDG_CACHE_HOME:-$HOME/.cache}/cdk-api-to-firehose/wheelhouse}
VERSION=$(node -p "require('./package.json').version")
CDK_VERSION=$(node -p "require('./package.json').devDependencies['aws-cdk-lib'].replace(/^[\^~]/, '')")
CONSTRUCTS_VERSION=$(node -p "require('./package.json').devDependencies['constructs'].replace(/^[\^~]/, '')")
WHEEL=dist/python/cdk_api_to_firehose-$VERSION-py3-none-any.whl
JAVA_DIR=dist/java/io/github/cdkapitofirehose/cdk-api-to-firehose/$VERSION
JAR=$JAVA_DIR/cdk-api-to-firehose-$VERSION.jar
POM=$JAVA_DIR/cdk-api-to-firehose-$VERSION.pom
MVN=(mvn -B -q -Dmaven.repo.local="$M2_REPO")
GO_MODULE=dist/go/cdkapitofirehose
# The Go checksum database is not reachable from our build machines: for the Go build only, modules are
# checked against go.sum alone (GOSUMDB=off) and go.mod/go.sum may be completed (-mod=mod).
GO_ENV=(GOFLAGS=-mod=mod GOSUMDB=off)

mkdir -p "$OUT"
SUMMARY=()
FAILED=0
T0=$SECONDS

if [ -t 1 ]; then banner() { printf '\n\033[1m== %s\033[0m\n' "$*"; }; else banner() { printf '\n== %s\n' "$*"; }; fi
record() { # name status seconds detail
  SUMMARY+=("$(printf '%-10s %-7s %5ss  %s' "$1" "$2" "$3" "$4")")
  [ "$2" = FAIL ] && FAILED=1
  return 0
}
# Prints the first file under the given paths that is newer than $1 (nothing when $1 is newest).
newer_than() { local ref=$1; shift; find "$@" -type f -newer "$ref" -print -quit 2>/dev/null; }
# Maven 3.8 prints stray colour codes in quiet mode.
nocolor() { sed -u $'s/\x1b\\[[0-9;]*m//g'; }

# The TypeScript consumer synthesizes from src/ (no build needed) in the background, while the
# other steps run; step 4 waits for it.
rm -rf "$OUT/typescript" "$OUT/typescript.rc"
( npx ts-node -P tsconfig.dev.json "$C/typescript/app.ts" "$OUT/typescript" > "$OUT/typescript.log" 2>&1
  echo $? > "$OUT/typescript.rc" ) &
TS_PID=$!
trap 'kill $TS_PID 2>/dev/null' EXIT

# ------------------------------------------------------------------------------------------- build
banner "1/5 build: jsii compile, wheel, jar, Go module (version $VERSION, aws-cdk-lib $CDK_VERSION)"
t=$SECONDS; compile_ok=1; py_build_ok=1; java_build_ok=1; go_build_ok=1; did=()
# README.md counts too: jsii copies it into .jsii, and from there into every package.
if [ ! -f .jsii ] || [ ! -f lib/index.js ] || [ -n "$(newer_than .jsii src README.md)" ]; then
  if npx projen compile; then did+=("compiled"); else compile_ok=0; py_build_ok=0; java_build_ok=0; go_build_ok=0; did+=("compile FAILED"); fi
fi
if [ $compile_ok = 1 ]; then
  if [ $REBUILD = 1 ] || [ ! -f "$WHEEL" ] || [ -n "$(newer_than "$WHEEL" lib .jsii)" ]; then
    if JSII_PACMAK_FORCE=true npx projen package:python && [ -f "$WHEEL" ]; then did+=("wheel built")
    else py_build_ok=0; did+=("wheel FAILED"); fi
  else did+=("wheel up to date"); fi
  if [ $REBUILD = 1 ] || [ ! -f "$JAR" ] || [ -n "$(newer_than "$JAR" lib .jsii)" ]; then
    if JSII_PACMAK_FORCE=true npx projen package:java && [ -f "$JAR" ]; then did+=("jar built")
    else java_build_ok=0; did+=("jar FAILED"); fi
  else did+=("jar up to date"); fi
  # Go: the generated module only (--code-only). `projen package:go` also runs `go mod tidy` on the module's own
  # go.mod, which pins the cloud assembly schema version found in node_modules; the consumer's go.mod says why
  # that version is replaced here. The consumer's `go test` compiles the module (step 4).
  if [ $REBUILD = 1 ] || [ ! -f "$GO_MODULE/go.mod" ] || [ -n "$(newer_than "$GO_MODULE/go.mod" lib .jsii)" ]; then
    if rm -rf dist/go && npx jsii-pacmak --target go --code-only --force && [ -f "$GO_MODULE/go.mod" ]; then did+=("Go module generated")
    else go_build_ok=0; did+=("Go module FAILED"); fi
  else did+=("Go module up to date"); fi
fi
# The wheel, the jar and the Go module must carry README.md as PyPI, Maven and Go users read it.
if [ $py_build_ok = 1 ] && [ $java_build_ok = 1 ] && [ $go_build_ok = 1 ]; then
  if node "$C/check-readme.js" "$WHEEL" "$JAVA_DIR/cdk-api-to-firehose-$VERSION-sources.jar" "$GO_MODULE"; then did+=("README in all three")
  else py_build_ok=0; java_build_ok=0; go_build_ok=0; did+=("README check FAILED"); fi
fi
did_text=$(IFS=,; echo "${did[*]}" | sed 's/,/, /g')
if [ $py_build_ok = 1 ] && [ $java_build_ok = 1 ] && [ $go_build_ok = 1 ]; then record build ok $((SECONDS - t)) "$did_text"
else record build FAIL $((SECONDS - t)) "$did_text (see the output above)"; fi

# ------------------------------------------------------------------------------------------ python
banner "2/5 python: venv $VENV, pytest"
t=$SECONDS
rm -rf "$OUT/python"
if [ $py_build_ok = 0 ]; then
  record python skipped 0 "no wheel"
else
  py_ok=1
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV" || py_ok=0
  fi
  # Requirements: the library's CDK versions, pytest, and whatever the wheel itself requires.
  reqs=("aws-cdk-lib==$CDK_VERSION" "constructs==$CONSTRUCTS_VERSION" pytest)
  if [ $py_ok = 1 ]; then
    mapfile -t wheel_reqs < <("$VENV/bin/python" -c "
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    meta = next(n for n in z.namelist() if n.endswith('.dist-info/METADATA'))
    for line in z.read(meta).decode().splitlines():
        if line.startswith('Requires-Dist: ') and 'extra ==' not in line:
            print(line[len('Requires-Dist: '):].replace(' ', ''))
" "$WHEEL") || py_ok=0
    reqs+=("${wheel_reqs[@]}")
  fi
  # pip's own cache does not help here (the registry proxy sends no caching headers), so downloads
  # are kept in a wheelhouse; the venv is only touched when its requirements change.
  stamp="$VENV/.consumers-requirements"
  if [ $py_ok = 1 ] && [ "$(cat "$stamp" 2>/dev/null)" != "${reqs[*]}" ]; then
    mkdir -p "$WHEELHOUSE"
    "$VENV/bin/python" -m pip download -q --disable-pip-version-check -d "$WHEELHOUSE" "${reqs[@]}" \
      && "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-index --find-links "$WHEELHOUSE" "${reqs[@]}" \
      && echo "${reqs[*]}" > "$stamp" || py_ok=0
  fi
  if [ $py_ok = 1 ]; then
    # Always reinstall: the version stays 0.0.0 while the code changes.
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEEL" || py_ok=0
  fi
  py_line="venv or pip install failed"
  if [ $py_ok = 1 ]; then
    ( cd "$C/python" && CDK_VERSION=$CDK_VERSION .venv/bin/python -m pytest -v --no-header -p no:cacheprovider ) | tee "$OUT/pytest.log" \
      || py_ok=0
    py_line=$(grep -E '^=+ .*(passed|failed|error).* =+$' "$OUT/pytest.log" | tail -1 | tr -d '=' | sed 's/^ *//; s/ *$//')
  fi
  if [ $py_ok = 1 ]; then record python ok $((SECONDS - t)) "$py_line"
  else record python FAIL $((SECONDS - t)) "$py_line"; fi
fi

# -------------------------------------------------------------------------------------------- java
banner "3/5 java: install the jar into $M2_REPO, mvn test"
t=$SECONDS
rm -rf "$OUT/java"
if [ $java_build_ok = 0 ]; then
  record java skipped 0 "no jar"
else
  java_ok=1
  # The version is 0.0.0 in development: a release version is never re-resolved, so remove the
  # cached one first; the consumer then gets exactly the jar just built.
  rm -rf "$M2_REPO/io/github/cdkapitofirehose/cdk-api-to-firehose/$VERSION"
  "${MVN[@]}" org.apache.maven.plugins:maven-install-plugin:3.1.1:install-file \
    -Dfile="$JAR" -DpomFile="$POM" -Dsources="$JAVA_DIR/cdk-api-to-firehose-$VERSION-sources.jar" 2>&1 | nocolor \
    || java_ok=0
  java_line="mvn install:install-file failed"
  if [ $java_ok = 1 ]; then
    rm -rf "$C/java/target/surefire-reports"
    ( cd "$C/java" && "${MVN[@]}" test -Dcdk.version="$CDK_VERSION" -Dconstructs.version="$CONSTRUCTS_VERSION" \
        -Dcdk-api-to-firehose.version="$VERSION" ) 2>&1 | nocolor || java_ok=0
    # Quiet Maven hides Surefire's console summary: print it from the reports.
    if ls "$C"/java/target/surefire-reports/*.txt >/dev/null 2>&1; then
      java_line=$(grep -h '^Tests run:' "$C"/java/target/surefire-reports/*.txt | sed 's/ -- in .*//')
      echo "$java_line"
    else
      java_line="no Surefire report (compilation failed?)"
    fi
  fi
  if [ $java_ok = 1 ]; then record java ok $((SECONDS - t)) "$java_line"
  else record java FAIL $((SECONDS - t)) "$java_line"; fi
fi

# ---------------------------------------------------------------------------------------------- go
banner "4/5 go: go test (test/consumers/go, the module from $GO_MODULE)"
t=$SECONDS
rm -rf "$OUT/go"
if [ $go_build_ok = 0 ]; then
  record go skipped 0 "no Go module"
elif ! command -v go >/dev/null; then
  record go FAIL 0 "go not on PATH (Go 1.25+ is needed)"
else
  go_ok=1
  ( cd "$C/go" && env "${GO_ENV[@]}" CDK_VERSION="$CDK_VERSION" go test -count=1 -v . ) 2>&1 | tee "$OUT/go-test.log" || go_ok=0
  go_line=$(grep -cE '^--- PASS' "$OUT/go-test.log")" passed, "$(grep -cE '^--- FAIL' "$OUT/go-test.log")" failed"
  if [ $go_ok = 1 ]; then record go ok $((SECONDS - t)) "$go_line"
  else record go FAIL $((SECONDS - t)) "$go_line"; fi
fi

# ----------------------------------------------------------------------------------------- compare
banner "5/5 compare: TypeScript app (synthesized in the background), then TypeScript = Python = Java = Go"
t=$SECONDS
wait $TS_PID
cat "$OUT/typescript.log"
if [ "$(cat "$OUT/typescript.rc" 2>/dev/null)" = 0 ] && node "$C/compare-templates.js" "$OUT" | tee "$OUT/compare.log"; then
  record compare ok $((SECONDS - t)) "$(sed 's/^compare: //' "$OUT/compare.log")"
else
  record compare FAIL $((SECONDS - t)) "see the output above"
fi

# ----------------------------------------------------------------------------------------- summary
banner "consumers summary"
for line in "${SUMMARY[@]}"; do echo "$line"; done
printf '%-10s %-7s %5ss\n' total "$([ $FAILED = 0 ] && echo ok || echo FAIL)" $((SECONDS - T0))
exit $FAILED
