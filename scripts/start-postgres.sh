#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the PostgreSQL test leg and prints its URL.
# Usage: scripts/start-postgres.sh DATA_DIR PORT
set -euo pipefail
data_dir=${1:?data dir}
port=${2:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$data_dir"
[ "$(id -u)" = 0 ] && chown postgres "$data_dir"
if [ ! -f "$data_dir/PG_VERSION" ]; then
  run "$bin/initdb" -D "$data_dir" -U hindsight --auth=trust >/dev/null
fi
run "$bin/pg_ctl" -D "$data_dir" -l "$data_dir/server.log" -w \
  -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
run "$bin/createdb" -h 127.0.0.1 -p "$port" -U hindsight hindsight 2>/dev/null || true
echo "postgres://hindsight@127.0.0.1:$port/hindsight"
