#!/usr/bin/env bash
# Kills fundus serve with SIGKILL in the middle of confirms, several times,
# on SQLite and on PostgreSQL, retries every confirm that got no answer with
# its idempotency key, and checks the books (README, "Crash safety").
#
#   bench/crash.sh [pledges] [kills]
set -euo pipefail
cd "$(dirname "$0")/.."
pledges=${1:-5000}
kills=${2:-5}
PG=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "### SQLite"
go run ./bench/faults -check crash -db "sqlite://$tmp/crash.db" -pledges "$pledges" -kills "$kills"
echo "### PostgreSQL"
psql -q "$PG/postgres" -c 'DROP DATABASE IF EXISTS fundus_crash' -c 'CREATE DATABASE fundus_crash'
go run ./bench/faults -check crash -db "$PG/fundus_crash?sslmode=disable" -pledges "$pledges" -kills "$kills"
