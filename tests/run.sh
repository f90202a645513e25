#!/usr/bin/env bash
# Runs test binaries (cmocka), each with a time limit, and prints one summary line
# "N passed, M failed, K skipped" from the counts cmocka reports (a test skips, saying why, when
# what it needs is absent: the shared evaluation data on a fresh clone). Exit status 1 if anything
# failed or a program crashed.
# With --pg first, the binaries (API tests) run against PostgreSQL instead of SQLite: a throwaway
# cluster (tests/pg.sh) and a fresh database per binary, named through EKYCD_STORE.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export LSAN_OPTIONS="suppressions=$here/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
pg_dir=""
if [ "${1:-}" = "--pg" ]; then
  shift
  pg_dir=$(mktemp -d)
  trap '"$here/pg.sh" stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
  pg_base=$("$here/pg.sh" start "$pg_dir") || { echo "cannot start PostgreSQL"; exit 1; }
  echo "PostgreSQL for the tests at $pg_base"
  export EKYCD_TEST_PG_DIR="$pg_dir" # lets test_pg stop and restart the cluster
fi
passed=0
failed=0
skipped=0
broken=()
for bin in "$@"; do
  name=$(basename "$bin")
  if [ -n "$pg_dir" ]; then
    "$here/pg.sh" createdb "$pg_dir" "$name"
    export EKYCD_STORE="$pg_base/$name"
    name="$name (postgres)"
  fi
  echo "=== $name"
  out=$(mktemp)
  timeout 600 "$bin" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
  f=$(grep -Eo '^\[  FAILED  \] [0-9]+' "$out" | grep -Eo '[0-9]+$' | tail -1)
  s=$(grep -Eo '^\[  SKIPPED \] [0-9]+ test' "$out" | grep -Eo '[0-9]+' | tail -1)
  passed=$((passed + ${p:-0}))
  skipped=$((skipped + ${s:-0}))
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
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
