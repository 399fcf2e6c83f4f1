#!/usr/bin/env bash
# Runs the load tool against a fresh Fundus on SQLite, on PostgreSQL, or on
# both, and appends every figure to a CSV (README, "Under load").
#
#   bench/run.sh [sqlite|postgres|both] [flags for bench/load ...]
#   bench/run.sh both -scenario all -duration 10s
#
# Each engine starts from an empty database: SQLite in a temporary
# directory, PostgreSQL in the database fundus_bench (dropped and created;
# BENCH_POSTGRES_URL points at the server, default the local one). Fundus
# runs with the rate limit off (the load comes from one address) and its
# access log in the temporary directory. FUNDUS_DEBUG_ADDR is passed on, to
# profile while the load runs.
set -euo pipefail
cd "$(dirname "$0")/.."
engines=${1:-both}
shift || true
[ "$engines" = both ] && engines="sqlite postgres"
PG=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
ADDR=${BENCH_ADDR:-127.0.0.1:18080}
CSV=${BENCH_CSV:-bench/results.csv}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/fundus" ./cmd/fundus
go build -o "$tmp/load" ./bench/load
export FUNDUS_BENCH_ADMIN_PASSWORD='load test admin passphrase'

for engine in $engines; do
  case $engine in
    sqlite) url="sqlite://$tmp/bench.db" ;;
    postgres)
      psql -q "$PG/postgres" -c 'DROP DATABASE IF EXISTS fundus_bench' -c 'CREATE DATABASE fundus_bench'
      url="$PG/fundus_bench?sslmode=disable" ;;
    *) echo "unknown engine $engine (sqlite, postgres, both)" >&2; exit 2 ;;
  esac
  export FUNDUS_DATABASE_URL=$url FUNDUS_ADDR=$ADDR FUNDUS_RATE_LIMIT=0
  # acceptance bands out of the measured path: every donation is the fund's at once
  export FUNDUS_ACCEPT_ADMIN_MAX=1000000.00 FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00
  echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin@example.org --name Admin --role admin >/dev/null
  echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin2@example.org --name Admin2 --role admin >/dev/null
  "$tmp/fundus" serve >"$tmp/$engine.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "http://$ADDR/readyz" >/dev/null && break; sleep 0.1; done
  echo "### $engine ($(nproc) cores, $(go env GOVERSION))"
  "$tmp/load" -url "http://$ADDR" -label "$engine" -csv "$CSV" "$@"
  kill "$pid"; wait "$pid" || true
done
echo "figures appended to $CSV"
