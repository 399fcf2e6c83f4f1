# shellcheck shell=bash
# Sourced (after common.sh) by the four Fundus peers: fundus (entries on PostgreSQL),
# fundus-confirm (confirms on PostgreSQL), fundus-sqlite (entries on SQLite) and
# fundus-sqlite-confirm (confirms on SQLite).
# They share one binary, $WORK/fundus/fundus, built from FUNDUS_SRC (default
# $WORK/fundus-src, extracted from FUNDUS_GIT at FUNDUS_REV when missing).
FUNDUS_BIN=$WORK/fundus/fundus
FUNDUS_EMAIL=treasurer@bench.example
FUNDUS_PASSWORD='peers bench treasurer passphrase'

# fundus_peer NAME: the settings of one peer.
#   fundus          127.0.0.1:17080 (FUNDUS_PORT), database fundus_bench
#   fundus-confirm  127.0.0.1:17081 (FUNDUS_CONFIRM_PORT), database fundus_bench_confirm
#   fundus-sqlite   127.0.0.1:17082 (FUNDUS_SQLITE_PORT), $WORK/fundus-sqlite/fundus.db
#   fundus-sqlite-confirm  127.0.0.1:17083 (FUNDUS_SQLITE_CONFIRM_PORT),
#                   $WORK/fundus-sqlite-confirm/fundus.db
fundus_peer() {
  NAME=$1
  RUN=$WORK/$NAME
  DBNAME= DBFILE=
  case $NAME in
    fundus) PORT=${FUNDUS_PORT:-17080} DBNAME=fundus_bench ;;
    fundus-confirm) PORT=${FUNDUS_CONFIRM_PORT:-17081} DBNAME=fundus_bench_confirm ;;
    fundus-sqlite) PORT=${FUNDUS_SQLITE_PORT:-17082} DBFILE=$RUN/fundus.db ;;
    fundus-sqlite-confirm) PORT=${FUNDUS_SQLITE_CONFIRM_PORT:-17083} DBFILE=$RUN/fundus.db ;;
    *) die "no Fundus peer $NAME" ;;
  esac
  if [ -n "$DBNAME" ]; then
    DBURL="postgres://postgres@127.0.0.1:5432/$DBNAME?sslmode=disable"
  else
    DBURL="sqlite://$DBFILE"
  fi
  API=http://127.0.0.1:$PORT
  mkdir -p "$RUN"
}

# fq SQL: one query on the peer's database, unaligned (the SQL is the same on both engines).
fq() {
  if [ -n "$DBNAME" ]; then
    $PSQL -d "$DBNAME" -c "$1"
  else
    sqlite3 -readonly "$DBFILE" "$1"
  fi
}

# fundus_cmd ARGS...: run the fundus binary on the peer's database, in $RUN (so no stray .env is read).
fundus_cmd() {
  (cd "$RUN" && FUNDUS_DATABASE_URL=$DBURL FUNDUS_ADDR=127.0.0.1:$PORT FUNDUS_RATE_LIMIT=0 FUNDUS_ACCEPT_ADMIN_MAX=1000000.00 FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00 "$FUNDUS_BIN" "$@")
}

# fundus_build: build the binary when it is missing (delete it to rebuild); only then is the
# source tree needed.
fundus_build() {
  local src=${FUNDUS_SRC:-$WORK/fundus-src}
  if [ ! -x "$FUNDUS_BIN" ]; then
    source_tree "$src" "${FUNDUS_GIT:-}" "${FUNDUS_REV:-}"
    echo "building Fundus in $src ..."
    mkdir -p "$(dirname "$FUNDUS_BIN")"
    (cd "$src" && go build -o "$FUNDUS_BIN" ./cmd/fundus)
    # Which commit was built: the checkout's (+dirty when it has changes), or the one
    # source_tree took from the git directory FUNDUS_GIT.
    local rev=unknown gd=${FUNDUS_GIT:-}
    if [ -e "$src/.git" ]; then
      rev=$(git -C "$src" rev-parse --short HEAD)
      [ -z "$(git -C "$src" status --porcelain)" ] || rev="$rev+dirty"
    elif [ -n "$gd" ] && [ -d "$gd" ]; then
      [ ! -e "$gd/.git" ] || gd=$gd/.git
      rev=$(git --git-dir="$gd" rev-parse --short "${FUNDUS_REV:-HEAD}") || rev=unknown
    fi
    echo "$rev" >"$WORK/fundus/REVISION"
  fi
}

fundus_rev() { cat "$WORK/fundus/REVISION" 2>/dev/null || echo unknown; }

# fundus_fresh: with FRESH=1, stop this peer's Fundus and empty its database.
fundus_fresh() {
  [ "${FRESH:-}" = 1 ] || return 0
  stop "$RUN/fundus.pid" fundus
  if [ -n "$DBNAME" ]; then
    $PSQL -c "set client_min_messages = warning" -c "drop database if exists $DBNAME"
  else
    rm -f "$DBFILE" "$DBFILE-wal" "$DBFILE-shm"
  fi
  rm -f "$RUN/token" "$RUN/accounts.txt" "$RUN/pledged.txt"
}

# fundus_start: create the database if needed, migrate, start `fundus serve` on 127.0.0.1
# (rate limit off: all the load comes from one address), wait for /readyz.
fundus_start() {
  [ -n "$DBNAME" ] || command -v sqlite3 >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
  if [ -n "$DBNAME" ]; then
    [ -n "$($PSQL -c "select 1 from pg_database where datname = '$DBNAME'")" ] || $PSQL -c "create database $DBNAME"
    $PSQL -c "alter database $DBNAME set track_wal_io_timing = on" # for bench_wal
  fi
  fundus_cmd migrate >"$RUN/migrate.log" 2>&1 || die "migration failed, see $RUN/migrate.log"
  if ! alive "$RUN/fundus.pid" fundus; then
    ! curl -s -o /dev/null "$API/healthz" || die "something else answers on $API; stop it or set the peer's port"
    (
      cd "$RUN" || exit 1
      export FUNDUS_DATABASE_URL=$DBURL FUNDUS_ADDR=127.0.0.1:$PORT FUNDUS_RATE_LIMIT=0 FUNDUS_ACCEPT_ADMIN_MAX=1000000.00 FUNDUS_ACCEPT_COMMITTEE_MAX=1000000.00
      nohup "$FUNDUS_BIN" serve >"$RUN/fundus.log" 2>&1 </dev/null &
      echo $! >"$RUN/fundus.pid"
    )
  fi
  wait_for 60 curl -sf "$API/readyz" || die "Fundus did not answer on $API, see $RUN/fundus.log"
  alive "$RUN/fundus.pid" fundus || die "Fundus (pid $(cat "$RUN/fundus.pid")) is not running, see $RUN/fundus.log"
}

# fundus_signin: make sure a treasurer exists (fundus user add) and $RUN/token holds a
# working session token for it.
fundus_signin() {
  if [ -s "$RUN/token" ] && curl -sf -H "Authorization: Bearer $(cat "$RUN/token")" "$API/api/v1/me" >/dev/null; then
    return 0
  fi
  local creds session
  creds=$(jq -nc --arg e "$FUNDUS_EMAIL" --arg p "$FUNDUS_PASSWORD" '{email: $e, password: $p}')
  # The user exists once per database: add it when signing in fails.
  if ! session=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$creds" "$API/api/v1/sessions"); then
    echo "$FUNDUS_PASSWORD" | fundus_cmd user add --email "$FUNDUS_EMAIL" --name 'Bench Treasurer' --role treasurer >/dev/null ||
      die "fundus user add failed"
    session=$(curl -sf -X POST -H 'Content-Type: application/json' -d "$creds" "$API/api/v1/sessions") ||
      die "could not sign in as $FUNDUS_EMAIL"
  fi
  jq -r .token <<<"$session" >"$RUN/token"
  [ -s "$RUN/token" ] && [ "$(cat "$RUN/token")" != null ] || die "no token in the sign-in answer"
}

# fundus_accounts: the chart is fixed (ten EUR accounts; no API adds one), and a manual
# entry may not name assets:bank (it moves only with the bank's lines),
# liabilities:donations-pending (only by an acceptance) or income:donations (only as
# donations): the entries go between the other seven, whose codes go to $RUN/accounts.txt.
# An opening balance of 1,000,000.00 on assets:clearing keeps the random 1.00 entries from
# ever taking the available money below zero (409 insufficient-funds).
fundus_accounts() {
  local auth=(-H "Authorization: Bearer $(cat "$RUN/token")")
  local accts clearing
  accts=$(curl -sf "${auth[@]}" "$API/api/v1/ledger/accounts") || die "GET /api/v1/ledger/accounts failed"
  clearing=$(jq -r '.items[] | select(.code == "assets:clearing") | .balance | sub("\\."; "") | tonumber' <<<"$accts")
  if [ "${clearing:-0}" -lt 10000000 ]; then # below 100,000.00
    curl -sf "${auth[@]}" -H 'Content-Type: application/json' -H "Idempotency-Key: bench-opening-$(date +%s%N)" \
      -d '{"memo":"bench opening balance","postings":[{"account":"assets:clearing","amount":"1000000.00"},{"account":"equity:opening-balance","amount":"-1000000.00"}]}' \
      "$API/api/v1/ledger/entries" >/dev/null || die "could not post the opening balance"
  fi
  jq -r '.items[].code | select(. != "assets:bank" and . != "liabilities:donations-pending" and . != "income:donations")' \
    <<<"$accts" >"$RUN/accounts.tmp"
  [ "$(wc -l <"$RUN/accounts.tmp")" -ge 2 ] || die "fewer than two accounts"
  mv "$RUN/accounts.tmp" "$RUN/accounts.txt"
}

# fundus_down: stop this peer's Fundus (by its PID file, after checking the process name).
fundus_down() { stop "$RUN/fundus.pid" fundus; }

# fundus_ok_count FILE: the 2xx count from a load report.
fundus_ok_count() { sed -n 's/.*(2xx: \([0-9]*\) = .*/\1/p' "$1"; }

# fundus_verify: `fundus verify` on the peer's database; prints its answer and how long it took.
fundus_verify() {
  local t0=$EPOCHREALTIME out rc=0
  out=$(fundus_cmd verify 2>&1) || rc=$?
  echo "fundus verify (exit $rc, $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.1f", b - a}') s): $out"
  return $rc
}

# fundus_disk DIR: "flushes ms-flushing sectors-written" of the disk that holds DIR, from
# /proc/diskstats (fields 19, 20 and 10: the whole disk, every process on the machine).
fundus_disk() {
  local dev
  dev=$(basename "$(df --output=source "$1" | tail -1)")
  awk -v d="$dev" '$3 == d && NF >= 20 {print $19, $20, $10}' /proc/diskstats
}

# fundus_bench_start TITLE, fundus_bench_bytes N: around a run of N transfers, what they asked
# of the disk. On PostgreSQL the harness's bench_start and bench_wal (pg_stat_wal). On SQLite
# there is no pg_stat_wal: what Fundus's process wrote in between (/proc/PID/io: WAL frames, the
# checkpoints into the database file, its log) per transfer, and the flush requests of the whole
# disk in the same time (every process on the machine, and ext4 may flush twice for one
# fdatasync: so at least as many as SQLite's commits, and transfers per flush a lower bound).
fundus_bench_start() {
  if [ -n "$DBNAME" ]; then
    bench_start "$1"
    return
  fi
  bench_start "$1" "SQLite ($(go version -m "$FUNDUS_BIN" | awk '$2 == "modernc.org/sqlite" {print $2, $3}')), WAL, synchronous=FULL, $(df --output=fstype "$RUN" | tail -1)"
  disk0=$(fundus_disk "$RUN") io0=$(awk '/^write_bytes/ {print $2}' "/proc/$(cat "$RUN/fundus.pid")/io")
}
fundus_bench_bytes() {
  if [ -n "$DBNAME" ]; then
    bench_wal "$1" "$DBNAME"
    return
  fi
  local f0 ms0 f1 ms1 io1
  sleep 1
  read -r f0 ms0 _ <<<"$disk0"
  read -r f1 ms1 _ <<<"$(fundus_disk "$RUN")"
  io1=$(awk '/^write_bytes/ {print $2}' "/proc/$(cat "$RUN/fundus.pid")/io")
  awk -v b=$((io1 - io0)) -v n="$1" -v f=$((f1 - f0)) -v ms=$((ms1 - ms0)) 'BEGIN {
    per = (n > 0) ? b / n : 0; tpf = (f > 0) ? n / f : 0; mf = (f > 0) ? sprintf("%.2f", ms / f) : "n/a"
    printf "disk: Fundus wrote %d MB (%d B per transfer); the disk did %d flushes (%.1f transfers per flush), mean flush %s ms\n",
      b / 1e6, per, f, tpf, mf }'
}
