#!/usr/bin/env bash
# Throughput of one and two ekycd nodes on one PostgreSQL database (docs/deploy.md): a throwaway
# cluster, one account, then nodes-bench against node A alone and against A and B together,
# with the same clients and duration, and the ratio of the two.
#   bench/nodes/run.sh [CLIENTS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
clients=${1:-4}
seconds=${2:-20}
lfw=../shared/data/faces-pairs/dev/images/lfw/Abel_Pacheco
work=$(mktemp -d)
chmod 711 "$work" # the cluster runs as another user when this runs as root
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  tests/pg.sh stop "$work/pg"
  rm -rf "$work"
}
trap cleanup EXIT
base=$(tests/pg.sh start "$work/pg")
tests/pg.sh createdb "$work/pg" ekycd_bench
export EKYCD_STORE="$base/ekycd_bench"
build/ekycd account add --data "$work/a" --username bench --password bench-secret-123 >/dev/null
mkdir -p "$work/b"
cp "$work/a/ekycd.key" "$work/b/ekycd.key"
for node in a b; do
  build/ekycd serve --data "$work/$node" --listen 127.0.0.1:0 --ready-file "$work/$node.port" \
    --log-level warn 2>"$work/$node.log" &
  pids+=($!)
done
for node in a b; do
  for _ in $(seq 300); do [ -s "$work/$node.port" ] && break; sleep 0.1; done
done
pa=$(cat "$work/a.port")
pb=$(cat "$work/b.port")
run() {
  build/nodes-bench --ports "$1" --clients "$clients" --seconds "$seconds" --user bench \
    --password bench-secret-123 --id-photo "$lfw/Abel_Pacheco_0004.jpg" \
    --selfie "$lfw/Abel_Pacheco_0001.jpg"
}
one=$(run "$pa")
echo "$one"
two=$(run "$pa,$pb")
echo "$two"
r1=$(echo "$one" | sed 's/.*journeys_per_s=\([0-9.]*\).*/\1/')
r2=$(echo "$two" | sed 's/.*journeys_per_s=\([0-9.]*\).*/\1/')
echo "two nodes / one node: $(awk -v a="$r2" -v b="$r1" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }') (cores: $(nproc))"
