# shellcheck shell=bash
# ensure_node_modules: `npm ci` when node_modules is missing or older than package-lock.json (or always with CI=true
# on a fresh clone), so the scripts work on a new machine and stay fast on a warm one.
ensure_node_modules() {
  local stamp=node_modules/.package-lock.json
  if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
    echo "==> npm ci"
    npm ci --no-audit --no-fund
  fi
}
