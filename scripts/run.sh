#!/usr/bin/env bash
# `make run`: start ekycd on 127.0.0.1:8080 with data under ./var. On the first run, creates the
# master key (var/ekycd.key, mode 0600) and a "demo" account whose password is printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${EKYCD_DATA:-var}
listen=${EKYCD_LISTEN:-127.0.0.1:8080}
mkdir -p "$data"
chmod 700 "$data"

if ! build/ekycd account show --data "$data" --username demo >/dev/null 2>&1; then
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | head -c 20)
  printf '%s\n' "$password" | build/ekycd account add --data "$data" --username demo \
      --password-file - >/dev/null 2>&1
  cat <<MSG
Created API account "demo" with password: $password   (shown once; see 'build/ekycd account --help')
Try:  curl -s -X POST http://$listen/api/ekyc/journeyid -H 'Content-Type: application/json' \\
        -d '{"username":"demo","password":"$password"}'
MSG
fi
echo "ekycd listening on http://$listen (data in $data/, Ctrl-C to stop)"
exec build/ekycd serve --data "$data" --listen "$listen"
