#!/usr/bin/env bash
# Benchmarks every pinned model in ekycd (build/bench-nn) and ONNX Runtime, one thread each, on
# the same inputs, and prints one line per model and input: a deterministic random input, and a
# real face photo from the shared evaluation data when it is present.
#
# ONNX Runtime is timed three ways, all from the libonnxruntime.so that the onnxruntime-node
# package ships (scripts/fetch-ort.sh):
#   ort_node_ms       through its Node binding (bench/nn/ort.js): each run also pays the binding's
#                     tensor wrapping and the await of a promise;
#   ort_c_ms          through its C API (build/ort-c-bench), no Node in the loop;
#   ort_flushed_ms    through its C API on a copy of the model whose subnormal float32 weights
#                     were set to zero (build/onnx-flush, made here in a temporary directory).
# ekycd flushes subnormals in hardware (FTZ/DAZ) during a run, so ratio_flushed = ekycd_ms /
# ort_flushed_ms is the comparison of the kernels; ratio_c also counts ONNX Runtime's time in
# subnormal arithmetic on models that have such weights (flushed=N says how many were zeroed).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-50}
rounds=${ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ORT_MODULE="$PWD/build/ort/node_modules/onnxruntime-node"
face=../shared/data/faces-pairs/dev/images/lfw/Aaron_Patterson/Aaron_Patterson_0001.jpg
ortlib=$ORT_MODULE/bin/napi-v3/linux/x64/libonnxruntime.so.1
[ "$(uname -m)" = aarch64 ] && ortlib=$ORT_MODULE/bin/napi-v3/linux/arm64/libonnxruntime.so.1
echo "# ONNX Runtime $(node -p "require('$ORT_MODULE/package.json').version") ($ortlib): through Node and through its C API"
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; runs=$runs, median; best of $rounds alternating rounds"
for model in models/fr_detect.onnx models/fr_landmark.onnx models/fr_feature.onnx \
             models/fr_liveness.onnx models/fr_eye.onnx models/fr_pose.onnx; do
  name=$(basename "$model" .onnx)
  flushed=$(build/onnx-flush "$model" "$tmp/$name.flushed.onnx" | sed -E 's/flushed=([0-9]+).*/\1/')
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
    shape=$(tr -d '[] ' <<<"$dims")
    # ROUNDS alternating rounds of every engine; each keeps its best median, so a burst of noise
    # on a shared machine does not decide a ratio
    best_ek='' best_node='' best_c='' best_fl='' line=''
    for _ in $(seq "$rounds"); do
      ek=$(build/bench-nn run "$model" "$tmp/$name.in" "$tmp/$name.ek" "$runs" | cut -d= -f2)
      line=$(INPUT_DIMS="$dims" node bench/nn/ort.js "$model" "$tmp/$name.in" "$runs" "$tmp/$name.ek" "$ek")
      node_ms=$(sed -E 's/.* ort_ms=([0-9.]+).*/\1/' <<<"$line")
      c_ms=$(build/ort-c-bench "$ortlib" "$model" "$tmp/$name.in" "$shape" "$runs" | cut -d= -f2)
      fl_ms=$(build/ort-c-bench "$ortlib" "$tmp/$name.flushed.onnx" "$tmp/$name.in" "$shape" "$runs" | cut -d= -f2)
      best_ek=$(awk -v a="$ek" -v b="${best_ek:-$ek}" 'BEGIN{print (a < b ? a : b)}')
      best_node=$(awk -v a="$node_ms" -v b="${best_node:-$node_ms}" 'BEGIN{print (a < b ? a : b)}')
      best_c=$(awk -v a="$c_ms" -v b="${best_c:-$c_ms}" 'BEGIN{print (a < b ? a : b)}')
      best_fl=$(awk -v a="$fl_ms" -v b="${best_fl:-$fl_ms}" 'BEGIN{print (a < b ? a : b)}')
    done
    diff=$(grep -Eo 'max_abs_diff=[^ ]+ rel=[^ ]+' <<<"$line")
    awk -v m="$name.onnx" -v ek="$best_ek" -v nd="$best_node" -v c="$best_c" -v fl="$best_fl" \
        -v n="$flushed" -v d="$diff" -v inp="$input" 'BEGIN{
      printf "model=%s ekycd_ms=%.2f ort_node_ms=%.2f ort_c_ms=%.2f ort_flushed_ms=%.2f ", m, ek, nd, c, fl
      printf "ratio_node=%.2f ratio_c=%.2f ratio_flushed=%.2f flushed=%s %s input=%s\n", ek / nd, ek / c, ek / fl, n, d, inp }'
  done
done
