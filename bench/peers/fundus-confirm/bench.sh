#!/usr/bin/env bash
# POST /api/v1/donations/{id}/confirm to Fundus on PostgreSQL (with FUNDUS_PEER=fundus-sqlite-confirm,
# as ../fundus-sqlite-confirm/bench.sh sets it: on SQLite, see lib.sh): the treasurer confirms
# pledged donations, each once, each request with its own Idempotency-Key, C workers (20)
# for SECS seconds (15). A confirm is Fundus's whole business transaction: the donation's
# state, its ledger entry (assets:clearing / income:donations: the money is on its way
# until the bank's statement books it to assets:bank), the stored idempotent answer
# and an audit row, in one commit. Extra args go to the load tool.
# First, not measured: public pledges (POST /api/v1/donations) until PLEDGES
# (3000 x SECS) are waiting; a run that uses them all up ends early and says so. With
# PLEDGE_ONLY=1 it stops after the pledges.
# Then the books: donations received, donation entries, idempotency records and audit rows
# each grew by the 2xx answers, assets:clearing holds exactly the money received, the balances
# sum to zero, `fundus verify` passes; and the WAL figures (on SQLite the bytes Fundus wrote).
set -euo pipefail
. "$(dirname "$0")/../common.sh"
. "$PEERS/fundus/lib.sh"
fundus_peer "${FUNDUS_PEER:-fundus-confirm}"
[ -s "$RUN/token" ] || die "run up.sh first"
build_load
secs=${SECS:-15} c=${C:-20}
want=${PLEDGES:-$((secs * 3000))}

have=$(fq "select count(*) from donations where status = 'pledged'")
pre="$have pledges were waiting"
if [ "$have" -lt "$want" ]; then
  "$LOAD" -url "$API/api/v1/donations" -c "$c" -n $((want - have)) -H 'Idempotency-Key: {{uuid}}' \
    -body '{"amount":"1{{rand:50}}.00","anonymous":true,"message":"bench"}' >"$RUN/pledges.txt"
  [ "$(fundus_ok_count "$RUN/pledges.txt")" = $((want - have)) ] || die "pledging failed: $(cat "$RUN/pledges.txt")"
  pre="$pre; first, not measured, POST /api/v1/donations: $(grep '^requests' "$RUN/pledges.txt" | sed 's/^requests *//')"
  [ -z "$DBNAME" ] || sleep 11 # the pledges' connections report their WAL counters before bench_start zeroes them
fi
[ -z "${PLEDGE_ONLY:-}" ] || { echo "$pre"; exit 0; } # profile.sh: pledges before its measured window
fq "select id from donations where status = 'pledged' order by seq" >"$RUN/pledged.txt"
n=$(wc -l <"$RUN/pledged.txt")

counts() {
  fq "select (select count(*) from donations where status = 'received') || ' ' ||
    (select count(*) from entries where kind = 'donation') || ' ' ||
    (select count(*) from idempotency_keys) || ' ' ||
    (select count(*) from audit_log where action = 'donation.confirm')"
}
fundus_bench_start "$NAME POST /api/v1/donations/{id}/confirm, $n pledged, Fundus $(fundus_rev), c=$c, d=${secs}s"
echo "$pre"
read -r rec0 ent0 idem0 aud0 <<<"$(counts)"
"$LOAD" -url "$API/api/v1/donations/{{line:don}}/confirm" -c "$c" -d "${secs}s" -n "$n" \
  -list don="$RUN/pledged.txt" -H "Authorization: Bearer $(cat "$RUN/token")" -H 'Idempotency-Key: {{uuid}}' \
  "$@" -body '{}' | tee "$RUN/load.txt"
ok=$(fundus_ok_count "$RUN/load.txt")
[ "$ok" -lt "$n" ] || echo "warning: all $n pledges were confirmed before the time was up; set PLEDGES higher"
read -r rec1 ent1 idem1 aud1 <<<"$(counts)"
rec=$((rec1 - rec0))
clearing=$(fq "select (select balance from accounts where code = 'assets:clearing')
  - (select coalesce(sum(amount), 0) from donations where status = 'received')")
sum=$(fq 'select sum(balance) from accounts')
echo "received: $rec, donation entries: $((ent1 - ent0)), idempotency records: $((idem1 - idem0)), audit rows: $((aud1 - aud0))," \
  "answered 2xx: $ok (all must be equal); clearing - received: $clearing, sum of the balances: $sum (must be 0)"
fundus_bench_bytes "$rec"
fundus_verify || verified=no
if [ "$rec" != "$ok" ] || [ $((ent1 - ent0)) != "$ok" ] || [ $((idem1 - idem0)) != "$ok" ] || [ $((aud1 - aud0)) != "$ok" ] ||
  [ "$clearing" != 0 ] || [ "$sum" != 0 ] || [ "${verified:-}" = no ]; then
  echo "error: $NAME: the books do not check" >&2
  exit 1
fi
