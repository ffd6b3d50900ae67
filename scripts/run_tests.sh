#!/bin/sh
# The project's whole test suite: module tests, scenarios and cross-module
# tests on SQLite and on PostgreSQL.  Called by `make test`.
set -e
cd "$(dirname "$0")/.."
./scripts/ensure_postgres.sh
./scripts/ensure_chromium.sh
exec .venv/bin/python scripts/run_tests.py "$@"
