#!/bin/sh
# Runs once, when the postgres image initialises an empty data directory. Temporal's own databases
# (temporal, temporal_visibility) are created by the temporal-schema job; this gives the Hindsight service
# a database and a role of its own, so the app never shares tables or privileges with Temporal.
# No `set -eu` here: the image sources non-executable init scripts into its own entrypoint shell. A failing
# check or statement still aborts initialisation (the entrypoint runs with `set -e`, psql with ON_ERROR_STOP).

: "${HINDSIGHT_DB_NAME:?HINDSIGHT_DB_NAME is required}"
: "${HINDSIGHT_DB_USER:?HINDSIGHT_DB_USER is required}"
: "${HINDSIGHT_DB_PASSWORD:?HINDSIGHT_DB_PASSWORD is required}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_db="$HINDSIGHT_DB_NAME" -v app_user="$HINDSIGHT_DB_USER" -v app_password="$HINDSIGHT_DB_PASSWORD" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password';
CREATE DATABASE :"app_db" OWNER :"app_user";
SQL
