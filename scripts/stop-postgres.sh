#!/usr/bin/env bash
# Stops a PostgreSQL server started by scripts/start-postgres.sh (a fast shutdown: sessions are ended,
# committed work is kept).
# Usage: scripts/stop-postgres.sh DATA_DIR
set -euo pipefail
data_dir=${1:?data dir}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
run "$bin/pg_ctl" -D "$data_dir" -m fast -w stop >/dev/null
