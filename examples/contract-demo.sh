#!/usr/bin/env bash
# Three checks of the contract on a fresh SQLite fund (issue 12): a refusal under an
# Idempotency-Key stays a refusal, one admin cannot pay alone, and the published figures
# agree after a group returns money (since issue 14 through the bank: a payment file,
# the bank's debit line, the group's credit line). Needs curl and jq; run from the repository root:
#   go build -o fundus ./cmd/fundus && examples/contract-demo.sh
set -u
NOTICE_DATE=$(date -d "1 year ago" +%F)  # the tax notice of the example group: recent enough (five-year rule)
F=${FUNDUS_BIN:-$PWD/fundus}
TMPD=$(mktemp -d); trap 'rm -rf "$TMPD"' EXIT
export FUNDUS_ADDR=127.0.0.1:18282 FUNDUS_RATE_LIMIT=0 FUNDUS_DATABASE_URL=sqlite://$TMPD/fundus.db
B=http://$FUNDUS_ADDR/api/v1
P='a long passphrase 2026'
for u in "ada@x.org Ada admin" "bob@x.org Bob admin" "k1@x.org Kim treasurer" "k2@x.org Kai treasurer" "m1@x.org Mia committee" "m2@x.org Max committee" "m3@x.org Moe committee"; do
  set -- $u; echo "$P" | $F user add --email $1 --name $2 --role $3 >/dev/null
done
$F >$TMPD/server.log 2>&1 & SRV=$!
for _ in $(seq 50); do curl -sf $B/../../readyz >/dev/null && break; sleep 0.1; done
tok() { curl -s -X POST $B/sessions -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"$P\"}" | jq -r .token; }
ADA=$(tok ada@x.org); BOB=$(tok bob@x.org); K1=$(tok k1@x.org); K2=$(tok k2@x.org); M1=$(tok m1@x.org); M2=$(tok m2@x.org); M3=$(tok m3@x.org)
j() { curl -s -X "$1" "$B$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' ${4:+-d "$4"}; }
# bankline CENTS CRDT|DBIT END-TO-END-ID: uploads today's camt.053 statement of the
# fund's account (the example IBAN) with that one line, as the treasurer K1.
bankline() {
  local day; day=$(date +%F)
  printf '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>%sT20:00:00</CreDtTm></GrpHdr><Stmt><Id>S-%s</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct><Ntry><Amt Ccy="EUR">%d.%02d</Amt><CdtDbtInd>%s</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>%s</Dt></BookgDt><ValDt><Dt>%s</Dt></ValDt><BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>%s</EndToEndId></Refs><RmtInf><Ustrd>Integrationsfonds</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>' \
    "$day" "$3" $(($1 / 100)) $(($1 % 100)) "$2" "$day" "$day" "$3" |
    curl -s -X POST "$B/bank/statements" -H "Authorization: Bearer $K1" -H 'Content-Type: application/xml' --data-binary @-
}

echo "### 1. The first refused confirm with a key answers 409 problem+json, and so does the repeat"
D=$(curl -s -X POST $B/donations -H 'Content-Type: application/json' -d '{"amount":"10.00"}' | jq -r .id)
j POST /donations/$D/cancel $K1 >/dev/null
for i in 1 2; do
  echo "--- send $i: curl -i -X POST $B/donations/$D/confirm -H 'Idempotency-Key: c-1'"
  curl -si -X POST $B/donations/$D/confirm -H "Authorization: Bearer $K1" -H 'Idempotency-Key: c-1' | grep -iE '^HTTP|^content-type|^idempotent|^\{'
done

echo; echo "### 2. One admin tries to pay alone"
echo "--- Ada makes herself treasurer too (admin + treasurer):"
ADA_ID=$(j GET /me $ADA | jq -r .id)
j PATCH /users/$ADA_ID $ADA '{"roles":["admin","treasurer"]}' | jq -c '{status,detail,errors}'
echo "--- Ada creates a fake treasurer and confirms her own ask:"
R=$(j POST /users $ADA "{\"email\":\"fake@x.org\",\"name\":\"Fake\",\"password\":\"$P\",\"roles\":[\"treasurer\"]}")
echo "$R" | jq -c '{roles,pending_roles}'
G=$(echo "$R" | jq -r .role_grant_id)
j POST /role-grants/$G/confirm $ADA | jq -c '{status,detail}'
echo "--- Bob confirms it in good faith; a group Ada created applies, three members approve:"
j POST /role-grants/$G/confirm $BOB | jq -c '{status}'
FAKE=$(tok fake@x.org)
curl -s -X POST $B/donations -H 'Content-Type: application/json' -d '{"amount":"800.00"}' | jq -r .id > $TMPD/d2
j POST /donations/$(cat $TMPD/d2)/confirm $K1 >/dev/null
# 800.00 is above the administration's band: the committee accepts it (Bob records the session)
j POST /acceptance/decisions $BOB '{"body":"committee","session_date":"'"$(TZ=Europe/Berlin date +%F)"'","session_ref":"VA 1","accepted":["'"$(cat $TMPD/d2)"'"]}' >/dev/null
R=$(j POST /users $ADA "{\"email\":\"group@x.org\",\"name\":\"Ada's group\",\"password\":\"$P\",\"roles\":[\"applicant\"]}")
GRP=$(tok group@x.org)
APP='{"title":"Sprachcafé","organisation":"Verein e.V.","summary":"Treffen","description":"Wöchentlich","requested_amount":"450.50","budget":[{"item":"Miete","amount":"450.50"}],"starts_on":"2027-01-01","ends_on":"2027-06-30","payee":{"holder":"Ada","iban":"DE89370400440532013000"},"recognition":{"kind":"nonprofit","authority":"Finanzamt Osnabrück-Stadt","notice":"Freistellungsbescheid, St.-Nr. 66/123/45678","notice_date":"'"$NOTICE_DATE"'"}}'
A=$(j POST /applications $GRP "$APP" | jq -r .id)
j POST /applications/$A/submit $GRP >/dev/null; j POST /applications/$A/reviews $M1 '{"score":4}' >/dev/null
for m in $M1 $M2 $M3; do j POST /applications/$A/votes $m '{"vote":"approve"}' >/dev/null; done
j POST /applications/$A/decision $M1 '{"decision":"approved"}' | jq -c '{status,approved_amount}'
I=$(j POST /applications/$A/disbursements $K1 '{"amount":"450.50"}' | jq -r .id)
echo "--- the fake treasurer (asked for by Ada, who also made the group) releases:"
j POST /disbursements/$I/release $FAKE | jq -c '{status,detail}'
echo "--- a treasurer from outside Ada's line releases; a payment file and the bank's debit line pay it:"
j POST /disbursements/$I/release $K2 | jq -c '{status}'
j POST /payment-files $K1 | jq -c '{count,total}'
E=$(j GET /applications/$A $K1 | jq -r '.disbursements[0].end_to_end_id')
bankline 45050 DBIT "$E" | jq -c '{matched}'
j GET /applications/$A $K1 | jq -c '{status,paid_amount}'

echo; echo "### 3. After a return, the fund page, the project line and the report agree"
j POST /applications/$A/report $GRP '{"spent":"430.00","report":"Zwölf Treffen"}' | jq -c '{status}'
j POST /applications/$A/close $K1 '{"returned":"20.50"}' | jq -c '{status}'
echo "--- the group's 20.50 arrive on the bank statement and are assigned to the grant:"
bankline 2050 CRDT NOTPROVIDED | jq -c '{queued}'
L=$(j GET "/bank/transactions?status=queued" $K1 | jq -r '.items[0].id')
j POST /bank/transactions/$L/assign $K1 "{\"disbursement_id\":\"$I\"}" | jq -c '{status,match}'
Y=$(date +%Y)
echo "--- GET /api/v1/fund:";            curl -s $B/fund | jq -c '{grants_awarded,grants_paid,available,chain_head}'
echo "--- GET /api/v1/fund/projects:";   curl -s $B/fund/projects | jq -c '.items[]'
echo "--- GET /api/v1/fund/report:";     curl -s "$B/fund/report?year=$Y" | jq -c '{projects,grants_approved,grants_paid,available_at_year_end,chain_head}'
echo "--- the fund page /:";             curl -s -H 'Accept-Language: de' http://$FUNDUS_ADDR/ | sed 's/<[^>]*>/ /g' | tr -s ' \n' | grep -oE '[^ ]+ [0-9.]+,[0-9]{2}.{0,3}€' | tr '\n' ';'; echo
HEAD=$(curl -s $B/fund | jq -r '"\(.chain_head.seq):\(.chain_head.hash)"')
kill $SRV; wait $SRV 2>/dev/null
echo "--- fundus verify --head $HEAD"; $F verify --head "$HEAD"; echo "exit $?"
$F export --format jsonl -o $TMPD/e.jsonl && tail -1 $TMPD/e.jsonl
head -n -3 $TMPD/e.jsonl > $TMPD/cut.jsonl; echo "--- a file cut at the end:"; $F verify --file $TMPD/cut.jsonl; echo "exit $?"
