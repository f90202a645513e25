#!/usr/bin/env bash
# The capture page (web/) in real Chromium: `make test-browser`.
# Installs what is missing (Debian's chromium, the npm packages of package-lock.json), starts
# build/ekycd on a free loopback port with a fresh data directory, creates the accounts and API
# keys the tests use, runs tests/browser/*.test.js with node's test runner (one at a time) and
# ends with one line: 'N passed, N failed, N skipped'.
# Builds nothing: the Makefile target depends on build/ekycd and build/face-motion.
# Screenshots of every step: build/browser-shots/<test>/NN-step.png.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${EKYCD_BIN:-$ROOT/build/ekycd}
WORK=$ROOT/build/browser-work
export EKYCD_BROWSER_WORK=$WORK

if [ ! -x /usr/bin/chromium ] && [ -z "${CHROMIUM:-}" ]; then
    echo "installing chromium (apt)"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null \
        || { echo "cannot install chromium"; exit 1; }
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
    echo "installing playwright-core and axe-core (npm ci)"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || { echo "npm ci failed"; exit 1; }
fi
for f in "$BIN" "$ROOT/build/face-motion"; do
    [ -x "$f" ] || { echo "$f is missing: make build/ekycd build/face-motion"; exit 1; }
done

rm -rf "$WORK"
mkdir -p "$WORK/data"
DATA=$WORK/data
PID=
cleanup() {
    if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; fi
    # the fake camera's videos are large (~80 MB each): kept only when asked
    [ -n "${KEEP_VIDEOS:-}" ] || find "$WORK" -name '*.y4m' -delete 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pw() { head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# The merchant of most tests; a second account (another client's tokens); a third whose links
# live one minute (the expired-link test).
"$BIN" account add --data "$DATA" --username browser --password "$(pw)" --display-name "Acme Bank" \
    --retention-days 14 >/dev/null 2>>"$WORK/setup.log" || { echo "account add failed"; cat "$WORK/setup.log"; exit 1; }
"$BIN" account add --data "$DATA" --username other --password "$(pw)" >/dev/null 2>>"$WORK/setup.log" || exit 1
"$BIN" account add --data "$DATA" --username brief --password "$(pw)" --display-name "Brief Shop" \
    --link-minutes 1 >/dev/null 2>>"$WORK/setup.log" || exit 1
key() {
    "$BIN" client add --data "$DATA" --account "$1" --name "$2" \
        2>>"$WORK/setup.log" | awk '/^client_id:/{id=$2} /^client_secret:/{s=$2} END{if(id&&s) print id ":" s}'
}
export EKYCD_BROWSER_CLIENT_A; EKYCD_BROWSER_CLIENT_A=$(key browser browser-tests)
export EKYCD_BROWSER_CLIENT_B; EKYCD_BROWSER_CLIENT_B=$(key other other-tests)
export EKYCD_BROWSER_CLIENT_C; EKYCD_BROWSER_CLIENT_C=$(key brief brief-tests)
for k in "$EKYCD_BROWSER_CLIENT_A" "$EKYCD_BROWSER_CLIENT_B" "$EKYCD_BROWSER_CLIENT_C"; do
    [ -n "$k" ] || { echo "client add failed"; exit 1; }
done

# Passive liveness accepts every frame here: the fake camera plays build/face-motion's rendering
# of a printed photo, which passive liveness rightly doubts; these tests are about the page and
# the challenge (tests/api/test_h5.c checks that passive liveness gates the challenge).
"$BIN" serve --data "$DATA" --listen 127.0.0.1:0 --ready-file "$DATA/ready" \
    --models "$ROOT/models" --ocr "$ROOT/ocr" --liveness-threshold -16 \
    2>"$WORK/server.log" >/dev/null &
PID=$!
for _ in $(seq 1 600); do
    [ -s "$DATA/ready" ] && break
    kill -0 "$PID" 2>/dev/null || { echo "ekycd serve exited:"; tail -20 "$WORK/server.log"; exit 1; }
    sleep 0.1
done
PORT=$(cat "$DATA/ready" 2>/dev/null)
[ -n "$PORT" ] || { echo "ekycd serve did not become ready"; tail -20 "$WORK/server.log"; exit 1; }
export EKYCD_BROWSER_BASE=http://127.0.0.1:$PORT
echo "ekycd serve on $EKYCD_BROWSER_BASE (log: $WORK/server.log)"

# A one-minute link made now, checked by the expired-link test at the end of the run.
EKYCD_BROWSER_EXPIRING=$(curl -s -X POST "$EKYCD_BROWSER_BASE/api/ekyc/verifications" \
    -H "client_id: ${EKYCD_BROWSER_CLIENT_C%%:*}" -H "client_secret: ${EKYCD_BROWSER_CLIENT_C#*:}" \
    -H 'Content-Type: application/json' \
    -d '{"type":"00","id_country":"MYS","id_type":"ID_CARD","redirect_url":"http://127.0.0.1:9/done"}' \
    | sed -n 's/.*"token":"\([A-Z0-9]*\)".*/\1/p')
export EKYCD_BROWSER_EXPIRING

FILES=$(ls tests/browser/*.test.js | sort)
[ -n "${BROWSER_TESTS:-}" ] && FILES=$(ls $(printf 'tests/browser/%s.test.js ' $BROWSER_TESTS))
node --test --test-concurrency=1 --test-reporter=spec $FILES 2>&1 | tee "$WORK/node-test.txt"
STATUS=${PIPESTATUS[0]}
num() { sed -n "s/^ℹ $1 \([0-9]*\).*/\1/p" "$WORK/node-test.txt" | tail -1; }
P=$(num pass); F=$(num fail); S=$(num skipped); C=$(num cancelled)
F=$(( ${F:-0} + ${C:-0} ))
echo "${P:-0} passed, ${F} failed, ${S:-0} skipped"
exit "$STATUS"
