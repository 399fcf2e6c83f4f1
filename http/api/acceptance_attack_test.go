package api_test

import (
	"net/http"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestAttackRefusedDecisionReplayedAfterStateChange: a decision refused
// (the donation is not received yet) under a key answers the same 422 on
// a repeat with the same key and body, also after the donation arrived;
// nothing is recorded by the repeat.
func TestAttackRefusedDecisionReplayedAfterStateChange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.SetBands(testserver.Bands)
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		admin := ts.MustUser("admin@example.org", auth.Admin)
		p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"2500.00"}`).WantStatus(t, http.StatusCreated)
		id := p.JSON["id"].(string)
		today := fundus.DayOf(time.Now())
		body := `{"body":"council","session_date":"` + today + `","session_ref":"R/1","accepted":["` + id + `"]}`
		h := map[string]string{"Idempotency-Key": "review-replay"}
		ts.DoWithHeaders("POST", "/api/v1/acceptance/decisions", admin, body, h).WantProblem(t, 422, "validation")
		ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{}`).WantStatus(t, http.StatusOK)
		before := ts.TableCounts()
		ts.DoWithHeaders("POST", "/api/v1/acceptance/decisions", admin, body, h).WantProblem(t, 422, "validation")
		after := ts.TableCounts()
		for table, n := range before {
			if after[table] != n {
				t.Fatalf("the replayed refusal changed %s: %d -> %d", table, n, after[table])
			}
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").WantStatus(t, 200).JSON; got["acceptance"] != "pending" {
			t.Fatalf("after the replay: %v", got)
		}
		// A receipt for the pending donation is refused.
		ts.JSON("POST", "/api/v1/donations/"+id+"/receipt", kasse, "").WantProblem(t, 409, "invalid-state")
		// The fund's figures keep it apart.
		fund := ts.JSON("GET", "/api/v1/fund", "", "").WantStatus(t, 200).JSON
		if fund["available"] != "0.00" || fund["donations_count"] != 0.0 {
			t.Fatalf("fund %v", fund)
		}
	})
}
