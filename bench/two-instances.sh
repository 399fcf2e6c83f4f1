#!/usr/bin/env bash
# Two Fundus processes on one PostgreSQL (README, "Several instances"):
# first the mixed load of bench/load spread over both, then the checks of
# bench/faults -check instances (sessions and idempotency keys on either,
# exact approvals decided on both at once, nothing booked twice).
#
#   bench/two-instances.sh [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20s}
PG=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/fundus" ./cmd/fundus
go build -o "$tmp/load" ./bench/load

psql -q "$PG/postgres" -c 'DROP DATABASE IF EXISTS fundus_two' -c 'CREATE DATABASE fundus_two'
export FUNDUS_DATABASE_URL="$PG/fundus_two?sslmode=disable" FUNDUS_RATE_LIMIT=0
# acceptance bands out of the measured path: every donation is the fund's at once
export FUNDUS_ACCEPT_ADMIN_MAX=1000000.00 FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00
export FUNDUS_BENCH_ADMIN_PASSWORD='load test admin passphrase'
echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin@example.org --name Admin --role admin >/dev/null
echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin2@example.org --name Admin2 --role admin >/dev/null
FUNDUS_ADDR=127.0.0.1:18081 "$tmp/fundus" serve >"$tmp/a.log" 2>&1 &
a=$!
FUNDUS_ADDR=127.0.0.1:18082 "$tmp/fundus" serve >"$tmp/b.log" 2>&1 &
b=$!
for port in 18081 18082; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done
echo "### mixed load on two instances, $duration"
"$tmp/load" -url http://127.0.0.1:18081,http://127.0.0.1:18082 -scenario mixed -duration "$duration"
kill "$a" "$b"; wait "$a" "$b" || true
echo "### the books after the mixed load"
"$tmp/fundus" verify
psql -qAt "$PG/fundus_two" -c "SELECT 'entries booked twice for one thing: ' || count(*) FROM (SELECT 1 FROM entries WHERE ref_id IS NOT NULL GROUP BY ref_type, ref_id, kind HAVING count(*) > 1) t" \
  -c "SELECT 'applications paid beyond their approval: ' || count(*) FROM applications WHERE paid_amount > COALESCE(approved_amount, 0)"

echo "### checks on two fresh instances"
psql -q "$PG/postgres" -c 'DROP DATABASE fundus_two' -c 'CREATE DATABASE fundus_two'
go run ./bench/faults -check instances -db "$FUNDUS_DATABASE_URL"
