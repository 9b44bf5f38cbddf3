#!/usr/bin/env bash
# Stops a server started by start-postgres.sh. Usage: scripts/stop-postgres.sh DATA_DIR
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$bin/pg_ctl" -D "$1" -m fast stop >/dev/null
else "$bin/pg_ctl" -D "$1" -m fast stop >/dev/null; fi
