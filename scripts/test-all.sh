#!/usr/bin/env bash
# The one test command (README): unit tests, the language server in headless Neovim
# and in Emacs with eglot (LSP clients besides VS Code), webview tests in headless Chromium,
# web-extension tests in @vscode/test-web, and the end-to-end suite in code-server.
# Every suite must run and pass; the first run installs what the suites need
# into .cache/ (kept between runs).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-output
suites=(test:unit test:nvim test:emacs test:webview test:web test:e2e)
failed=()
total_pass=0
total_fail=0
for s in "${suites[@]}"; do
  if ! node -e "process.exit(require('./package.json').scripts['$s'] ? 0 : 1)"; then
    echo "== $s: not defined in package.json" >&2
    failed+=("$s (missing)")
    continue
  fi
  echo "== npm run $s"
  log="test-output/${s/:/-}.log"
  start=$(date +%s)
  npm run --silent "$s" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  secs=$(( $(date +%s) - start ))
  p=$(grep -Eo '^[[:space:]]*[0-9]+ passing' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  f=$(grep -Eo '^[[:space:]]*[0-9]+ failing' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  total_pass=$((total_pass + ${p:-0}))
  total_fail=$((total_fail + ${f:-0}))
  if [ "$rc" -ne 0 ]; then
    echo "== $s FAILED (exit $rc, ${secs}s); log: $log" >&2
    failed+=("$s")
  elif [ "${p:-0}" -eq 0 ]; then
    echo "== $s ran no test (${secs}s); log: $log" >&2
    failed+=("$s (no tests)")
  else
    echo "== $s ok: ${p} passing in ${secs}s"
  fi
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  # the failures again, last: a CI log is often read from its tail, far below a suite's own report
  for s in "${failed[@]}"; do
    log="test-output/${s%% *}"; log="${log/:/-}.log"
    [ -f "$log" ] || continue
    echo "== what $s reported:"
    if grep -Eq '^[[:space:]]*[0-9]+ failing' "$log"; then
      sed -n '/^[[:space:]]*[0-9]* failing/,$p' "$log" | head -80
    else
      tail -30 "$log"
    fi
  done
  echo "failed suites: ${failed[*]}"
  echo "tests: ${total_pass} passed, $((total_fail > 0 ? total_fail : 1)) failed"
  exit 1
fi
echo "tests: ${total_pass} passed, 0 failed"
