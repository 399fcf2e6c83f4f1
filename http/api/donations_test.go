package api_test

import (
	"net/http"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

func TestDonationsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		pruefer := ts.MustUser("pruefer@example.org", auth.Auditor)

		r := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"25.00","anonymous":true,"message":"Viel Erfolg!"}`).WantStatus(t, http.StatusCreated)
		id := r.JSON["id"].(string)
		pay := r.JSON["payment"].(map[string]any)
		if r.JSON["status"] != "pledged" || pay["method"] != "bank_transfer" || pay["amount"] != "25.00" || pay["reference"] != r.JSON["reference"] ||
			pay["iban"] != "DE89370400440532013000" || pay["qr_code_url"] != "/api/v1/donations/"+id+"/girocode.png" {
			t.Fatalf("pledge %v", r.JSON)
		}
		png := ts.JSON("GET", pay["qr_code_url"].(string), "", "").WantStatus(t, 200)
		if png.Header().Get("Content-Type") != "image/png" || !strings.HasPrefix(png.Body.String(), "\x89PNG") {
			t.Fatalf("girocode: %s", png.Header())
		}
		svg := ts.JSON("GET", "/api/v1/donations/"+id+"/girocode.svg", "", "").WantStatus(t, 200)
		if !strings.HasPrefix(svg.Body.String(), "<svg") {
			t.Fatal("svg")
		}
		ts.JSON("GET", "/api/v1/donations/"+id+"/girocode.gif", "", "").WantProblem(t, 404, "not-found")

		t.Run("the public sees no donations", func(t *testing.T) {
			ts.JSON("GET", "/api/v1/donations/"+id, "", "").WantProblem(t, 401, "unauthenticated")
			ts.JSON("GET", "/api/v1/donations", "", "").WantProblem(t, 401, "unauthenticated")
		})

		t.Run("hostile input", func(t *testing.T) {
			script := `<script>alert(1)</script>`
			r := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5","message":"`+script+`","donor":{"name":"`+script+`","city":"<b>x</b>"}}`).WantStatus(t, http.StatusCreated)
			if strings.Contains(r.Body.String(), "<script>") || !strings.Contains(r.Body.String(), `\u003cscript\u003e`) {
				t.Fatalf("not escaped: %s", r.Body)
			}
			for body, field := range map[string]string{
				`{"amount":"5","message":"` + strings.Repeat("x", 1001) + `"}`:            "message",
				`{"amount":"5","donor":{"email":"nope"}}`:                                 "donor.email",
				`{"amount":"5","donor":{"postal_code":"<script>"}}`:                       "donor.postal_code",
				`{"amount":"5","receipt_requested":true,"donor":{"name":"A","city":"B"}}`: "donor.street",
				`{"amount":"1e3"}`:  "amount",
				`{"amount":25.005}`: "amount",
			} {
				r := ts.JSON("POST", "/api/v1/donations", "", body).WantProblem(t, 422, "validation")
				if f := r.FieldErrors(); len(f) == 0 || f[0] != field {
					t.Errorf("%s: fields %v, want %s first", body, f, field)
				}
			}
		})

		t.Run("treasurer", func(t *testing.T) {
			r := ts.JSON("GET", "/api/v1/donations?status=pledged&q="+r.JSON["reference"].(string)[5:9], kasse, "").WantStatus(t, 200)
			if items := r.JSON["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
				t.Fatalf("search %v", r.JSON)
			}
			ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", pruefer, "").WantProblem(t, 403, "forbidden")
			h := map[string]string{"Idempotency-Key": "statement-7"}
			first := ts.DoWithHeaders("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"2026-11-20"}`, h).WantStatus(t, 200)
			again := ts.DoWithHeaders("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"2026-11-20"}`, h).WantStatus(t, 200)
			if first.JSON["status"] != "received" || first.JSON["ledger_entry_id"] == "" || again.Body.String() != first.Body.String() {
				t.Fatalf("confirm %s / %s", first.Body, again.Body)
			}
			ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, "").WantProblem(t, 409, "invalid-state")
			ts.JSON("POST", "/api/v1/donations/"+id+"/cancel", kasse, "").WantProblem(t, 409, "invalid-state")
			ts.JSON("GET", "/api/v1/donations/"+id+"/girocode.png", "", "").WantProblem(t, 409, "invalid-state")
			ts.JSON("POST", "/api/v1/donations/"+id+"/refund", kasse, `{}`).WantProblem(t, 422, "validation")
			r = ts.JSON("POST", "/api/v1/donations/"+id+"/refund", kasse, `{"reason":"Spender bat darum"}`).WantStatus(t, 200)
			if r.JSON["status"] != "refunded" || r.JSON["refund_entry_id"] == "" {
				t.Fatalf("refund %v", r.JSON)
			}
			ts.JSON("GET", "/api/v1/donations/"+id, pruefer, "").WantStatus(t, 200)
			ts.JSON("GET", "/api/v1/donations/nope", pruefer, "").WantProblem(t, 404, "not-found")
			ts.JSON("GET", "/api/v1/donations?status=lost", pruefer, "").WantProblem(t, 422, "validation")
		})

		t.Run("confirm with what really arrived", func(t *testing.T) {
			id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"50.00"}`).WantStatus(t, http.StatusCreated).JSON["id"].(string)
			r := ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"amount":"1,5"}`).WantProblem(t, 422, "validation")
			if f := r.FieldErrors(); len(f) != 1 || f[0] != "amount" {
				t.Fatalf("fields %v, want amount", f)
			}
			r = ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"amount":45.5}`).WantStatus(t, 200)
			if r.JSON["status"] != "received" || r.JSON["received_amount"] != "45.50" || r.JSON["amount"] != "50.00" {
				t.Fatalf("confirm with 45.50: %v", r.JSON)
			}
		})

		t.Run("rate limit", func(t *testing.T) {
			limited := testserver.New(t, d, server.Config{RateLimit: 1})
			limited.JSON("POST", "/api/v1/donations", "", `{"amount":"5"}`).WantStatus(t, http.StatusCreated)
			r := limited.JSON("POST", "/api/v1/donations", "", `{"amount":"5"}`).WantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		})
	})
}

// TestPledgeRepeatCarriesPayment: an idempotent repeat of a pledge returns
// the whole first response, payment instructions included.
func TestPledgeRepeatCarriesPayment(t *testing.T) {
	ts := testserver.New(t, dbtest.Open(t, db.SQLite), server.Config{})
	h := map[string]string{"Idempotency-Key": "pledge-1"}
	first := ts.DoWithHeaders("POST", "/api/v1/donations", "", `{"amount":"25.00"}`, h).WantStatus(t, http.StatusCreated)
	again := ts.DoWithHeaders("POST", "/api/v1/donations", "", `{"amount":"25.00"}`, h).WantStatus(t, http.StatusCreated)
	if again.Body.String() != first.Body.String() || again.JSON["payment"] == nil {
		t.Fatalf("repeat:\n%s\nfirst:\n%s", again.Body, first.Body)
	}
}
