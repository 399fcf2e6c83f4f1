package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestBankMovesOnlyWithBankLines: with the bank loop, money enters and
// leaves assets:bank only with the bank's lines. A treasurer's manual entry
// naming assets:bank (either side, any spelling of white space) is 422
// naming postings[i].account; reversing the entry a bank line booked is 409
// invalid-state (the line would stay booked, its money gone). Both change
// nothing and answer the same under an Idempotency-Key. A manual entry that
// leaves the bank alone (correcting where the line's money went) passes.
func TestBankMovesOnlyWithBankLines(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		opening := ts.BankOpens(kasse, 50000, "2026-03-02")

		n := 0
		refused := func(path, body string, status int, slug, field string) {
			t.Helper()
			before := ts.TableCounts()
			n++
			h := map[string]string{"Idempotency-Key": fmt.Sprint("bank-only-", n)}
			first := ts.DoWithHeaders("POST", path, kasse, body, h).WantProblem(t, status, slug)
			if field != "" {
				if f := first.FieldErrors(); len(f) != 1 || f[0] != field {
					t.Fatalf("%s %s: fields %v, want %s", path, body, f, field)
				}
			}
			again := ts.DoWithHeaders("POST", path, kasse, body, h).WantProblem(t, status, slug)
			if again.Body.String() != first.Body.String() {
				t.Fatalf("%s: under its key again:\n%s\nfirst:\n%s", path, again.Body, first.Body)
			}
			ts.JSON("POST", path, kasse, body).WantProblem(t, status, slug)
			after := ts.TableCounts()
			for table, n := range before {
				if table != "idempotency_keys" && after[table] != n {
					t.Fatalf("%s: %s has %d rows, had %d", path, table, after[table], n)
				}
			}
		}
		for _, c := range []struct{ body, field string }{
			{`{"memo":"Anfangsbestand","postings":[{"account":"assets:bank","amount":"5.00"},{"account":"equity:opening-balance","amount":"-5.00"}]}`, "postings[0].account"},
			{`{"memo":"Gebühr","postings":[{"account":"expenses:bank-fees","amount":"1.00"},{"account":" assets:bank ","amount":"-1.00"}]}`, "postings[1].account"},
			{`{"memo":"Zinsen","postings":[{"account":"assets:bank","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
			// Other spellings are no account of the chart: refused just the same.
			{`{"memo":"Zinsen","postings":[{"account":"income:interest","amount":"-20.00"},{"account":"Assets:Bank","amount":"20.00"}]}`, "postings[1].account"},
			{`{"memo":"Zinsen","postings":[{"account":"ASSETS:BANK","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
			{`{"memo":"Zinsen","postings":[{"account":"assets:bank\u00a0","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
			{`{"memo":"Zinsen","postings":[{"account":"assets:bank\u200b","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
			{`{"memo":"Zinsen","postings":[{"account":"assets: bank","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
			{`{"memo":"Zinsen","postings":[{"account":"assets:bank\t","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`, "postings[0].account"},
		} {
			refused("/api/v1/ledger/entries", c.body, 422, "validation", c.field)
		}
		r := ts.JSON("POST", "/api/v1/ledger/entries/"+opening+"/reverse", kasse, `{"reason":"falsch gebucht"}`).WantProblem(t, 409, "invalid-state")
		if !strings.Contains(r.JSON["detail"].(string), "assets:bank") {
			t.Fatalf("the refusal does not say why: %v", r.JSON)
		}
		refused("/api/v1/ledger/entries/"+opening+"/reverse", `{"reason":"falsch gebucht"}`, 409, "invalid-state", "")

		// Where the line's money went is corrected by hand, the bank left alone.
		ts.JSON("POST", "/api/v1/ledger/entries", kasse,
			`{"memo":"Teil des Anfangsbestands waren Zinsen","postings":[{"account":"equity:opening-balance","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`).
			WantStatus(t, http.StatusCreated)
		acc := ts.JSON("GET", "/api/v1/ledger/accounts", kasse, "").WantStatus(t, 200)
		for _, a := range acc.JSON["items"].([]any) {
			if a := a.(map[string]any); a["code"] == "assets:bank" && a["balance"] != "500.00" {
				t.Fatalf("assets:bank holds %v, the bank's line 500.00", a["balance"])
			}
		}
	})
}
