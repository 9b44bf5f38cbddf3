#!/bin/sh
# Registers the namespace the Hindsight service runs in and the custom search attributes its workflows set
# (the Temporal UI filters operations by them), then waits until the frontend accepts a visibility query on
# every one of them: a workflow started with an unknown search attribute is rejected, so the api and worker
# start only after this job has exited 0. Safe to run again: every step skips what already exists.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required (host:port)}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE is required}"
: "${SEARCH_ATTRIBUTES:?SEARCH_ATTRIBUTES is required (space-separated Name=Type pairs)}"
# 720h (30 days): as long as the service keeps ended operations (HINDSIGHT_OPERATION_RETENTION's default).
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-720h}
MAX_ATTEMPTS=${SETUP_MAX_ATTEMPTS:-60}
SLEEP_SECONDS=${SETUP_SLEEP_SECONDS:-2}

# retry <what> <command...>: runs the command until it succeeds or MAX_ATTEMPTS is reached.
retry() {
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "${what}: still failing after ${attempt} attempts" >&2
      return 1
    fi
    echo "${what}: not ready yet (attempt ${attempt}/${MAX_ATTEMPTS})"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

# An existing namespace gets the retention too, so a changed TEMPORAL_NAMESPACE_RETENTION applies on restart.
ensure_namespace() {
  if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" \
    >/dev/null 2>&1; then
    temporal operator namespace update --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION" \
      --address "$TEMPORAL_ADDRESS"
  else
    temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$RETENTION" \
      --address "$TEMPORAL_ADDRESS"
  fi
}

create_search_attributes() {
  set --
  for pair in $SEARCH_ATTRIBUTES; do
    set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"
  done
  temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" "$@"
}

# A visibility query resolves the attribute's alias the same way a workflow start validates it.
queryable() {
  temporal workflow list --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" --limit 1 \
    --query "$1 = 'setup-probe'" >/dev/null
}

retry "cluster health" temporal operator cluster health --address "$TEMPORAL_ADDRESS"
retry "namespace ${TEMPORAL_NAMESPACE}" ensure_namespace
retry "search attributes" create_search_attributes
for pair in $SEARCH_ATTRIBUTES; do
  retry "search attribute ${pair%%=*}" queryable "${pair%%=*}"
done

temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS"
echo "Namespace ${TEMPORAL_NAMESPACE} is ready with search attributes: ${SEARCH_ATTRIBUTES}"
