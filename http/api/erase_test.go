package api_test

import (
	"net/http"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestEraseDonationAPI: an admin erases a cancelled pledge's donor at once;
// a received donation is refused (409) and shows restricted from then on.
func TestEraseDonationAPI(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		admin := ts.MustUser("admin@example.org", auth.Admin)
		donor := `"donor":{"name":"Erika Mustermann","email":"erika@example.org","city":"Osnabrück"}`

		pledge := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"30.00",`+donor+`}`).WantStatus(t, http.StatusCreated).JSON["id"].(string)
		ts.JSON("POST", "/api/v1/donations/"+pledge+"/cancel", kasse, "").WantStatus(t, 200)
		ts.JSON("POST", "/api/v1/donations/"+pledge+"/erase", kasse, "").WantProblem(t, 403, "forbidden")
		ts.JSON("POST", "/api/v1/donations/nope/erase", admin, "").WantProblem(t, 404, "not-found")
		r := ts.JSON("POST", "/api/v1/donations/"+pledge+"/erase", admin, "").WantStatus(t, 200)
		if r.JSON["erased_at"] == nil || r.JSON["donor"] != nil || r.JSON["status"] != "cancelled" {
			t.Fatalf("erased pledge: %v", r.JSON)
		}
		ts.JSON("POST", "/api/v1/donations/"+pledge+"/erase", admin, "").WantProblem(t, 409, "invalid-state")

		received := ts.BankDonation(kasse, "80.00")
		ts.JSON("POST", "/api/v1/donations/"+received+"/erase", admin, "").WantProblem(t, 409, "invalid-state")
		got := ts.JSON("GET", "/api/v1/donations/"+received, admin, "").WantStatus(t, 200)
		if got.JSON["restricted"] != true || got.JSON["erased_at"] != nil {
			t.Fatalf("after the refusal: %v", got.JSON)
		}
		h := map[string]string{"Idempotency-Key": "erase-1"}
		ts.DoWithHeaders("POST", "/api/v1/donations/"+received+"/erase", admin, "", h).WantProblem(t, 409, "invalid-state")
		ts.DoWithHeaders("POST", "/api/v1/donations/"+received+"/erase", admin, "", h).WantProblem(t, 409, "invalid-state")
	})
}
