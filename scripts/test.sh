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
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
