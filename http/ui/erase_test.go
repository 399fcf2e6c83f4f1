package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestAdminErasesDonor: the admin finds a donation by its reference; the
// erase button leads to a confirmation step; a cancelled pledge's donor is
// erased, a received donation's is restricted and the pages say so.
func TestAdminErasesDonor(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.MustUser("admin@example.org", auth.Admin)
		p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"30.00","donor":{"name":"Erika Mustermann","email":"erika@example.org"}}`).WantStatus(t, http.StatusCreated)
		id, ref := p.JSON["id"].(string), p.JSON["reference"].(string)
		ts.JSON("POST", "/api/v1/donations/"+id+"/cancel", kasse, "").WantStatus(t, 200)

		b := ts.SignedIn("admin@example.org", "de")
		if r := b.Do("GET", "/admin/donations", nil); r.Code != 200 || !strings.Contains(r.Body.String(), `id="q"`) {
			t.Fatalf("search page: %d", r.Code)
		}
		found := b.Do("GET", "/admin/donations?q="+url.QueryEscape(ref), nil).Body.String()
		if !strings.Contains(found, "Erika Mustermann") || !strings.Contains(found, `href="/admin/donations/`+id+`/erase"`) || strings.Contains(found, `method="post" action="/admin/donations/`) {
			t.Fatalf("found page: no donor or no link to the confirmation step, or a one-click erase:\n%s", found)
		}
		confirm := b.Do("GET", "/admin/donations/"+id+"/erase", nil)
		if confirm.Code != 200 || !strings.Contains(confirm.Body.String(), `action="/admin/donations/`+id+`/erase"`) {
			t.Fatalf("confirmation step: %d", confirm.Code)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").JSON; got["donor"] == nil {
			t.Fatal("showing the confirmation step erased")
		}
		r := b.Do("POST", "/admin/donations/"+id+"/erase", url.Values{"csrf_token": {b.CSRF(confirm.Body.String())}})
		if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "done=erased") {
			t.Fatalf("erase: %d %s", r.Code, r.Header().Get("Location"))
		}
		if page := b.Do("GET", r.Header().Get("Location"), nil).Body.String(); strings.Contains(page, "Erika") || !strings.Contains(page, "wurden gelöscht") {
			t.Fatalf("after erasing:\n%s", page)
		}

		received := ts.BankDonation(kasse, "80.00")
		confirm = b.Do("GET", "/admin/donations/"+received+"/erase", nil)
		r = b.Do("POST", "/admin/donations/"+received+"/erase", url.Values{"csrf_token": {b.CSRF(confirm.Body.String())}})
		if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "done=restricted") {
			t.Fatalf("restrict: %d %s", r.Code, r.Header().Get("Location"))
		}
		if page := b.Do("GET", r.Header().Get("Location"), nil).Body.String(); !strings.Contains(page, "eingeschränkt (Art. 18 DSGVO)") {
			t.Fatalf("after restricting:\n%s", page)
		}
		if b := ts.SignedIn("kasse@example.org", "de"); !strings.Contains(b.Do("GET", "/treasurer/donations?status=all", nil).Body.String(), "eingeschränkt (Art. 18 DSGVO)") {
			t.Error("the treasurer's list does not show the restriction")
		}
	})
}
