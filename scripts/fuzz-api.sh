#!/usr/bin/env bash
# Schema-driven fuzzing of a running server with the settings the test suite uses
# (test/fuzz/schemathesis.toml, the same seed and number of examples).
#   scripts/fuzz-api.sh [base-url]        default http://127.0.0.1:8888
#   HINDSIGHT_FUZZ_EXAMPLES=200 HINDSIGHT_FUZZ_SEED=7 scripts/fuzz-api.sh
# Extra arguments after the URL go to `schemathesis run` (e.g. --include-path-regex /memories).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
url="${1:-http://127.0.0.1:8888}"
shift || true
if ! python3 -m schemathesis.cli --version >/dev/null 2>&1; then
  echo "schemathesis is not installed: python3 -m pip install schemathesis==4.32.5" >&2
  exit 2
fi
# Run elsewhere so nothing schemathesis writes lands in the repository.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
python3 -m schemathesis.cli --config-file "$repo/test/fuzz/schemathesis.toml" run "${url%/}/openapi.json" \
  --max-examples "${HINDSIGHT_FUZZ_EXAMPLES:-25}" --seed "${HINDSIGHT_FUZZ_SEED:-20240315}" "$@"
