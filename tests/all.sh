#!/usr/bin/env bash
# `make test`'s three passes: unit and API tests on SQLite, the API tests again on PostgreSQL, the
# capture page in Chromium. Every pass runs even when an earlier one failed (one failure must not
# hide another); the run ends with each pass's "N passed, M failed, K skipped" line and a total,
# and exits 1 if any pass failed.
# Usage: tests/all.sh "UNIT_AND_API_BINARIES" "API_BINARIES"
set -u
cd "$(dirname "$0")/.."
names=(sqlite postgres browser)
lines=()
status=0
for i in 0 1 2; do
  out=$(mktemp)
  case $i in
    0) tests/run.sh $1 ;;
    1) tests/run.sh --pg $2 ;;
    2) tests/browser/run.sh ;;
  esac 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || status=1
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  [ -n "$summary" ] || summary="no summary (exit $rc)"
  lines+=("${names[$i]}: $summary$([ "$rc" -eq 0 ] || echo " — FAILED (exit $rc)")")
  rm -f "$out"
done
echo
echo "=== make test"
total_p=0 total_f=0 total_s=0
for l in "${lines[@]}"; do
  echo "  $l"
  read -r p f s < <(echo "$l" | sed -nE 's/.* ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*/\1 \2 \4/p')
  total_p=$((total_p + ${p:-0})) total_f=$((total_f + ${f:-0})) total_s=$((total_s + ${s:-0}))
done
echo "  total: $total_p passed, $total_f failed, $total_s skipped"
exit $status
