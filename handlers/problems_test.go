package handlers

import (
	"context"
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger"
	"fundus/web"
)

// TestEveryKindHasAProblem: every kind of errs has its row in the one
// table, with a page message written in both languages.
func TestEveryKindHasAProblem(t *testing.T) {
	r, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range errs.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			p, ok := problems[k]
			if !ok {
				t.Fatalf("kind %q has no row in problems", k)
			}
			if p.Slug == "" || p.Status < 400 || p.Title == "" {
				t.Fatalf("row %+v", p)
			}
			de, en := r.T("de", p.Page), r.T("en", p.Page)
			if de == p.Page || en == p.Page || de == en {
				t.Fatalf("page message %q: de %q, en %q", p.Page, de, en)
			}
		})
	}
	// The codes domains give refusals have their messages too.
	for _, code := range []errs.Code{grants.FourEyesMaker, grants.FourEyesDecider, grants.OwnGrant, grants.FourEyesLine} {
		id := "problem.code." + string(code)
		if de, en := r.T("de", id), r.T("en", id); de == id || en == id || de == en {
			t.Errorf("code %q: de %q, en %q", code, de, en)
		}
	}
}

// TestErrorPageOfEveryKindInGerman: the error page of each kind answers
// with the kind's status and says the kind's German message, not the
// error's English one; field errors are listed in German, also when their
// code has no translation.
func TestErrorPageOfEveryKindInGerman(t *testing.T) {
	r, err := web.New()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{web: r}
	for _, k := range errs.Kinds() {
		t.Run(k.String(), func(t *testing.T) {
			english := "an English message for " + k.String()
			err := errs.E(k, english,
				errs.FieldError{Field: "year", Code: "year", Message: "must be a year from 2000 to 2100"},
				errs.FieldError{Field: "x", Code: "no_such_code", Message: "English words about x"})
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest("GET", "/somewhere", nil)
			c.Set(ctxLang, "de")
			s.renderError(c, err)
			p, body := problemTypeOf(err), rec.Body.String()
			if rec.Code != p.Status {
				t.Errorf("status %d, want %d", rec.Code, p.Status)
			}
			if want := html.EscapeString(r.T("de", p.Page)); !strings.Contains(body, want) {
				t.Errorf("the page lacks %q:\n%s", want, body)
			}
			for _, en := range []string{english, "English words", "must be a year", r.T("en", p.Page)} {
				if strings.Contains(body, html.EscapeString(en)) {
					t.Errorf("the German page says %q", en)
				}
			}
			fieldsShown := strings.Contains(body, r.T("de", "error.field.year")) && strings.Contains(body, r.T("de", "error.field.invalid"))
			if fieldsShown != (p.Status < 500) {
				t.Errorf("field messages shown: %v, status %d", fieldsShown, p.Status)
			}
		})
	}
}

// TestRefusalsOnPagesInGerman: where a page shows a refusal beside the
// object (a treasurer's action, a grant's action), the status is the
// kind's and the message the kind's (or its code's) in German; the API's
// English detail of the same refusal is not on the page.
func TestRefusalsOnPagesInGerman(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := newTestServer(t, d, Config{})
		group := ts.mustUser("verein@example.org", auth.Applicant)
		var m []string
		for _, e := range []string{"m0@example.org", "m1@example.org", "m2@example.org"} {
			m = append(m, ts.mustUser(e, auth.Committee))
		}
		k1 := ts.mustUser("k1@example.org", auth.Treasurer)
		texts, err := web.New()
		if err != nil {
			t.Fatal(err)
		}
		kasse := &auth.User{ID: "x", Roles: []auth.Role{auth.Treasurer}}
		if _, err := ts.ledger.PostManual(context.Background(), kasse, ledger.ManualEntry{Memo: "donations", Postings: []ledger.ManualPosting{
			{Account: ledger.Bank, Amount: fundus.Amount("800.00")}, {Account: ledger.Donations, Amount: fundus.Amount("-800.00")}}}); err != nil {
			t.Fatal(err)
		}
		login := func(email string) *browserless { return ts.signedIn(email, "de-DE,de;q=0.9") }
		// post sends a form from the page at from and checks the answer.
		post := func(b *browserless, from, to string, form url.Values, kind errs.Kind, message, apiDetail string) {
			t.Helper()
			page := b.do("GET", from, nil)
			form.Set("csrf_token", b.csrf(page.Body.String()))
			r := b.do("POST", to, form)
			body := r.Body.String()
			if want := problems[kind].Status; r.Code != want {
				t.Errorf("POST %s: status %d, want %d", to, r.Code, want)
			}
			if want := html.EscapeString(texts.T("de", message)); !strings.Contains(body, want) {
				t.Errorf("POST %s: the page lacks %q:\n%s", to, want, body)
			}
			if apiDetail == "" || strings.Contains(body, html.EscapeString(apiDetail)) {
				t.Errorf("POST %s: the page says the API's detail %q", to, apiDetail)
			}
		}
		detail := func(r *response) string { return r.body["detail"].(string) }

		t.Run("a treasurer confirms a donation twice", func(t *testing.T) {
			id := ts.json("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).wantStatus(t, 201).body["id"].(string)
			ts.json("POST", "/api/v1/donations/"+id+"/confirm", k1, "").wantStatus(t, 200)
			api := ts.json("POST", "/api/v1/donations/"+id+"/confirm", k1, "").wantProblem(t, 409, "invalid-state")
			b := login("k1@example.org")
			post(b, "/treasurer/donations/"+id+"/confirm", "/treasurer/donations/"+id+"/confirm", url.Values{},
				errs.InvalidState, "problem.invalid_state", detail(api))
		})

		t.Run("a treasurer searches a reference with a typo", func(t *testing.T) {
			ref := ts.json("POST", "/api/v1/donations", "", `{"amount":"25.00"}`).wantStatus(t, 201).body["reference"].(string)
			typo := ref[:len(ref)-1] + "3"
			if typo == ref {
				typo = ref[:len(ref)-1] + "4"
			}
			_, err := donations.ParseReference(typo)
			r := login("k1@example.org").do("GET", "/treasurer/donations?q="+url.QueryEscape(typo), nil)
			if want := html.EscapeString(texts.T("de", "error.field.reference_check")); r.Code != 200 || !strings.Contains(r.Body.String(), want) ||
				strings.Contains(r.Body.String(), html.EscapeString(errs.FieldsOf(err)[0].Message)) {
				t.Fatalf("%d, want %q beside the search:\n%s", r.Code, want, r.Body.String())
			}
		})

		id := ts.json("POST", "/api/v1/applications", group, applicationBody).wantStatus(t, 201).body["id"].(string)
		A := "/api/v1/applications/" + id
		ts.json("POST", A+"/submit", group, "").wantStatus(t, 200)

		t.Run("a group submits twice", func(t *testing.T) {
			api := ts.json("POST", A+"/submit", group, "").wantProblem(t, 409, "invalid-state")
			post(login("verein@example.org"), "/grants/"+id, "/grants/"+id+"/submit", url.Values{},
				errs.InvalidState, "problem.invalid_state", detail(api))
		})

		ts.json("POST", A+"/reviews", m[0], `{"score":4}`).wantStatus(t, 201)
		for _, who := range m {
			ts.json("POST", A+"/votes", who, `{"vote":"approve"}`).wantStatus(t, 201)
		}

		t.Run("a committee member approves more than is available", func(t *testing.T) {
			big := ts.json("POST", "/api/v1/applications", group, strings.Replace(applicationBody, `"title":"Sprachcafé"`, `"title":"Groß"`, 1)).wantStatus(t, 201).body["id"].(string)
			B := "/api/v1/applications/" + big
			ts.json("POST", B+"/submit", group, "").wantStatus(t, 200)
			ts.json("POST", B+"/reviews", m[0], `{"score":4}`).wantStatus(t, 201)
			for _, who := range m {
				ts.json("POST", B+"/votes", who, `{"vote":"approve"}`).wantStatus(t, 201)
			}
			// Most of the money goes to the first application.
			ts.json("POST", A+"/decision", m[0], `{"decision":"approved"}`).wantStatus(t, 200)
			api := ts.json("POST", B+"/decision", m[0], `{"decision":"approved"}`).wantProblem(t, 409, "insufficient-funds")
			post(login("m0@example.org"), "/grants/"+big, "/grants/"+big+"/decide", url.Values{"decision": {"approved"}},
				errs.InsufficientFunds, "problem.insufficient_funds", detail(api))
		})

		t.Run("the maker of an instalment releases it", func(t *testing.T) {
			dis := ts.json("POST", A+"/disbursements", k1, `{"amount":"100.00"}`).wantStatus(t, 201).body["id"].(string)
			api := ts.json("POST", "/api/v1/disbursements/"+dis+"/release", k1, "").wantProblem(t, 403, "forbidden")
			post(login("k1@example.org"), "/grants/"+id, "/payouts/"+dis+"/release", url.Values{"application_id": {id}},
				errs.Forbidden, "problem.code."+string(grants.FourEyesMaker), detail(api))
		})
	})
}
