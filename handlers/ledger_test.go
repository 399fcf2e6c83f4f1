package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

func TestLedgerAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		kasse := ts.mustUser("kasse@example.org", auth.Treasurer)
		pruefer := ts.mustUser("pruefer@example.org", auth.Auditor)
		verein := ts.mustUser("verein@example.org", auth.Applicant)

		donation := `{"memo":"Spende","postings":[{"account":"assets:bank","amount":"100.00"},{"account":"income:donations","amount":-100.00}]}`
		r := ts.json("POST", "/api/v1/ledger/entries", kasse, donation).wantStatus(t, http.StatusCreated)
		if r.body["seq"] != float64(1) || r.body["hash"] == "" || r.body["prev_hash"] != ledger.GenesisHash {
			t.Fatalf("entry %v", r.body)
		}
		postings := r.body["postings"].([]any)
		if postings[1].(map[string]any)["amount"] != "-100.00" {
			t.Fatalf("postings %v", postings)
		}
		firstID := r.body["id"].(string)

		t.Run("roles", func(t *testing.T) {
			ts.json("POST", "/api/v1/ledger/entries", pruefer, donation).wantProblem(t, 403, "forbidden")
			ts.json("GET", "/api/v1/ledger/accounts", verein, "").wantProblem(t, 403, "forbidden")
			ts.json("GET", "/api/v1/ledger/verify", kasse, "").wantProblem(t, 403, "forbidden")
			ts.json("GET", "/api/v1/ledger/accounts", "", "").wantProblem(t, 401, "unauthenticated")
		})

		t.Run("hostile amounts", func(t *testing.T) {
			for _, amount := range []string{`"1.005"`, `1e400`, `"NaN"`, `"+5"`, `"5,00"`, `-0`, `"1000000.01"`, `true`} {
				body := `{"memo":"x","postings":[{"account":"assets:bank","amount":` + amount + `},{"account":"income:donations","amount":"-1.00"}]}`
				r := ts.json("POST", "/api/v1/ledger/entries", kasse, body).wantProblem(t, 422, "validation")
				if f := r.fieldErrors(); len(f) == 0 || f[0] != "postings[0].amount" {
					t.Errorf("%s: fields %v", amount, f)
				}
			}
		})

		t.Run("idempotency", func(t *testing.T) {
			h := map[string]string{"Idempotency-Key": "bank-statement-2026-11-25-line-7"}
			body := `{"memo":"Spende laut Kontoauszug","postings":[{"account":"assets:bank","amount":"20.00"},{"account":"income:donations","amount":"-20.00"}]}`
			first := ts.doWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, h).wantStatus(t, http.StatusCreated)
			again := ts.doWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, h).wantStatus(t, http.StatusCreated)
			if again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
			}
			ts.doWithHeaders("POST", "/api/v1/ledger/entries", kasse, strings.Replace(body, "20.00", "21.00", 2), h).wantProblem(t, 422, "idempotency-key-reused")
			// Another caller with the same key is another key.
			other := ts.mustUser("kasse2@example.org", auth.Treasurer)
			ts.doWithHeaders("POST", "/api/v1/ledger/entries", other, body, h).wantStatus(t, http.StatusCreated)
			r := ts.doWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, map[string]string{"Idempotency-Key": "tab\there"}).wantProblem(t, 400, "malformed-request")
			if f := r.fieldErrors(); len(f) != 1 || f[0] != "Idempotency-Key" {
				t.Fatalf("fields %v", f)
			}
		})

		t.Run("idempotency in progress", func(t *testing.T) {
			me := ts.json("GET", "/api/v1/me", kasse, "").wantStatus(t, 200)
			key := commit.Key{Scope: "user:" + me.body["id"].(string), Name: "slow", RequestHash: "x"}
			started, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
			go func() {
				_, err := commit.Do(commit.WithKey(context.Background(), key), ts.ledger.Writer, func(tx *commit.Tx) (int, error) {
					close(started)
					<-release
					return 1, nil
				})
				done <- err
			}()
			<-started
			ts.doWithHeaders("POST", "/api/v1/ledger/entries", kasse, donation, map[string]string{"Idempotency-Key": "slow"}).wantProblem(t, 409, "idempotency-in-progress")
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})

		t.Run("reverse", func(t *testing.T) {
			r := ts.json("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{"reason":"Doppelt gebucht"}`).wantStatus(t, http.StatusCreated)
			if r.body["reverses"] != firstID {
				t.Fatalf("reversal %v", r.body)
			}
			ts.json("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{"reason":"nochmal"}`).wantProblem(t, 409, "invalid-state")
			ts.json("POST", "/api/v1/ledger/entries/nope/reverse", kasse, `{"reason":"x"}`).wantProblem(t, 404, "not-found")
			ts.json("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{}`).wantProblem(t, 422, "validation")
		})

		t.Run("insufficient funds", func(t *testing.T) {
			ts.json("POST", "/api/v1/ledger/entries", kasse, `{"memo":"Zusage","postings":[{"account":"expenses:grants","amount":"1000.00"},{"account":"liabilities:grants-payable","amount":"-1000.00"}]}`).
				wantProblem(t, 409, "insufficient-funds")
		})

		t.Run("lists", func(t *testing.T) {
			r := ts.json("GET", "/api/v1/ledger/entries?limit=2", pruefer, "").wantStatus(t, 200)
			items := r.body["items"].([]any)
			cursor, _ := r.body["next_cursor"].(string)
			if len(items) != 2 || cursor == "" {
				t.Fatalf("page 1: %d items, cursor %q", len(items), cursor)
			}
			seen := 2
			for cursor != "" {
				r = ts.json("GET", "/api/v1/ledger/entries?limit=2&cursor="+cursor, pruefer, "").wantStatus(t, 200)
				seen += len(r.body["items"].([]any))
				cursor, _ = r.body["next_cursor"].(string)
			}
			if seen != 4 { // donation, two idempotent entries, the reversal
				t.Fatalf("%d entries in all pages, want 4", seen)
			}
			r = ts.json("GET", "/api/v1/ledger/entries?account=income:donations&from=2000-01-01&to=2999-12-31", pruefer, "").wantStatus(t, 200)
			if n := len(r.body["items"].([]any)); n != 4 {
				t.Fatalf("filtered: %d", n)
			}
			r = ts.json("GET", "/api/v1/ledger/entries?to=2000-01-01", pruefer, "").wantStatus(t, 200)
			if n := len(r.body["items"].([]any)); n != 0 {
				t.Fatalf("before 2000: %d", n)
			}
			for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=bogus", "from=yesterday", "account=assets:cash"} {
				ts.json("GET", "/api/v1/ledger/entries?"+q, pruefer, "").wantProblem(t, 422, "validation")
			}
			r = ts.json("GET", "/api/v1/audit?action=ledger.entry.reverse", pruefer, "").wantStatus(t, 200)
			if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["object_id"] != firstID {
				t.Fatalf("audit %v", r.body)
			}
			ts.json("GET", "/api/v1/audit", kasse, "").wantProblem(t, 403, "forbidden")
		})

		t.Run("reports", func(t *testing.T) {
			r := ts.json("GET", "/api/v1/ledger/trial-balance", pruefer, "").wantStatus(t, 200)
			if r.body["total_debit"] != r.body["total_credit"] || r.body["total_debit"] != "40.00" {
				t.Fatalf("trial balance %v", r.body)
			}
			r = ts.json("GET", "/api/v1/ledger/trial-balance?at=2000-01-01", pruefer, "").wantStatus(t, 200)
			if r.body["total_debit"] != "0.00" {
				t.Fatalf("trial balance in 2000: %v", r.body)
			}
			r = ts.json("GET", "/api/v1/ledger/accounts", kasse, "").wantStatus(t, 200)
			if len(r.body["items"].([]any)) != 7 {
				t.Fatalf("accounts %v", r.body)
			}
			r = ts.json("GET", "/api/v1/ledger/verify", pruefer, "").wantStatus(t, 200)
			if r.body["ok"] != true || r.body["entries_checked"] != float64(4) {
				t.Fatalf("verify %v", r.body)
			}
		})
	})
}

func TestExportEndpoint(t *testing.T) {
	ts := newTestServer(t, dbtest.Open(t, db.SQLite), Config{})
	kasse := ts.mustUser("kasse@example.org", auth.Treasurer)
	verein := ts.mustUser("verein@example.org", auth.Applicant)
	ts.json("POST", "/api/v1/ledger/entries", kasse, `{"memo":"Spende","postings":[{"account":"assets:bank","amount":"5.00"},{"account":"income:donations","amount":"-5.00"}]}`).wantStatus(t, 201)
	r := ts.json("GET", "/api/v1/ledger/export?format=csv&from=2000-01-01", kasse, "").wantStatus(t, 200)
	if cd := r.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"fundus-ledger-from-2000-01-01") ||
		!strings.HasPrefix(r.Body.String(), "entry_id,seq,time,date,kind,memo,account,debit,credit,currency,hash\n") {
		t.Fatalf("%s\n%s", cd, r.Body)
	}
	ts.json("GET", "/api/v1/ledger/export?format=xml", kasse, "").wantProblem(t, 422, "validation")
	ts.json("GET", "/api/v1/ledger/export?format=csv", verein, "").wantProblem(t, 403, "forbidden")
}
