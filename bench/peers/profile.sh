#!/usr/bin/env bash
# Where one Fundus peer's run spends its time and bytes: the harness's run (up on an empty
# database, a warm-up, one recorded run of SECS seconds), and meanwhile
#   - CPU seconds per 1,000 entries of Fundus, of PostgreSQL (all its processes) and of the
#     rest of the machine (the load tool, the kernel), from /proc;
#   - a CPU profile of Fundus (pprof, over the middle of the run) in $PEERS_WORK/<peer>/cpu.pprof,
#     its top functions printed;
#   - on PostgreSQL, the run's WAL by record type (pg_waldump --stats=record): what each
#     entry writes, index by index.
#
#   bench/peers/profile.sh [fundus|fundus-confirm|fundus-sqlite|fundus-sqlite-confirm]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../proc.sh"
PREPARE_ONLY=1 "$here/run.sh"
work=${PEERS_WORK:-/tmp/peers}
h=$work/harness
peer=${1:-fundus}
export FRESH=1 FUNDUS_DEBUG_ADDR=127.0.0.1:17090 PEERS_WORK=$work FUNDUS_SRC=${FUNDUS_SRC:-$(cd "$here/../.." && pwd)}
secs=${SECS:-20}
"$h/$peer/up.sh"
trap '"$h/$peer/down.sh"' EXIT
SECS=5 "$h/$peer/bench.sh" >/dev/null
# The confirms' peers pledge what their run will confirm first: before the measured window here.
case $peer in *-confirm) PLEDGE_ONLY=1 SECS=$secs "$h/$peer/bench.sh" >/dev/null ;; esac
PSQL="psql -h 127.0.0.1 -U postgres -qtAX"
pgdata=$($PSQL -c 'show data_directory')
f0=$(cpu_ticks $(pgrep -x fundus)) p0=$(cpu_ticks $(pgrep -x postgres)) a0=$(machine_ticks) lsn0=$($PSQL -c 'select pg_current_wal_lsn()')
(sleep $((secs / 4)); curl -s -o "$work/$peer/cpu.pprof" "http://$FUNDUS_DEBUG_ADDR/debug/pprof/profile?seconds=$((secs / 2))") &
SECS=$secs "$h/$peer/bench.sh" | tee "$work/$peer/profile-run.txt"
wait
n=$(sed -n 's/.*(2xx: \([0-9]*\) = .*/\1/p' "$work/$peer/load.txt")
f1=$(cpu_ticks $(pgrep -x fundus)) p1=$(cpu_ticks $(pgrep -x postgres)) a1=$(machine_ticks) lsn1=$($PSQL -c 'select pg_current_wal_lsn()')
hz=$(getconf CLK_TCK)
awk -v n="$n" -v f=$((f1 - f0)) -v p=$((p1 - p0)) -v a=$((a1 - a0)) -v hz="$hz" 'BEGIN {
  printf "CPU seconds per 1,000 entries (%d entries): Fundus %.3f, PostgreSQL %.3f, the rest %.3f, all %.3f\n",
    n, f / hz / n * 1000, p / hz / n * 1000, (a - f - p) / hz / n * 1000, a / hz / n * 1000 }'
echo "(the PostgreSQL and the rest include the 11 s of bench_wal's wait and the checks after the run)"
go tool pprof -top -nodecount=35 "$work/$peer/cpu.pprof" 2>/dev/null | head -45
if [ "$peer" = fundus ] || [ "$peer" = fundus-confirm ]; then
  echo "WAL of the run, by record type ($lsn0 .. $lsn1, $n entries):"
  /usr/lib/postgresql/*/bin/pg_waldump -p "$pgdata/pg_wal" -s "$lsn0" -e "$lsn1" --stats=record 2>/dev/null |
    awk -v n="$n" 'NR <= 2 || ($2 > 0 && $0 ~ /\//) {print} /^Total/ {print; if (n > 0) printf "per entry: %.0f B\n", $(NF - 1) / n}' | head -60
  # The same WAL by relation: each record's total length counted to the first relation it
  # names (the relation's file node, named from pg_class), bytes per entry.
  dbname=fundus_bench
  [ "$peer" = fundus ] || dbname=fundus_bench_confirm
  echo "WAL of the run by relation, B per entry (records that name none: -):"
  /usr/lib/postgresql/*/bin/pg_waldump -p "$pgdata/pg_wal" -s "$lsn0" -e "$lsn1" 2>/dev/null |
    awk 'match($0, /tot\): *[0-9]+\/ *[0-9]+/) { t = substr($0, RSTART, RLENGTH); sub(/.*\/ */, "", t)
           node = "-"; if (match($0, /rel [0-9]+\/[0-9]+\/[0-9]+/)) { split(substr($0, RSTART + 4, RLENGTH - 4), a, "/"); node = a[3] }
           b[node] += t } END { for (k in b) print k, b[k] }' | sort -k2 -nr |
    while read -r node bytes; do
      name=$node
      [ "$node" = - ] || name=$($PSQL -d "$dbname" -c "select coalesce((select relname from pg_class where relfilenode = $node), '$node')")
      awk -v name="$name" -v b="$bytes" -v n="$n" 'BEGIN { if (n > 0) printf "  %-40s %6.0f\n", name, b / n }'
    done | head -30
fi
