#!/usr/bin/env bash
# The whole story of one grant, by hand, against a running Fundus (docs/using.md,
# "The whole story, by hand"), with the bank in the loop: donors pledge, the
# bank's statement brings their money (one reference mistyped, one transfer
# without a pledge, the bank's fee), the treasurer resolves the queue; the
# council and the administrative committee accept the donations above 100 EUR
# (the admin records their sessions), the treasurer issues the foundation's
# donation receipt (PDF, mailed); a group
# applies, three committee members review and vote, one decides; two treasurers
# release two instalments (four eyes), a payment file pays them, the bank's
# debit lines mark them paid; the group reports; the statement's balance equals
# the ledger's. Needs curl and jq (xmllint, if installed, checks the payment
# file against its schema). Run it on a fresh database: it creates the users
# with `fundus user add`.
#
#   go build -o fundus ./cmd/fundus && ./fundus &      # then:
#   examples/whole-story.sh
set -euo pipefail
NOTICE_DATE=$(date -d "1 year ago" +%F)  # the tax notice of the example group: recent enough (five-year rule)
B=${FUNDUS_URL:-http://127.0.0.1:8080}
FUNDUS=${FUNDUS:-./fundus}
IBAN=${FUNDUS_BANK_IBAN:-DE89370400440532013000}   # the fund's account, as the server has it
PW='choose a long passphrase'
TODAY=$(TZ=Europe/Berlin date +%F)   # the fund's days are Berlin's

add() { echo "$PW" | "$FUNDUS" user add --email "$1" --name "$2" --role "$3" >/dev/null; }
token() { curl -sf -X POST "$B/api/v1/sessions" -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"$PW\"}" | jq -r .token; }
api() { # api TOKEN METHOD PATH [BODY]
  curl -sS -X "$2" "$B$3" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' ${4:+-d "$4"}
}

# statement ID OPENING_CENTS LINE... writes a camt.053.001.08 statement of the
# fund's account for today; a LINE is "CENTS|CRDT or DBIT|NAME|REMITTANCE|END-TO-END-ID".
statement() {
  local id=$1 balance=$2 opening=$2; shift 2
  local entries="" cents cdi name text e2e party
  for line in "$@"; do
    IFS='|' read -r cents cdi name text e2e <<<"$line"
    if [ "$cdi" = CRDT ]; then balance=$((balance + cents)); party=Dbtr; else balance=$((balance - cents)); party=Cdtr; fi
    entries+="<Ntry><Amt Ccy=\"EUR\">$(printf '%d.%02d' $((cents / 100)) $((cents % 100)))</Amt><CdtDbtInd>$cdi</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
    entries+="<BookgDt><Dt>$TODAY</Dt></BookgDt><ValDt><Dt>$TODAY</Dt></ValDt><BkTxCd/><NtryDtls><TxDtls><Refs><EndToEndId>${e2e:-NOTPROVIDED}</EndToEndId></Refs>"
    entries+="<RltdPties><$party><Pty><Nm>$name</Nm></Pty></$party></RltdPties><RmtInf><Ustrd>$text</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
  done
  printf '<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt>'
  printf '<GrpHdr><MsgId>%s</MsgId><CreDtTm>%sT20:00:00</CreDtTm></GrpHdr><Stmt><Id>%s</Id>' "$id" "$TODAY" "$id"
  printf '<Acct><Id><IBAN>%s</IBAN></Id><Ccy>EUR</Ccy></Acct>' "$IBAN"
  printf '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>' $((opening / 100)) $((opening % 100)) "$TODAY"
  printf '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">%d.%02d</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>%s</Dt></Dt></Bal>' $((balance / 100)) $((balance % 100)) "$TODAY"
  printf '%s</Stmt></BkToCstmrStmt></Document>\n' "$entries"
}
upload() { curl -sS -X POST "$B/api/v1/bank/statements" -H "Authorization: Bearer $1" -H 'Content-Type: application/xml' --data-binary @-; }

for i in 1 2 3; do add "ausschuss$i@example.org" "Ausschuss $i" committee; done
add kasse1@example.org "Kasse 1" treasurer
add kasse2@example.org "Kasse 2" treasurer
add amt@example.org "Amt für Integration" admin
K1=$(token kasse1@example.org); K2=$(token kasse2@example.org); ADM=$(token amt@example.org)

echo "== donors pledge"
pledge() { curl -sf -X POST "$B/api/v1/donations" -H 'Content-Type: application/json' -d "$1"; }
P1=$(pledge '{"amount":"2500.00","anonymous":true,"receipt_requested":true,"donor":{"name":"Stiftung Gemeinsam","email":"stiftung@example.org","street":"Große Straße 1","postal_code":"49074","city":"Osnabrück"}}')
P2=$(pledge '{"amount":"150.00","donor":{"name":"Ayşe Demir"}}')
R1=$(jq -r .reference <<<"$P1"); R2=$(jq -r .reference <<<"$P2")
# The second donor swaps the reference's last two characters (or, where
# they are equal, the two before them).
R2TYPO="${R2:0:12}${R2:13:1}${R2:12:1}"
[ "$R2TYPO" = "$R2" ] && R2TYPO="${R2:0:11}${R2:12:1}${R2:11:1}${R2:13:1}"
echo "pledged $R1 (2500.00) and $R2 (150.00)"

echo "== the bank's statement: both transfers (one reference mistyped), a transfer without a pledge, the fee"
statement DAY1 0 \
  "250000|CRDT|Stiftung Gemeinsam|Spende $(tr 'A-Z-' 'a-z ' <<<"$R1")|" \
  "15000|CRDT|Ayse Demir|Spende $R2TYPO|" \
  "5000|CRDT|Jonas Weber|fuer das Sprachcafe|" \
  "350|DBIT|Sparkasse|Kontofuehrung|" | upload "$K1" | jq -c '{format, lines, new_lines, matched, queued, closing_balance}'

echo "== the treasurer resolves the queue"
for L in $(api "$K1" GET "/api/v1/bank/transactions?status=queued" | jq -r '.items[].id'); do
  line=$(api "$K1" GET "/api/v1/bank/transactions/$L")
  case $(jq -r '.direction + " " + .amount' <<<"$line") in
    "credit 150.00") # the typo: assign it to the pledge the suggestion names
      jq -c '{amount, remittance, suggestions}' <<<"$line"
      api "$K1" POST "/api/v1/bank/transactions/$L/assign" "{\"donation_id\":\"$(jq -r '.suggestions[0].id' <<<"$line")\"}" | jq -c '{status, match}' ;;
    "credit 50.00")  # a donation that came without a pledge
      api "$K1" POST "/api/v1/bank/transactions/$L/book-donation" '{}' | jq -c '{status, match}' ;;
    "debit 3.50")    # the bank's fee
      api "$K1" POST "/api/v1/bank/transactions/$L/book" '{"account":"expenses:bank-fees","memo":"Kontoführung"}' | jq -c '{status, match}' ;;
  esac
done
api "$K1" GET /api/v1/bank/reconciliation | jq -c .
curl -sf "$B/api/v1/fund" | jq -c '{donations_received, donations_pending, available}'   # 50.00 accepted at once, 2650.00 waiting

echo "== the council and the administrative committee accept the donations (the admin records their sessions)"
api "$ADM" GET "/api/v1/acceptance/pending?body=council" | jq -c '.items[] | {reference, amount, donor_name, band}'
api "$ADM" GET "/api/v1/acceptance/pending?body=committee" | jq -c '.items[] | {reference, amount, donor_name, band}'
D1=$(jq -r .id <<<"$P1"); D2=$(jq -r .id <<<"$P2")
api "$ADM" POST /api/v1/acceptance/decisions '{"body":"council","session_date":"'"$TODAY"'","session_ref":"Rat 2026/12, TOP 7","accepted":["'"$D1"'"]}' | jq -c '{body, session_ref, accepted}'
api "$ADM" POST /api/v1/acceptance/decisions '{"body":"committee","session_date":"'"$TODAY"'","session_ref":"VA 2026/23","accepted":["'"$D2"'"]}' | jq -c '{body, session_ref, accepted}'
curl -sf "$B/api/v1/fund" | jq -c '{donations_received, donations_pending, available}'

echo "== the treasurer issues the foundation's donation receipt (mailed to it with the PDF)"
RC=$(api "$K1" POST "/api/v1/donations/$D1/receipt")
jq -c '{number, kind, amount}' <<<"$RC"
api "$K1" GET "/api/v1/receipts/$(jq -r .id <<<"$RC")/pdf" >/tmp/fundus-receipt.pdf
if command -v pdftotext >/dev/null; then pdftotext -layout /tmp/fundus-receipt.pdf - | grep -E 'Betrag|zweitausend|Stiftung|ZB-' | sed 's/  */ /g'; fi

echo "== a project group registers and applies"
curl -sf -X POST "$B/api/v1/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"verein@example.org\",\"name\":\"Amina Yilmaz\",\"organisation\":\"Café Lingua e.V.\",\"password\":\"$PW\"}" | jq -c .
G=$(token verein@example.org)
A=$(api "$G" POST /api/v1/applications '{"title":"Sprachcafé Schinkel","organisation":"Café Lingua e.V.","summary":"Wöchentliches Sprachcafé","description":"Ehrenamtliche treffen Neuankömmlinge jeden Donnerstag.","requested_amount":"500.00","budget":[{"item":"Miete","amount":"300.00"},{"item":"Material","amount":"200.00"}],"starts_on":"2027-01-01","ends_on":"2027-06-30","payee":{"holder":"Café Lingua e.V.","iban":"DE02 1203 0000 0000 2020 51"},"recognition":{"kind":"nonprofit","authority":"Finanzamt Osnabrück-Stadt","notice":"Freistellungsbescheid, St.-Nr. 66/123/45678","notice_date":"'"$NOTICE_DATE"'"}}' | jq -r .id)
api "$G" POST "/api/v1/applications/$A/submit" | jq -c '{status}'

echo "== three committee members review and vote; the first decides"
for i in 1 2 3; do
  M=$(token "ausschuss$i@example.org")
  api "$M" POST "/api/v1/applications/$A/reviews" '{"score":4,"comment":"gut geplant","conflict_of_interest":false}' | jq -c '{status}'
  api "$M" POST "/api/v1/applications/$A/votes" '{"vote":"approve"}' | jq -c '{status}'
done
M1=$(token ausschuss1@example.org)
api "$M1" POST "/api/v1/applications/$A/decision" '{"decision":"approved","amount":"500.00"}' | jq -c '{status, approved_amount}'

echo "== two treasurers release two instalments (four eyes)"
I1=$(api "$K1" POST "/api/v1/applications/$A/disbursements" '{"amount":"300.00"}' | jq -r .id)
api "$K1" POST "/api/v1/disbursements/$I1/release" | jq -c '{status: .title}'      # the maker may not: 403
api "$K2" POST "/api/v1/disbursements/$I1/release" | jq -c '{status, amount, end_to_end_id}'
I2=$(api "$K2" POST "/api/v1/applications/$A/disbursements" '{"amount":"200.00"}' | jq -r .id)
api "$K1" POST "/api/v1/disbursements/$I2/release" | jq -c '{status, amount, end_to_end_id}'

echo "== a payment file pays them (upload it to online banking)"
F=$(api "$K1" POST /api/v1/payment-files)
jq -c '{message_id, count, total}' <<<"$F"
api "$K1" GET "/api/v1/payment-files/$(jq -r .id <<<"$F")/pain.001.xml" >/tmp/fundus-pain.001.xml
if command -v xmllint >/dev/null && [ -f bank/pain/testdata/pain.001.001.09.xsd ]; then
  xmllint --noout --schema bank/pain/testdata/pain.001.001.09.xsd /tmp/fundus-pain.001.xml
fi

echo "== the next statement: the bank's two debit lines mark the instalments paid"
E1=$(api "$K1" GET "/api/v1/applications/$A" | jq -r --arg i "$I1" '.disbursements[] | select(.id == $i) | .end_to_end_id')
E2=$(api "$K1" GET "/api/v1/applications/$A" | jq -r --arg i "$I2" '.disbursements[] | select(.id == $i) | .end_to_end_id')
# The first statement closed at 2696.50: the second opens there.
statement DAY2 269650 \
  "30000|DBIT|Cafe Lingua e.V.|Integrationsfonds Zuschuss|$E1" \
  "20000|DBIT|Cafe Lingua e.V.|Integrationsfonds Zuschuss|$E2" | upload "$K1" | jq -c '{lines, matched, queued, closing_balance}'
api "$K1" GET /api/v1/bank/reconciliation | jq -c .

echo "== the group reports"
api "$G" POST "/api/v1/applications/$A/report" '{"spent":"480.00","report":"Zwölf Treffen, dreißig Teilnehmende."}' | jq -c '{status, paid_amount, spent}'

echo "== the fund"
curl -sf "$B/api/v1/fund" | jq -c .
curl -sf "$B/api/v1/fund/projects" | jq -c .items
api "$ADM" GET "/api/v1/acceptance/report?year=${TODAY:0:4}&format=csv"   # the yearly report to the supervisory authority
curl -sf -H 'Accept-Language: en' "$B/" | grep -A2 'id="project-list"' | sed 's/^ *//'
"$FUNDUS" verify
