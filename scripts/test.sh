#!/usr/bin/env bash
# Lint, type-check and test, the same way locally and in CI. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
for pkg in forms ocr ingest records api review_ui samples; do
  if [[ -f $pkg/__init__.py ]]; then packages+=("$pkg"); fi
done

echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy "${packages[@]}"

# The suite runs twice: on SQLite (the embedded default), then on PostgreSQL with Redis —
# every test that touches the database, the API, the screens and the queue workers, leaving
# out only the pure image and OCR tests. Both servers are throwaway, on Unix sockets.
source scripts/services.sh
trap stop_test_services EXIT
start_test_services
postgres_url=$CARDSCAN_TEST_DATABASE_URL
unset CARDSCAN_TEST_DATABASE_URL

echo "== pytest (SQLite)"
.venv/bin/python -m pytest -q "$@"

echo "== pytest (PostgreSQL $postgres_url, Redis)"
if (($#)); then
  CARDSCAN_TEST_DATABASE_URL=$postgres_url .venv/bin/python -m pytest -q "$@"
else
  CARDSCAN_TEST_DATABASE_URL=$postgres_url .venv/bin/python -m pytest -q \
    --ignore=tests/ocr --ignore=tests/samples
fi
