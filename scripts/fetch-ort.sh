#!/usr/bin/env bash
# Installs the ONNX Runtime reference (onnxruntime-node, pinned) under build/ort for the parity
# tests and benchmarks. --ignore-scripts: its install script would try a download; the package
# itself ships the CPU binaries. Never used by the server.
set -euo pipefail
cd "$(dirname "$0")/.."
version=1.20.1
dir=build/ort
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
   grep -q "\"version\": \"$version\"" "$dir/node_modules/onnxruntime-node/package.json"; then
  exit 0
fi
mkdir -p "$dir"
echo "ort: installing onnxruntime-node@$version (reference for tests and benchmarks)" >&2
(cd "$dir" && npm install --silent --no-save --no-package-lock --ignore-scripts --no-audit \
    --no-fund "onnxruntime-node@$version" >/dev/null)
