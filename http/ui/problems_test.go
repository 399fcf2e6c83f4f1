package ui_test

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/http/httpx"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/web"
)

// TestRefusalsOnPagesInGerman: where a page shows a refusal beside the
// object (a treasurer's action, a grant's action), the status is the
// kind's and the message the kind's (or its code's) in German; the API's
// English detail of the same refusal is not on the page.
func TestRefusalsOnPagesInGerman(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		group := ts.MustUser("verein@example.org", auth.Applicant)
		var m []string
		for _, e := range []string{"m0@example.org", "m1@example.org", "m2@example.org"} {
			m = append(m, ts.MustUser(e, auth.Committee))
		}
		k1 := ts.MustUser("k1@example.org", auth.Treasurer)
		texts, err := web.New()
		if err != nil {
			t.Fatal(err)
		}
		ts.BankDonation(k1, "800.00") // money enters the bank with its bank line
		login := func(email string) *testserver.Browserless { return ts.SignedIn(email, "de-DE,de;q=0.9") }
		// post sends a form from the page at from and checks the answer.
		post := func(b *testserver.Browserless, from, to string, form url.Values, kind errs.Kind, message, apiDetail string) {
			t.Helper()
			page := b.Do("GET", from, nil)
			form.Set("csrf_token", b.CSRF(page.Body.String()))
			r := b.Do("POST", to, form)
			body := r.Body.String()
			if want := httpx.ProblemTypeOf(errs.E(kind)).Status; r.Code != want {
				t.Errorf("POST %s: status %d, want %d", to, r.Code, want)
			}
			if want := html.EscapeString(texts.T("de", message)); !strings.Contains(body, want) {
				t.Errorf("POST %s: the page lacks %q:\n%s", to, want, body)
			}
			if apiDetail == "" || strings.Contains(body, html.EscapeString(apiDetail)) {
				t.Errorf("POST %s: the page says the API's detail %q", to, apiDetail)
			}
		}
		detail := func(r *testserver.Response) string { return r.JSON["detail"].(string) }

		t.Run("a treasurer confirms a donation twice", func(t *testing.T) {
			id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).WantStatus(t, 201).JSON["id"].(string)
			ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", k1, "").WantStatus(t, 200)
			api := ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", k1, "").WantProblem(t, 409, "invalid-state")
			b := login("k1@example.org")
			post(b, "/treasurer/donations/"+id+"/confirm", "/treasurer/donations/"+id+"/confirm", url.Values{},
				errs.InvalidState, "problem.invalid_state", detail(api))
		})

		t.Run("a treasurer searches a reference with a typo", func(t *testing.T) {
			ref := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).WantStatus(t, 201).JSON["reference"].(string)
			typo := ref[:len(ref)-1] + "3"
			if typo == ref {
				typo = ref[:len(ref)-1] + "4"
			}
			_, err := donations.ParseReference(typo)
			r := login("k1@example.org").Do("GET", "/treasurer/donations?q="+url.QueryEscape(typo), nil)
			if want := html.EscapeString(texts.T("de", "error.field.reference_check")); r.Code != 200 || !strings.Contains(r.Body.String(), want) ||
				strings.Contains(r.Body.String(), html.EscapeString(errs.FieldsOf(err)[0].Message)) {
				t.Fatalf("%d, want %q beside the search:\n%s", r.Code, want, r.Body.String())
			}
		})

		id := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
		A := "/api/v1/applications/" + id
		ts.JSON("POST", A+"/submit", group, "").WantStatus(t, 200)

		t.Run("a group submits twice", func(t *testing.T) {
			api := ts.JSON("POST", A+"/submit", group, "").WantProblem(t, 409, "invalid-state")
			post(login("verein@example.org"), "/grants/"+id, "/grants/"+id+"/submit", url.Values{},
				errs.InvalidState, "problem.invalid_state", detail(api))
		})

		ts.JSON("POST", A+"/reviews", m[0], `{"score":4}`).WantStatus(t, 201)
		for _, who := range m {
			ts.JSON("POST", A+"/votes", who, `{"vote":"approve"}`).WantStatus(t, 201)
		}

		t.Run("a committee member approves more than is available", func(t *testing.T) {
			big := ts.JSON("POST", "/api/v1/applications", group, strings.Replace(testserver.ApplicationBody, `"title":"Sprachcafé"`, `"title":"Groß"`, 1)).WantStatus(t, 201).JSON["id"].(string)
			B := "/api/v1/applications/" + big
			ts.JSON("POST", B+"/submit", group, "").WantStatus(t, 200)
			ts.JSON("POST", B+"/reviews", m[0], `{"score":4}`).WantStatus(t, 201)
			for _, who := range m {
				ts.JSON("POST", B+"/votes", who, `{"vote":"approve"}`).WantStatus(t, 201)
			}
			// Most of the money goes to the first application.
			ts.JSON("POST", A+"/decision", m[0], `{"decision":"approved"}`).WantStatus(t, 200)
			api := ts.JSON("POST", B+"/decision", m[0], `{"decision":"approved"}`).WantProblem(t, 409, "insufficient-funds")
			post(login("m0@example.org"), "/grants/"+big, "/grants/"+big+"/decide", url.Values{"decision": {"approved"}, "confirmed": {"1"}},
				errs.InsufficientFunds, "problem.insufficient_funds", detail(api))
		})

		t.Run("the maker of an instalment releases it", func(t *testing.T) {
			dis := ts.JSON("POST", A+"/disbursements", k1, `{"amount":"100.00"}`).WantStatus(t, 201).JSON["id"].(string)
			api := ts.JSON("POST", "/api/v1/disbursements/"+dis+"/release", k1, "").WantProblem(t, 403, "forbidden")
			post(login("k1@example.org"), "/grants/"+id, "/payouts/"+dis+"/release", url.Values{"application_id": {id}},
				errs.Forbidden, "problem.code."+string(grants.FourEyesMaker), detail(api))
		})
	})
}
