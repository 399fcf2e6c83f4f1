#!/usr/bin/env bash
# The whole story of one grant, by hand, against a running Fundus (docs/using.md,
# "The whole story, by hand"): a group applies, three committee members review and
# vote, one decides, two treasurers pay two instalments, the group reports,
# the fund page shows the project. Needs curl and jq. Run it on a fresh
# database: it creates the users with `fundus user add`.
#
#   go build -o fundus ./cmd/fundus && ./fundus &      # then:
#   examples/whole-story.sh
set -euo pipefail
B=${FUNDUS_URL:-http://127.0.0.1:8080}
FUNDUS=${FUNDUS:-./fundus}
PW='choose a long passphrase'

add() { echo "$PW" | "$FUNDUS" user add --email "$1" --name "$2" --role "$3" >/dev/null; }
token() { curl -sf -X POST "$B/api/v1/sessions" -H 'Content-Type: application/json' -d "{\"email\":\"$1\",\"password\":\"$PW\"}" | jq -r .token; }
api() { # api TOKEN METHOD PATH [BODY]
  curl -sS -X "$2" "$B$3" -H "Authorization: Bearer $1" -H 'Content-Type: application/json' ${4:+-d "$4"}
}

for i in 1 2 3; do add "ausschuss$i@example.org" "Ausschuss $i" committee; done
add kasse1@example.org "Kasse 1" treasurer
add kasse2@example.org "Kasse 2" treasurer

echo "== donations arrive (a pledge, confirmed by the treasurer)"
K1=$(token kasse1@example.org); K2=$(token kasse2@example.org)
D=$(curl -sf -X POST "$B/api/v1/donations" -H 'Content-Type: application/json' -d '{"amount":"1000.00","anonymous":true}' | jq -r .id)
api "$K1" POST "/api/v1/donations/$D/confirm" | jq -c '{status, amount}'

echo "== a project group registers and applies"
curl -sf -X POST "$B/api/v1/register" -H 'Content-Type: application/json' \
  -d "{\"email\":\"verein@example.org\",\"name\":\"Amina Yilmaz\",\"organisation\":\"Café Lingua e.V.\",\"password\":\"$PW\"}" | jq -c .
G=$(token verein@example.org)
A=$(api "$G" POST /api/v1/applications '{"title":"Sprachcafé Schinkel","organisation":"Café Lingua e.V.","summary":"Wöchentliches Sprachcafé","description":"Ehrenamtliche treffen Neuankömmlinge jeden Donnerstag.","requested_amount":"500.00","budget":[{"item":"Miete","amount":"300.00"},{"item":"Material","amount":"200.00"}],"starts_on":"2027-01-01","ends_on":"2027-06-30","payee":{"holder":"Café Lingua e.V.","iban":"DE89 3704 0044 0532 0130 00"}}' | jq -r .id)
api "$G" POST "/api/v1/applications/$A/submit" | jq -c '{status}'

echo "== three committee members review and vote; the first decides"
for i in 1 2 3; do
  M=$(token "ausschuss$i@example.org")
  api "$M" POST "/api/v1/applications/$A/reviews" '{"score":4,"comment":"gut geplant","conflict_of_interest":false}' | jq -c '{status}'
  api "$M" POST "/api/v1/applications/$A/votes" '{"vote":"approve"}' | jq -c '{status}'
done
M1=$(token ausschuss1@example.org)
api "$M1" POST "/api/v1/applications/$A/decision" '{"decision":"approved","amount":"500.00"}' | jq -c '{status, approved_amount}'

echo "== two treasurers pay two instalments (four eyes)"
I1=$(api "$K1" POST "/api/v1/applications/$A/disbursements" '{"amount":"300.00"}' | jq -r .id)
api "$K1" POST "/api/v1/disbursements/$I1/release" | jq -c '{status: .title}'      # the maker may not: 403
api "$K2" POST "/api/v1/disbursements/$I1/release" | jq -c '{status, amount}'
I2=$(api "$K2" POST "/api/v1/applications/$A/disbursements" '{"amount":"200.00"}' | jq -r .id)
api "$K1" POST "/api/v1/disbursements/$I2/release" | jq -c '{status, amount}'

echo "== the group reports"
api "$G" POST "/api/v1/applications/$A/report" '{"spent":"480.00","report":"Zwölf Treffen, dreißig Teilnehmende."}' | jq -c '{status, paid_amount, spent}'

echo "== the fund"
curl -sf "$B/api/v1/fund" | jq -c .
curl -sf "$B/api/v1/fund/projects" | jq -c .items
curl -sf -H 'Accept-Language: en' "$B/" | grep -A2 'id="project-list"' | sed 's/^ *//'
"$FUNDUS" verify
