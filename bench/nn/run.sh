#!/usr/bin/env bash
# Benchmarks every pinned model in ekycd (build/bench-nn) and ONNX Runtime (bench/nn/ort.js),
# one thread each, on the same inputs, and prints one line per model and input: a deterministic
# random input, and a real face photo from the shared evaluation data when it is present.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-50}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ORT_MODULE="$PWD/build/ort/node_modules/onnxruntime-node"
face=../shared/data/faces-pairs/dev/images/lfw/Aaron_Patterson/Aaron_Patterson_0001.jpg
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; runs=$runs, median; best of $rounds alternating rounds"
for model in models/fr_detect.onnx models/fr_landmark.onnx models/fr_feature.onnx \
             models/fr_liveness.onnx models/fr_eye.onnx models/fr_pose.onnx; do
  name=$(basename "$model" .onnx)
  dims=$(node -e "
    const ort = require(process.env.ORT_MODULE);
    ort.InferenceSession.create('$model').then(s => {
      const m = s.inputMetadata ? s.inputMetadata[0] : null;
      console.log(JSON.stringify(m && m.shape ? m.shape : null));
    });")
  if [ "$dims" = "null" ] || [ -z "$dims" ]; then
    case $name in
      fr_detect) dims='[1,3,240,320]' ;; fr_landmark) dims='[1,1,64,64]' ;;
      fr_feature) dims='[1,3,112,112]' ;; fr_liveness) dims='[1,3,128,128]' ;;
      fr_eye) dims='[1,1,24,24]' ;; fr_pose) dims='[1,3,224,224]' ;;
    esac
  fi
  for input in random face; do
    src=7
    if [ "$input" = face ]; then
      src=$face
      [ -f "$src" ] || continue
    fi
    build/bench-nn gen "$model" "$tmp/$name.in" "$src"
    # ROUNDS alternating rounds of both engines; each engine's best median is kept, so a burst
    # of noise on a shared machine does not decide the ratio
    best_ek='' best_ort='' line=''
    for _ in $(seq "$rounds"); do
      ek=$(build/bench-nn run "$model" "$tmp/$name.in" "$tmp/$name.ek" "$runs" | cut -d= -f2)
      line=$(INPUT_DIMS="$dims" node bench/nn/ort.js "$model" "$tmp/$name.in" "$runs" "$tmp/$name.ek" "$ek")
      ort=$(sed -E 's/.* ort_ms=([0-9.]+).*/\1/' <<<"$line")
      best_ek=$(awk -v a="$ek" -v b="${best_ek:-$ek}" 'BEGIN{print (a < b ? a : b)}')
      best_ort=$(awk -v a="$ort" -v b="${best_ort:-$ort}" 'BEGIN{print (a < b ? a : b)}')
    done
    ratio=$(awk -v a="$best_ek" -v b="$best_ort" 'BEGIN{printf "%.2f", a / b}')
    diff=$(grep -Eo 'max_abs_diff=[^ ]+ rel=[^ ]+' <<<"$line")
    printf 'model=%s ekycd_ms=%.2f ort_ms=%.2f ratio=%s %s input=%s\n' "$name.onnx" "$best_ek" \
      "$best_ort" "$ratio" "$diff" "$input"
  done
done
