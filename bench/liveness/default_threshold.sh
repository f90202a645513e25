#!/usr/bin/env bash
# How ekycd's shipped default liveness threshold was chosen, and what it is worth on capture
# settings it was not chosen on (`make liveness-default`; docs/liveness.md).
#
# On the shared dev liveness set (liveness/dev: subject groups, each its own camera and light),
# through the path the API runs (`ekycd liveness`: the selfie gates, tight crops framed, the
# network): for each group in turn, the equal-error threshold of the *other* groups
# (`--calibrate`) applied to the group left out (`--evaluate`); the pooled error rates of those
# folds are what a default threshold does on a setting it has not seen. Then the equal-error
# threshold of all dev groups: the value to ship (its rates on dev are printed too, labelled as
# measured on the images it was chosen on).
# Usage: bench/liveness/default_threshold.sh [DATA_DIR] [MODELS_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${EKYCD_SHARED_DATA:-../shared/data}/liveness/dev}
MODELS=${2:-models}
BIN=build/ekycd
[ -f "$DATA/liveness.tsv" ] || { echo "no $DATA/liveness.tsv (the shared data)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# one directory of symlinks per (group, label)
groups=$(awk -F'\t' 'NR > 1 && $1 !~ /^#/ {print $4}' "$DATA/liveness.tsv" | sort -u)
while IFS=$'\t' read -r img label _ group _; do
  case "$img" in '#'*|'') continue ;; esac
  kind=spoof; [ "$label" = real ] && kind=live
  mkdir -p "$work/$group/$kind"
  ln -s "$(cd "$DATA" && pwd)/$img" "$work/$group/$kind/$(echo "$img" | tr / _)"
done < <(tail -n +2 "$DATA/liveness.tsv")

# links of every group but $1 (all groups when $1 is empty) into $2/{live,spoof}
gather() {
  local g k
  mkdir -p "$2/live" "$2/spoof"
  for g in $groups; do
    [ "$g" = "$1" ] && continue
    for k in live spoof; do
      [ -d "$work/$g/$k" ] && cp -P "$work/$g/$k/"* "$2/$k/" 2>/dev/null || true
    done
  done
}
field() { sed -n "s/.*\"$1\":\([-0-9.e]*\).*/\1/p"; }

tl=0 ts=0 tr=0 ta=0
for g in $groups; do
  [ -d "$work/$g/live" ] && [ -d "$work/$g/spoof" ] || { echo "group $g: not both kinds, left out of the folds"; continue; }
  rm -rf "$work/rest"; gather "$g" "$work/rest"
  t=$("$BIN" liveness --calibrate --live "$work/rest/live" --spoof "$work/rest/spoof" --models "$MODELS" | field liveness_threshold)
  out=$("$BIN" liveness --evaluate --threshold "$t" --live "$work/$g/live" --spoof "$work/$g/spoof" --models "$MODELS" || true)
  nl=$(echo "$out" | field live); ns=$(echo "$out" | field spoof)
  lr=$(echo "$out" | field liveRefused); sa=$(echo "$out" | field spoofAccepted)
  [ -n "$nl" ] || { echo "group $g: too few usable images"; continue; }
  r=$(awk -v n="$nl" -v f="$lr" 'BEGIN{printf "%d", n*f+0.5}'); a=$(awk -v n="$ns" -v f="$sa" 'BEGIN{printf "%d", n*f+0.5}')
  echo "left out $g: threshold $t (chosen on the others): live refused $r/$nl, spoof accepted $a/$ns"
  tl=$((tl + nl)) ts=$((ts + ns)) tr=$((tr + r)) ta=$((ta + a))
done
awk -v tl=$tl -v ts=$ts -v tr=$tr -v ta=$ta 'BEGIN{printf "leave-one-group-out (settings the threshold never saw): live refused %d/%d (BPCER %.1f %%), spoof accepted %d/%d (APCER %.1f %%), accuracy %.1f %%\n", tr, tl, 100*tr/tl, ta, ts, 100*ta/ts, 100*(tl-tr+ts-ta)/(tl+ts)}'
rm -rf "$work/rest"; gather "" "$work/all"
echo "all dev groups (the default to ship; rates on the images it was chosen on):"
"$BIN" liveness --calibrate --live "$work/all/live" --spoof "$work/all/spoof" --models "$MODELS"
