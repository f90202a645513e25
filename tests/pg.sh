#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#   tests/pg.sh start DIR   initdb into DIR (trust auth, loopback only), start it on a free port,
#                           print the base URL postgres://USER@127.0.0.1:PORT
#   tests/pg.sh createdb DIR NAME   create database NAME in it
#   tests/pg.sh stop DIR    stop it (the caller removes DIR)
#   tests/pg.sh restart DIR start it again on the same port (after stop)
# As root, the cluster runs as the unprivileged `postgres` user (initdb refuses root).
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg.sh: PostgreSQL server binaries not found" >&2; exit 1; }
cmd=$1
dir=$2
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }
case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -A trust -U "$(user)" --no-sync >"$dir/initdb.log" 2>&1
  for _ in $(seq 50); do # a port nobody listens on
    port=$((20000 + RANDOM % 40000))
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
  done
  echo "$port" >"$dir/port"
  "$0" restart "$dir"
  echo "postgres://$(user)@127.0.0.1:$port"
  ;;
restart)
  port=$(cat "$dir/port")
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null
  ;;
createdb)
  port=$(cat "$dir/port")
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$(user)" "$3"
  ;;
stop)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  ;;
esac
