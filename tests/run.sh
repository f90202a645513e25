#!/usr/bin/env bash
# Runs test binaries (cmocka), each with a time limit, and prints one summary line
# "N passed, M failed" from the counts cmocka reports. Exit status 1 if anything failed.
set -u
export LSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")" && pwd)/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
passed=0
failed=0
broken=()
for bin in "$@"; do
  name=$(basename "$bin")
  echo "=== $name"
  out=$(mktemp)
  timeout 600 "$bin" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] || [ -z "$p$f" ]; then
    broken+=("$name (exit $rc)")
    [ -z "${f:-}" ] && failed=$((failed + 1))
  fi
  rm -f "$out"
done
echo
if [ ${#broken[@]} -gt 0 ]; then
  echo "failing programs: ${broken[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
