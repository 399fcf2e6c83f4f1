#!/usr/bin/env bash
# One Fundus process against two on one PostgreSQL (README, "Several instances"): the mixed
# day of bench/load, the same clients for the same time, first on one instance, then spread
# over two (each on a fresh database), so that the two figures compare. After each, the
# books: `fundus verify` (the chain is one), nothing booked twice, nothing paid beyond its
# approval. Then the checks of bench/faults -check instances on two fresh instances
# (sessions and idempotency keys on either, exact approvals decided on both at once).
#
#   bench/two-instances.sh [duration]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/proc.sh
duration=${1:-20s}
PG=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/fundus" ./cmd/fundus
go build -o "$tmp/load" ./bench/load

export FUNDUS_DATABASE_URL="$PG/fundus_two?sslmode=disable" FUNDUS_RATE_LIMIT=0
# acceptance bands out of the measured path: every donation is the fund's at once
export FUNDUS_ACCEPT_ADMIN_MAX=1000000.00 FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00
export FUNDUS_BENCH_ADMIN_PASSWORD='load test admin passphrase'

# day N: the mixed day on N instances (ports 18081...), on a fresh database.
day() {
  local n=$1 pids=() urls=() port
  psql -q "$PG/postgres" -c 'DROP DATABASE IF EXISTS fundus_two' -c 'CREATE DATABASE fundus_two'
  echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin@example.org --name Admin --role admin >/dev/null
  echo "$FUNDUS_BENCH_ADMIN_PASSWORD" | "$tmp/fundus" user add --email admin2@example.org --name Admin2 --role admin >/dev/null
  for i in $(seq "$n"); do
    port=$((18080 + i))
    FUNDUS_ADDR=127.0.0.1:$port "$tmp/fundus" serve >"$tmp/$port.log" 2>&1 &
    pids+=($!)
    urls+=("http://127.0.0.1:$port")
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
  done
  echo "### the mixed day on $n instance(s), $duration"
  local f0 p0 a0 s0 c0
  f0=$(cpu_ticks "${pids[@]}") p0=$(cpu_ticks $(pgrep -x postgres)) a0=$(machine_ticks) s0=$(ctx_switches "${pids[@]}")
  c0=$(awk '/^ctxt/ {print $2}' /proc/stat)
  "$tmp/load" -url "$(IFS=,; echo "${urls[*]}")" -scenario mixed -duration "$duration"
  awk -v f=$(($(cpu_ticks "${pids[@]}") - f0)) -v p=$(($(cpu_ticks $(pgrep -x postgres)) - p0)) -v a=$(($(machine_ticks) - a0)) -v hz="$(getconf CLK_TCK)" 'BEGIN {
    printf "CPU seconds meanwhile: Fundus %.1f, PostgreSQL %.1f, the rest (the load tool, the kernel) %.1f, of %.1f in all\n", f / hz, p / hz, (a - f - p) / hz, a / hz }'
  echo "context switches meanwhile: Fundus's threads $(($(ctx_switches "${pids[@]}") - s0)), the machine $(($(awk '/^ctxt/ {print $2}' /proc/stat) - c0))"
  kill "${pids[@]}"
  wait "${pids[@]}" || true
  echo "### the books after the mixed day on $n instance(s)"
  "$tmp/fundus" verify
  psql -qAt "$PG/fundus_two" -c "SELECT 'entries booked twice for one thing: ' || count(*) FROM (SELECT 1 FROM entries WHERE ref_id IS NOT NULL GROUP BY ref_type, ref_id, kind HAVING count(*) > 1) t" \
    -c "SELECT 'applications paid beyond their approval: ' || count(*) FROM applications WHERE paid_amount > COALESCE(approved_amount, 0)" \
    -c "SELECT 'entries: ' || count(*) FROM entries"
}
day 1
day 2

echo "### checks on two fresh instances"
psql -q "$PG/postgres" -c 'DROP DATABASE fundus_two' -c 'CREATE DATABASE fundus_two'
go run ./bench/faults -check instances -db "$FUNDUS_DATABASE_URL"
