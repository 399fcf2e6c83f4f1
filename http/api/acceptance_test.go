package api_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestAcceptanceAPI: donations above the first band wait for their body;
// the fund's figures keep them apart; the admin records a session's
// decision, refusals change nothing (also under an idempotency key); the
// yearly report lists every donation.
func TestAcceptanceAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.SetBands(testserver.Bands)
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		admin := ts.MustUser("admin@example.org", auth.Admin)
		pruefer := ts.MustUser("pruefer@example.org", auth.Auditor)

		small := ts.BankDonation(kasse, "100.00")
		mid := ts.BankDonation(kasse, "150.00")
		big := ts.BankDonation(kasse, "2500.00")
		if got := ts.JSON("GET", "/api/v1/donations/"+small, kasse, "").WantStatus(t, 200).JSON; got["acceptance"] != "accepted" || got["accepting_body"] != "administration" {
			t.Fatalf("100.00: %v", got)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+big, kasse, "").WantStatus(t, 200).JSON; got["acceptance"] != "pending" || got["accepting_body"] != nil {
			t.Fatalf("2500.00: %v", got)
		}
		fund := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200).JSON
		if fund["donations_pending"] != "2650.00" || fund["available"] != "100.00" || fund["donations_received"] != "100.00" || fund["donations_count"] != 1.0 {
			t.Fatalf("fund %v", fund)
		}

		list := ts.JSON("GET", "/api/v1/acceptance/pending?body=council", kasse, "").WantStatus(t, 200).JSON["items"].([]any)
		if len(list) != 1 || list[0].(map[string]any)["donation_id"] != big || list[0].(map[string]any)["band"] != "council" {
			t.Fatalf("council list %v", list)
		}
		if r := ts.JSON("GET", "/api/v1/acceptance/pending?body=mayor", admin, "").WantProblem(t, 422, "validation"); !slices.Contains(r.FieldErrors(), "body") {
			t.Fatalf("fields %v", r.FieldErrors())
		}
		ts.JSON("GET", "/api/v1/acceptance/pending?body=council", pruefer, "").WantProblem(t, 403, "forbidden")

		today := fundus.DayOf(time.Now())
		wrongBand := `{"body":"committee","session_date":"` + today + `","session_ref":"VA/1","accepted":["` + mid + `","` + big + `"]}`
		before := ts.TableCounts()
		ts.JSON("POST", "/api/v1/acceptance/decisions", kasse, wrongBand).WantProblem(t, 403, "forbidden")
		h := map[string]string{"Idempotency-Key": "session-1"}
		for range 2 {
			r := ts.DoWithHeaders("POST", "/api/v1/acceptance/decisions", admin, wrongBand, h).WantProblem(t, 422, "validation")
			if !slices.Equal(r.FieldErrors(), []string{"accepted[1]"}) {
				t.Fatalf("fields %v", r.FieldErrors())
			}
		}
		after := ts.TableCounts()
		for table, n := range before {
			if table != "idempotency_keys" && after[table] != n {
				t.Fatalf("a refused decision changed %s: %d -> %d", table, n, after[table])
			}
		}

		council := `{"body":"council","session_date":"` + today + `","session_ref":"Rat 2026/12","accepted":["` + big + `"]}`
		h = map[string]string{"Idempotency-Key": "session-2"}
		rec := ts.DoWithHeaders("POST", "/api/v1/acceptance/decisions", admin, council, h).WantStatus(t, http.StatusCreated)
		if rec.JSON["body"] != "council" || rec.JSON["session_ref"] != "Rat 2026/12" || len(rec.JSON["accepted"].([]any)) != 1 {
			t.Fatalf("decision %v", rec.JSON)
		}
		again := ts.DoWithHeaders("POST", "/api/v1/acceptance/decisions", admin, council, h).WantStatus(t, http.StatusCreated)
		if again.Header().Get("Idempotent-Replayed") != "true" || again.JSON["id"] != rec.JSON["id"] {
			t.Fatalf("replay %v %v", again.Header(), again.JSON)
		}
		ts.JSON("POST", "/api/v1/acceptance/decisions", admin, `{"body":"committee","session_date":"`+today+`","session_ref":"VA/2","declined":["`+mid+`"]}`).WantStatus(t, http.StatusCreated)
		fund = ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200).JSON
		if fund["donations_pending"] != "0.00" || fund["available"] != "2600.00" || fund["donations_count"] != 2.0 {
			t.Fatalf("fund after the sessions %v", fund)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+mid, kasse, "").WantStatus(t, 200).JSON; got["status"] != "refunded" || got["refund_status"] != "owed" || got["acceptance"] != "declined" {
			t.Fatalf("declined: %v", got)
		}

		year := strconv.Itoa(time.Now().In(fundus.Berlin).Year())
		report := ts.JSON("GET", "/api/v1/acceptance/report?year="+year, pruefer, "").WantStatus(t, 200).JSON["items"].([]any)
		if len(report) != 3 {
			t.Fatalf("report %v", report)
		}
		outcome := map[string]string{}
		for _, l := range report {
			m := l.(map[string]any)
			outcome[m["donation_id"].(string)] = m["body"].(string) + "/" + m["outcome"].(string)
		}
		if outcome[small] != "administration/accepted" || outcome[mid] != "committee/declined" || outcome[big] != "council/accepted" {
			t.Fatalf("outcomes %v", outcome)
		}
		csv := ts.JSON("GET", "/api/v1/acceptance/report?year="+year+"&format=csv", admin, "").WantStatus(t, 200)
		if ct := csv.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(csv.Body.String(), ",2500.00,EUR,") || !strings.Contains(csv.Body.String(), "Rat 2026/12,accepted") {
			t.Fatalf("csv %s\n%s", ct, csv.Body)
		}
		ts.JSON("GET", "/api/v1/acceptance/report?year="+year, kasse, "").WantProblem(t, 403, "forbidden")
		ts.JSON("GET", "/api/v1/acceptance/report", admin, "").WantProblem(t, 422, "validation")
	})
}
