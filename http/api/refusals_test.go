package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestRefusalsUnderIdempotencyKey sends every money-moving route of docs/api.md
// a request that is refused, with an Idempotency-Key, and again with the
// same key: both times the refusal's own status, as application/problem+json,
// with the same bytes; never a 2xx carrying a problem document. Refusals
// stored with the key stay refusals when the request would now pass.
func TestRefusalsUnderIdempotencyKey(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		group := ts.MustUser("verein@example.org", auth.Applicant)
		var m []string
		for i := 0; i < 3; i++ {
			m = append(m, ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee))
		}
		k1, k2 := ts.MustUser("k1@example.org", auth.Treasurer), ts.MustUser("k2@example.org", auth.Treasurer)

		n := 0
		// refused sends the request twice with one new key and checks both
		// answers.
		refused := func(who, method, path, body string, status int, slug string) {
			t.Helper()
			n++
			h := map[string]string{"Idempotency-Key": fmt.Sprintf("refusal-%d", n)}
			first := ts.DoWithHeaders(method, path, who, body, h).WantProblem(t, status, slug)
			again := ts.DoWithHeaders(method, path, who, body, h).WantProblem(t, status, slug)
			if first.Body.String() != again.Body.String() {
				t.Fatalf("%s %s: the repeat's body differs:\n%s\n%s", method, path, first.Body, again.Body)
			}
			// Every refusal is stored with its key (the repeat is replayed),
			// but one that depends on the caller: a 403 runs again.
			if replayed := again.Header().Get("Idempotent-Replayed") == "true"; replayed != (status != http.StatusForbidden) {
				t.Fatalf("%s %s: %d replayed %v", method, path, status, replayed)
			}
		}
		ok := func(who, method, path, body string, status int) *testserver.Response {
			t.Helper()
			return ts.JSON(method, path, who, body).WantStatus(t, status)
		}
		pledge := func(amount string) string {
			t.Helper()
			return ok("", "POST", "/api/v1/donations", `{"amount":"`+amount+`"}`, http.StatusCreated).JSON["id"].(string)
		}

		// Donations.
		refused("", "POST", "/api/v1/donations", `{"amount":"-5"}`, 422, "validation")
		refused("", "POST", "/api/v1/donations", `{"amount":`, 400, "malformed-request")
		// A refusal made before the write path is stored as well: the key
		// with another, valid request is a reused key, and pledges nothing.
		ts.DoWithHeaders("POST", "/api/v1/donations", "", `{"amount":"5.00"}`, map[string]string{"Idempotency-Key": fmt.Sprintf("refusal-%d", n)}).
			WantProblem(t, 422, "idempotency-key-reused")
		var pledges int
		if err := d.Get(&pledges, `SELECT count(*) FROM donations`); err != nil || pledges != 0 {
			t.Fatalf("%d donations after refusals (%v)", pledges, err)
		}
		cancelled, received, pledged := pledge("10.00"), pledge("20.00"), pledge("30.00")
		ok(k1, "POST", "/api/v1/donations/"+cancelled+"/cancel", "", 200)
		ok(k1, "POST", "/api/v1/donations/"+received+"/confirm", "", 200)
		refused(k1, "POST", "/api/v1/donations/"+cancelled+"/confirm", "", 409, "invalid-state")
		refused(k1, "POST", "/api/v1/donations/"+received+"/cancel", "", 409, "invalid-state")
		refused(k1, "POST", "/api/v1/donations/"+pledged+"/refund", `{"reason":"Irrtum"}`, 409, "invalid-state")
		refused(k1, "POST", "/api/v1/donations/"+pledged+"/confirm", `{"received_at":"2999-01-01"}`, 422, "validation")

		// The ledger: an entry that would overdraw, a reversal of a reversed entry.
		refused(k1, "POST", "/api/v1/ledger/entries", `{"memo":"Zusage","postings":[{"account":"expenses:grants","amount":"999.00"},{"account":"liabilities:grants-payable","amount":"-999.00"}]}`,
			409, "insufficient-funds")
		// No manual entry moves assets:bank: the money there comes with the
		// bank's lines (the confirmed donation waits in assets:clearing for
		// its line), and the entry of a bank line is not reversed.
		refused(k1, "POST", "/api/v1/ledger/entries", `{"memo":"Anfangsbestand","postings":[{"account":"assets:bank","amount":"5.00"},{"account":"equity:opening-balance","amount":"-5.00"}]}`,
			422, "validation")
		opening := ts.BankOpens(k1, 500, "")
		refused(k1, "POST", "/api/v1/ledger/entries/"+opening+"/reverse", `{"reason":"falsch"}`, 409, "invalid-state")
		fix := ok(k1, "POST", "/api/v1/ledger/entries", `{"memo":"Gebühr statt Anfangsbestand","postings":[{"account":"expenses:bank-fees","amount":"1.00"},{"account":"equity:opening-balance","amount":"-1.00"}]}`, 201).JSON["id"].(string)
		ok(k1, "POST", "/api/v1/ledger/entries/"+fix+"/reverse", `{"reason":"falsch"}`, 201)
		refused(k1, "POST", "/api/v1/ledger/entries/"+fix+"/reverse", `{"reason":"nochmal"}`, 409, "invalid-state")

		// Applications: a draft, then one in review with the votes but not
		// the money (20.00 received, 500.00 asked).
		refused(group, "POST", "/api/v1/applications", `{"title":"x"}`, 422, "validation")
		A := "/api/v1/applications/" + ok(group, "POST", "/api/v1/applications", testserver.ApplicationBody, 201).JSON["id"].(string)
		refused(m[0], "POST", A+"/reviews", `{"score":4}`, 409, "invalid-state")
		refused(group, "POST", A+"/report", `{"spent":"1.00","report":"x"}`, 409, "invalid-state")
		ok(group, "POST", A+"/submit", "", 200)
		refused(group, "POST", A+"/submit", "", 409, "invalid-state")
		refused(m[0], "POST", A+"/votes", `{"vote":"approve"}`, 409, "invalid-state")
		ok(m[0], "POST", A+"/reviews", `{"score":4}`, 201)
		for _, who := range m {
			ok(who, "POST", A+"/votes", `{"vote":"approve"}`, 201)
		}
		decide := map[string]string{"Idempotency-Key": "decide-1"}
		first := ts.DoWithHeaders("POST", A+"/decision", m[0], `{"decision":"approved"}`, decide).WantProblem(t, 409, "insufficient-funds")
		refused(k1, "POST", A+"/disbursements", `{"amount":"1.00"}`, 409, "invalid-state")
		refused(k1, "POST", A+"/close", "", 409, "invalid-state")

		// The money comes; the stored refusal stays a refusal, a new key decides.
		ok(k1, "POST", "/api/v1/donations/"+pledged+"/confirm", "", 200)
		big := pledge("1000.00")
		ok(k1, "POST", "/api/v1/donations/"+big+"/confirm", "", 200)
		again := ts.DoWithHeaders("POST", A+"/decision", m[0], `{"decision":"approved"}`, decide).WantProblem(t, 409, "insufficient-funds")
		if again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the stored refusal: %s %v, want %s", again.Body, again.Header(), first.Body)
		}
		ok(m[0], "POST", A+"/decision", `{"decision":"approved","amount":"400.00"}`, 200)
		refused(group, "POST", A+"/withdraw", "", 409, "invalid-state")
		refused(k1, "POST", A+"/disbursements", `{"amount":"400.01"}`, 422, "validation")
		D := "/api/v1/disbursements/" + ok(k1, "POST", A+"/disbursements", `{"amount":"400.00"}`, 201).JSON["id"].(string)
		refused(k1, "POST", D+"/release", "", 403, "forbidden") // four eyes: the maker
		ok(k2, "POST", D+"/release", "", 200)
		refused(k2, "POST", D+"/release", "", 409, "invalid-state")
		refused(k1, "POST", "/api/v1/donations/"+big+"/refund", `{"reason":"zurück"}`, 409, "insufficient-funds")
	})
}
