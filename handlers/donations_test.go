package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
)

func TestDonationsAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		kasse := ts.mustUser("kasse@example.org", auth.Treasurer)
		pruefer := ts.mustUser("pruefer@example.org", auth.Auditor)

		r := ts.json("POST", "/api/v1/donations", "", `{"amount":"25.00","anonymous":true,"message":"Viel Erfolg!"}`).wantStatus(t, http.StatusCreated)
		id := r.body["id"].(string)
		pay := r.body["payment"].(map[string]any)
		if r.body["status"] != "pledged" || pay["method"] != "bank_transfer" || pay["amount"] != "25.00" || pay["reference"] != r.body["reference"] ||
			pay["iban"] != "DE89370400440532013000" || pay["qr_code_url"] != "/api/v1/donations/"+id+"/girocode.png" {
			t.Fatalf("pledge %v", r.body)
		}
		png := ts.json("GET", pay["qr_code_url"].(string), "", "").wantStatus(t, 200)
		if png.Header().Get("Content-Type") != "image/png" || !strings.HasPrefix(png.Body.String(), "\x89PNG") {
			t.Fatalf("girocode: %s", png.Header())
		}
		svg := ts.json("GET", "/api/v1/donations/"+id+"/girocode.svg", "", "").wantStatus(t, 200)
		if !strings.HasPrefix(svg.Body.String(), "<svg") {
			t.Fatal("svg")
		}
		ts.json("GET", "/api/v1/donations/"+id+"/girocode.gif", "", "").wantProblem(t, 404, "not-found")

		t.Run("the public sees no donations", func(t *testing.T) {
			ts.json("GET", "/api/v1/donations/"+id, "", "").wantProblem(t, 401, "unauthenticated")
			ts.json("GET", "/api/v1/donations", "", "").wantProblem(t, 401, "unauthenticated")
		})

		t.Run("hostile input", func(t *testing.T) {
			script := `<script>alert(1)</script>`
			r := ts.json("POST", "/api/v1/donations", "", `{"amount":"5","message":"`+script+`","donor":{"name":"`+script+`","city":"<b>x</b>"}}`).wantStatus(t, http.StatusCreated)
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
				r := ts.json("POST", "/api/v1/donations", "", body).wantProblem(t, 422, "validation")
				if f := r.fieldErrors(); len(f) == 0 || f[0] != field {
					t.Errorf("%s: fields %v, want %s first", body, f, field)
				}
			}
		})

		t.Run("treasurer", func(t *testing.T) {
			r := ts.json("GET", "/api/v1/donations?status=pledged&q="+r.body["reference"].(string)[5:9], kasse, "").wantStatus(t, 200)
			if items := r.body["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != id {
				t.Fatalf("search %v", r.body)
			}
			ts.json("POST", "/api/v1/donations/"+id+"/confirm", pruefer, "").wantProblem(t, 403, "forbidden")
			h := map[string]string{"Idempotency-Key": "statement-7"}
			first := ts.doWithHeaders("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"2026-11-20"}`, h).wantStatus(t, 200)
			again := ts.doWithHeaders("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{"received_at":"2026-11-20"}`, h).wantStatus(t, 200)
			if first.body["status"] != "received" || first.body["ledger_entry_id"] == "" || again.Body.String() != first.Body.String() {
				t.Fatalf("confirm %s / %s", first.Body, again.Body)
			}
			ts.json("POST", "/api/v1/donations/"+id+"/confirm", kasse, "").wantProblem(t, 409, "invalid-state")
			ts.json("POST", "/api/v1/donations/"+id+"/cancel", kasse, "").wantProblem(t, 409, "invalid-state")
			ts.json("GET", "/api/v1/donations/"+id+"/girocode.png", "", "").wantProblem(t, 409, "invalid-state")
			ts.json("POST", "/api/v1/donations/"+id+"/refund", kasse, `{}`).wantProblem(t, 422, "validation")
			r = ts.json("POST", "/api/v1/donations/"+id+"/refund", kasse, `{"reason":"Spender bat darum"}`).wantStatus(t, 200)
			if r.body["status"] != "refunded" || r.body["refund_entry_id"] == "" {
				t.Fatalf("refund %v", r.body)
			}
			ts.json("GET", "/api/v1/donations/"+id, pruefer, "").wantStatus(t, 200)
			ts.json("GET", "/api/v1/donations/nope", pruefer, "").wantProblem(t, 404, "not-found")
			ts.json("GET", "/api/v1/donations?status=lost", pruefer, "").wantProblem(t, 422, "validation")
		})

		t.Run("rate limit", func(t *testing.T) {
			limited := newTestServer(t, d, Config{RateLimit: 1})
			limited.json("POST", "/api/v1/donations", "", `{"amount":"5"}`).wantStatus(t, http.StatusCreated)
			r := limited.json("POST", "/api/v1/donations", "", `{"amount":"5"}`).wantProblem(t, 429, "rate-limited")
			if r.Header().Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
		})
	})
}

// TestPledgeRepeatCarriesPayment: an idempotent repeat of a pledge returns
// the whole first response, payment instructions included.
func TestPledgeRepeatCarriesPayment(t *testing.T) {
	ts := newTestServer(t, dbtest.Open(t, db.SQLite), Config{})
	h := map[string]string{"Idempotency-Key": "pledge-1"}
	first := ts.doWithHeaders("POST", "/api/v1/donations", "", `{"amount":"25.00"}`, h).wantStatus(t, http.StatusCreated)
	again := ts.doWithHeaders("POST", "/api/v1/donations", "", `{"amount":"25.00"}`, h).wantStatus(t, http.StatusCreated)
	if again.Body.String() != first.Body.String() || again.body["payment"] == nil {
		t.Fatalf("repeat:\n%s\nfirst:\n%s", again.Body, first.Body)
	}
}

// TestDonationRangeGoesByBerlinDays: a date in ?from=/?to= of the donation
// list is a day in Europe/Berlin, as every other range of the fund: 1
// January starts at 23:00 UTC on 31 December and 31 December ends there.
func TestDonationRangeGoesByBerlinDays(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", "/api/v1/donations?from=2026-01-01&to=2026-12-31", nil)
	from, to, err := timeRange(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC); !from.Equal(want) {
		t.Errorf("from %v, want %v", from, want)
	}
	if want := time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC); !to.Equal(want) {
		t.Errorf("to %v, want %v (exclusive)", to, want)
	}
}
