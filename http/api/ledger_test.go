package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/ledger"
)

func TestLedgerAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		pruefer := ts.MustUser("pruefer@example.org", auth.Auditor)
		verein := ts.MustUser("verein@example.org", auth.Applicant)

		interest := `{"memo":"Zinsen","postings":[{"account":"assets:clearing","amount":"100.00"},{"account":"income:interest","amount":-100.00}]}`
		r := ts.JSON("POST", "/api/v1/ledger/entries", kasse, interest).WantStatus(t, http.StatusCreated)
		if r.JSON["seq"] != float64(1) || r.JSON["hash"] == "" || r.JSON["prev_hash"] != ledger.GenesisHash {
			t.Fatalf("entry %v", r.JSON)
		}
		postings := r.JSON["postings"].([]any)
		if postings[1].(map[string]any)["amount"] != "-100.00" {
			t.Fatalf("postings %v", postings)
		}
		firstID := r.JSON["id"].(string)

		t.Run("roles", func(t *testing.T) {
			ts.JSON("POST", "/api/v1/ledger/entries", pruefer, interest).WantProblem(t, 403, "forbidden")
			ts.JSON("GET", "/api/v1/ledger/accounts", verein, "").WantProblem(t, 403, "forbidden")
			ts.JSON("GET", "/api/v1/ledger/verify", kasse, "").WantProblem(t, 403, "forbidden")
			ts.JSON("GET", "/api/v1/ledger/accounts", "", "").WantProblem(t, 401, "unauthenticated")
		})

		t.Run("hostile amounts", func(t *testing.T) {
			for _, amount := range []string{`"1.005"`, `1e400`, `"NaN"`, `"+5"`, `"5,00"`, `-0`, `"1000000.01"`, `true`} {
				body := `{"memo":"x","postings":[{"account":"assets:clearing","amount":` + amount + `},{"account":"income:interest","amount":"-1.00"}]}`
				r := ts.JSON("POST", "/api/v1/ledger/entries", kasse, body).WantProblem(t, 422, "validation")
				if f := r.FieldErrors(); len(f) == 0 || f[0] != "postings[0].amount" {
					t.Errorf("%s: fields %v", amount, f)
				}
			}
		})

		t.Run("idempotency", func(t *testing.T) {
			h := map[string]string{"Idempotency-Key": "bank-statement-2026-11-25-line-7"}
			body := `{"memo":"Zinsen, von Hand gebucht","postings":[{"account":"assets:clearing","amount":"20.00"},{"account":"income:interest","amount":"-20.00"}]}`
			first := ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, h).WantStatus(t, http.StatusCreated)
			again := ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, h).WantStatus(t, http.StatusCreated)
			if again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
			}
			ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, strings.Replace(body, "20.00", "21.00", 2), h).WantProblem(t, 422, "idempotency-key-reused")
			// Another caller with the same key is another key.
			other := ts.MustUser("kasse2@example.org", auth.Treasurer)
			ts.DoWithHeaders("POST", "/api/v1/ledger/entries", other, body, h).WantStatus(t, http.StatusCreated)
			r := ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, body, map[string]string{"Idempotency-Key": "tab\there"}).WantProblem(t, 400, "malformed-request")
			if f := r.FieldErrors(); len(f) != 1 || f[0] != "Idempotency-Key" {
				t.Fatalf("fields %v", f)
			}
		})

		t.Run("idempotency in progress", func(t *testing.T) {
			me := ts.JSON("GET", "/api/v1/me", kasse, "").WantStatus(t, 200)
			key := commit.Key{Scope: "user:" + me.JSON["id"].(string), Name: "slow", RequestHash: "x"}
			started, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
			go func() {
				_, err := commit.Do(commit.WithKey(context.Background(), key), ts.Ledger.Writer, func(tx *commit.Tx) (int, error) {
					close(started)
					<-release
					return 1, nil
				})
				done <- err
			}()
			<-started
			ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, interest, map[string]string{"Idempotency-Key": "slow"}).WantProblem(t, 409, "idempotency-in-progress")
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})

		t.Run("reverse", func(t *testing.T) {
			r := ts.JSON("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{"reason":"Doppelt gebucht"}`).WantStatus(t, http.StatusCreated)
			if r.JSON["reverses"] != firstID {
				t.Fatalf("reversal %v", r.JSON)
			}
			ts.JSON("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{"reason":"nochmal"}`).WantProblem(t, 409, "invalid-state")
			ts.JSON("POST", "/api/v1/ledger/entries/nope/reverse", kasse, `{"reason":"x"}`).WantProblem(t, 404, "not-found")
			ts.JSON("POST", "/api/v1/ledger/entries/"+strings.ToUpper(firstID)+"/reverse", kasse, `{"reason":"x"}`).WantProblem(t, 404, "not-found")
			// An id that is no UUID, or one that names no entry, is not found
			// (PostgreSQL stores entries' ids as uuids and refuses to compare
			// one with other text).
			for _, id := range []string{"nope", "' OR 1=1 --", "00000000-0000-7000-8000-000000000000", "{" + firstID + "}", strings.ToUpper(firstID)} {
				ts.JSON("GET", "/api/v1/ledger/entries/"+url.PathEscape(id), kasse, "").WantProblem(t, 404, "not-found")
			}
			ts.JSON("GET", "/api/v1/ledger/entries/"+firstID, kasse, "").WantStatus(t, 200)
			ts.JSON("POST", "/api/v1/ledger/entries/"+firstID+"/reverse", kasse, `{}`).WantProblem(t, 422, "validation")
		})

		t.Run("insufficient funds", func(t *testing.T) {
			ts.JSON("POST", "/api/v1/ledger/entries", kasse, `{"memo":"Zusage","postings":[{"account":"expenses:grants","amount":"1000.00"},{"account":"liabilities:grants-payable","amount":"-1000.00"}]}`).
				WantProblem(t, 409, "insufficient-funds")
		})

		t.Run("lists", func(t *testing.T) {
			r := ts.JSON("GET", "/api/v1/ledger/entries?limit=2", pruefer, "").WantStatus(t, 200)
			items := r.JSON["items"].([]any)
			cursor, _ := r.JSON["next_cursor"].(string)
			if len(items) != 2 || cursor == "" {
				t.Fatalf("page 1: %d items, cursor %q", len(items), cursor)
			}
			seen := 2
			for cursor != "" {
				r = ts.JSON("GET", "/api/v1/ledger/entries?limit=2&cursor="+cursor, pruefer, "").WantStatus(t, 200)
				seen += len(r.JSON["items"].([]any))
				cursor, _ = r.JSON["next_cursor"].(string)
			}
			if seen != 4 { // interest, two idempotent entries, the reversal
				t.Fatalf("%d entries in all pages, want 4", seen)
			}
			r = ts.JSON("GET", "/api/v1/ledger/entries?account=income:interest&from=2000-01-01&to=2999-12-31", pruefer, "").WantStatus(t, 200)
			if n := len(r.JSON["items"].([]any)); n != 4 {
				t.Fatalf("filtered: %d", n)
			}
			r = ts.JSON("GET", "/api/v1/ledger/entries?to=2000-01-01", pruefer, "").WantStatus(t, 200)
			if n := len(r.JSON["items"].([]any)); n != 0 {
				t.Fatalf("before 2000: %d", n)
			}
			r = ts.JSON("GET", "/api/v1/ledger/entries?q=REVERS", pruefer, "").WantStatus(t, 200)
			if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["reverses"] != firstID {
				t.Fatalf("q=REVERS: %v", r.JSON)
			}
			r = ts.JSON("GET", "/api/v1/ledger/entries?q=50%25_", pruefer, "").WantStatus(t, 200)
			if n := len(r.JSON["items"].([]any)); n != 0 {
				t.Fatalf("q with LIKE wildcards matched %d entries, want 0", n)
			}
			for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=bogus", "from=yesterday", "account=assets:cash", "q=" + strings.Repeat("x", 201)} {
				ts.JSON("GET", "/api/v1/ledger/entries?"+q, pruefer, "").WantProblem(t, 422, "validation")
			}
			r = ts.JSON("GET", "/api/v1/audit?action=ledger.entry.reverse", pruefer, "").WantStatus(t, 200)
			if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["object_id"] != firstID {
				t.Fatalf("audit %v", r.JSON)
			}
			ts.JSON("GET", "/api/v1/audit", kasse, "").WantProblem(t, 403, "forbidden")
		})

		t.Run("reports", func(t *testing.T) {
			r := ts.JSON("GET", "/api/v1/ledger/trial-balance", pruefer, "").WantStatus(t, 200)
			if r.JSON["total_debit"] != r.JSON["total_credit"] || r.JSON["total_debit"] != "40.00" {
				t.Fatalf("trial balance %v", r.JSON)
			}
			r = ts.JSON("GET", "/api/v1/ledger/trial-balance?at=2000-01-01", pruefer, "").WantStatus(t, 200)
			if r.JSON["total_debit"] != "0.00" {
				t.Fatalf("trial balance in 2000: %v", r.JSON)
			}
			r = ts.JSON("GET", "/api/v1/ledger/accounts", kasse, "").WantStatus(t, 200)
			if len(r.JSON["items"].([]any)) != 10 { // the chart of migrations 00002, 00011 and 00019
				t.Fatalf("accounts %v", r.JSON)
			}
			r = ts.JSON("GET", "/api/v1/ledger/verify", pruefer, "").WantStatus(t, 200)
			if r.JSON["ok"] != true || r.JSON["entries_checked"] != float64(4) {
				t.Fatalf("verify %v", r.JSON)
			}
		})
	})
}

func TestExportEndpoint(t *testing.T) {
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{})
	kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
	verein := ts.MustUser("verein@example.org", auth.Applicant)
	ts.JSON("POST", "/api/v1/ledger/entries", kasse, `{"memo":"Zinsen","postings":[{"account":"assets:clearing","amount":"5.00"},{"account":"income:interest","amount":"-5.00"}]}`).WantStatus(t, 201)
	r := ts.JSON("GET", "/api/v1/ledger/export?format=csv&from=2000-01-01", kasse, "").WantStatus(t, 200)
	if cd := r.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"fundus-ledger-from-2000-01-01") ||
		!strings.HasPrefix(r.Body.String(), "entry_id,seq,time,date,kind,memo,account,debit,credit,currency,hash\n") {
		t.Fatalf("%s\n%s", cd, r.Body)
	}
	ts.JSON("GET", "/api/v1/ledger/export?format=xml", kasse, "").WantProblem(t, 422, "validation")
	ts.JSON("GET", "/api/v1/ledger/export?format=csv", verein, "").WantProblem(t, 403, "forbidden")
}

// TestNoDonationByHand: a treasurer cannot make money available by a
// manual entry to income:donations (it would bypass the donation's record
// and its acceptance), nor take a donation out by hand; refused with 422
// naming the posting, also under an idempotency key, and nothing changes.
func TestNoDonationByHand(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		fund := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200).JSON
		for _, c := range []struct{ body, field string }{
			{`{"memo":"Spende bar","postings":[{"account":"assets:clearing","amount":"5000.00"},{"account":"income:donations","amount":"-5000.00"}]}`, "postings[1].account"},
			{`{"memo":"Umbuchung","postings":[{"account":"income:donations","amount":"5.00"},{"account":"income:interest","amount":"-5.00"}]}`, "postings[0].account"},
		} {
			for range 2 {
				r := ts.DoWithHeaders("POST", "/api/v1/ledger/entries", kasse, c.body, map[string]string{"Idempotency-Key": "by-hand-" + c.field}).WantProblem(t, 422, "validation")
				if f := r.FieldErrors(); len(f) != 1 || f[0] != c.field {
					t.Errorf("fields %v, want %s", f, c.field)
				}
			}
		}
		if after := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200).JSON; after["available"] != fund["available"] || after["donations_received"] != fund["donations_received"] {
			t.Fatalf("the fund changed: %v -> %v", fund, after)
		}
	})
}
