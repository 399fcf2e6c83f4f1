#!/usr/bin/env bash
# Does size slow it? The harness's entries benchmark on PostgreSQL (peer fundus) on an
# empty ledger, then again after bench/seedledger has put N entries (default 1,000,000)
# into the same database: a warm-up and RUNS (2) recorded runs each, with the harness's
# checks of the books and `fundus verify` (whose time over the whole ledger is its figure).
#
#   bench/peers/scale.sh [N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
n=${1:-1000000}
PREPARE_ONLY=1 "$here/run.sh"
export PEERS_WORK=${PEERS_WORK:-/tmp/peers} FUNDUS_SRC=${FUNDUS_SRC:-$src}
h=$PEERS_WORK/harness
FRESH=1 "$h/fundus/up.sh"
trap '"$h/fundus/down.sh"' EXIT
runs() {
  SECS=5 "$h/fundus/bench.sh" >/dev/null
  for _ in $(seq "${RUNS:-2}"); do "$h/fundus/bench.sh"; sleep 2; done
}
echo "### an empty ledger"
runs
"$h/fundus/down.sh"
echo "### seeding $n entries"
(cd "$src" && go run ./bench/seedledger -db "postgres://postgres@127.0.0.1:5432/fundus_bench?sslmode=disable" -n "$n")
FRESH=0 "$h/fundus/up.sh"
echo "### the same ledger with $n entries more"
runs
