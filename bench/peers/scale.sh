#!/usr/bin/env bash
# Does size slow it? One Fundus peer's benchmark of the harness (PEER: fundus, entries on
# PostgreSQL, the default; fundus-confirm, confirms on PostgreSQL; fundus-sqlite, entries on
# SQLite) on an empty ledger, then again after bench/seedledger has put N entries (default
# 1,000,000) into the same database and a checkpoint has written them out: a warm-up and RUNS (2)
# recorded runs each, each with the harness's checks of the books and `fundus verify`. After each
# run, the server's memory (/proc: resident now, its anonymous part, the peak). At the end, over
# the whole ledger, `fundus verify` and each export (EXPORTS: jsonl csv hledger beancount): time,
# entries/s and memory (the peak
# resident set, and the peak of its anonymous part, sampled every 0.1 s; on SQLite the
# resident set also counts the database file mapped into memory, up to mmap_size).
#
#   PEER=fundus-sqlite bench/peers/scale.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
n=${1:-1000000}
peer=${PEER:-fundus}
PREPARE_ONLY=1 "$here/run.sh"
export PEERS_WORK=${PEERS_WORK:-/tmp/peers} FUNDUS_SRC=${FUNDUS_SRC:-$src}
h=$PEERS_WORK/harness
. "$h/common.sh"
. "$h/fundus/lib.sh"
fundus_peer "$peer"
FRESH=1 "$h/$peer/up.sh"
trap '"$h/$peer/down.sh"' EXIT

memory() { # the server's memory now
  awk '/^(VmRSS|RssAnon|VmHWM):/ {printf "%s %d MB  ", $1, $2 / 1024} END {print ""}' "/proc/$(cat "$RUN/fundus.pid")/status" |
    sed 's/^/server memory: /'
}
runs() {
  SECS=5 "$h/$peer/bench.sh" >/dev/null
  for _ in $(seq "${RUNS:-2}"); do "$h/$peer/bench.sh"; memory; sleep 2; done
}
# peak ARGS...: run `fundus ARGS` on the peer's database (output to /dev/null), print its time
# and peak memory.
peak() {
  local anon=0 r t0 t1 pid c
  t0=$(date +%s.%N)
  (cd "$RUN" && FUNDUS_DATABASE_URL=$DBURL exec /usr/bin/time -f '%M' -o "$RUN/time.txt" "$FUNDUS_BIN" "$@" >/dev/null) &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for c in $(pgrep -P "$pid"); do
      r=$(awk '/^RssAnon:/ {print $2}' "/proc/$c/status" 2>/dev/null || true)
      [ "${r:-0}" -le "$anon" ] || anon=$r
    done
    sleep 0.1
  done
  wait "$pid"
  t1=$(date +%s.%N)
  awk -v n="$total" -v s="$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" -v rss="$(tail -1 "$RUN/time.txt")" -v anon="$anon" -v name="fundus $*" 'BEGIN {
    printf "%s: %d entries in %.1f s (%d entries/s), peak resident %d MB, of it anonymous %d MB\n", name, n, s, n / s, rss / 1024, anon / 1024 }'
}

echo "### an empty ledger"
runs
"$h/$peer/down.sh"
echo "### seeding $n entries"
(cd "$src" && go run ./bench/seedledger -db "$DBURL" -n "$n")
# The bulk load's pages are written out before the runs at size: a fund's ledger never grows by
# N entries at once, and a checkpoint of the whole load running meanwhile measured the load, not
# the size (on PostgreSQL at 10M, -34 % against +3 % after it).
if [ -n "$DBNAME" ]; then fq 'checkpoint' >/dev/null; else sqlite3 "$DBFILE" 'pragma wal_checkpoint(truncate)' >/dev/null; fi
FRESH=0 "$h/$peer/up.sh"
echo "### the same ledger with $n entries more"
runs
"$h/$peer/down.sh"
total=$(fq 'select count(*) from entries')
echo "### the whole ledger, $total entries"
[ -n "$DBNAME" ] || sync
peak verify
for f in ${EXPORTS:-jsonl csv hledger beancount}; do peak export --format "$f"; done
