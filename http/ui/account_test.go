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
	"fundus/mail"
)

const newPassword = "another long enough password"

// lastToken is the token of the last mail of kind to addr.
func lastToken(t *testing.T, ts *testserver.Server, addr, kind string) string {
	t.Helper()
	mails := ts.Mails.Sent()
	for i := len(mails) - 1; i >= 0; i-- {
		if m := mails[i]; m.To == addr && m.Kind == kind {
			p := m.Data["Path"].(string)
			return p[strings.LastIndex(p, "/")+1:]
		}
	}
	t.Fatalf("no %s mail to %s", kind, addr)
	return ""
}

// post sends a form from page (whose csrf_token it takes) to path.
func post(b *testserver.Browserless, page, path string, form url.Values) (int, string) {
	b.T.Helper()
	form.Set("csrf_token", b.CSRF(b.Do("GET", page, nil).Body.String()))
	r := b.Do("POST", path, form)
	return r.Code, r.Body.String() + r.Header().Get("Location")
}

// TestPasswordResetPages: the forgot page answers alike for a known and an
// unknown address; the mailed link's page sets the password once, ends
// every session (this browser's and others'), and a used link says so.
func TestPasswordResetPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		api := ts.MustUser("ada@example.org", auth.Applicant)
		signedIn := ts.SignedIn("ada@example.org", "de")

		if r := ts.Browser(t, "en").Do("GET", "/login", nil); !strings.Contains(r.Body.String(), `href="/password-reset"`) {
			t.Fatal("the sign-in page does not link to the forgot page")
		}
		_, known := post(ts.Browser(t, "en"), "/password-reset", "/password-reset", url.Values{"email": {"ada@example.org"}})
		_, unknown := post(ts.Browser(t, "en"), "/password-reset", "/password-reset", url.Values{"email": {"nobody@example.org"}})
		if known != unknown || !strings.Contains(known, "If an account exists for this address") {
			t.Fatalf("the pages differ for a known and an unknown address:\n%s\n---\n%s", known, unknown)
		}
		token := lastToken(t, ts, "ada@example.org", mail.PasswordReset)

		b := ts.Browser(t, "en")
		page := b.Do("GET", "/password-reset/"+token, nil)
		if page.Code != http.StatusOK || page.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Fatalf("link page: %d %v", page.Code, page.Header())
		}
		form := url.Values{"password": {newPassword}, "password_again": {"something else entirely"}}
		if code, body := post(b, "/password-reset/"+token, "/password-reset/"+token, form); code != 422 || !strings.Contains(body, "The two passwords differ") {
			t.Fatalf("mismatch: %d", code)
		}
		form.Set("password_again", newPassword)
		if code, loc := post(b, "/password-reset/"+token, "/password-reset/"+token, form); code != http.StatusSeeOther || !strings.HasSuffix(loc, "/login?done=reset") {
			t.Fatalf("reset: %d %s", code, loc)
		}
		ts.JSON("GET", "/api/v1/me", api, "").WantProblem(t, 401, "unauthenticated")
		if r := signedIn.Do("GET", "/account", nil); r.Code != http.StatusSeeOther {
			t.Fatalf("a browser signed in before the reset still sees its account: %d", r.Code)
		}
		if r := b.Do("GET", "/password-reset/"+token, nil); r.Code != http.StatusNotFound || !strings.Contains(r.Body.String(), "no longer works") {
			t.Fatalf("used link: %d", r.Code)
		}
		ts.JSON("POST", "/api/v1/sessions", "", `{"email":"ada@example.org","password":"`+newPassword+`"}`).WantStatus(t, http.StatusCreated)
	})
}

// TestAccountPage: changing the password keeps this browser signed in and
// ends the others; a wrong current password is named beside its field;
// signing out everywhere ends this browser's session too.
func TestAccountPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		other := ts.MustUser("ada@example.org", auth.Applicant)
		b := ts.SignedIn("ada@example.org", "en")
		if r := ts.Browser(t, "en").Do("GET", "/account", nil); r.Code != http.StatusSeeOther {
			t.Fatalf("account page anonymous: %d", r.Code)
		}
		wrong := url.Values{"current_password": {"not the password"}, "new_password": {newPassword}, "new_password_again": {newPassword}}
		if code, body := post(b, "/account", "/account/password", wrong); code != 422 || !strings.Contains(body, "This is not your current password") {
			t.Fatalf("wrong current password: %d", code)
		}
		ok := url.Values{"current_password": {testserver.Password}, "new_password": {newPassword}, "new_password_again": {newPassword}}
		if code, loc := post(b, "/account", "/account/password", ok); code != http.StatusSeeOther || !strings.HasSuffix(loc, "/account?done=password") {
			t.Fatalf("change: %d %s", code, loc)
		}
		if r := b.Do("GET", "/account?done=password", nil); r.Code != http.StatusOK || !strings.Contains(r.Body.String(), "Your password is changed") {
			t.Fatalf("after the change this browser is signed out: %d", r.Code)
		}
		ts.JSON("GET", "/api/v1/me", other, "").WantProblem(t, 401, "unauthenticated")

		if code, loc := post(b, "/account", "/account/sign-out-everywhere", url.Values{}); code != http.StatusSeeOther || !strings.HasSuffix(loc, "/login?done=everywhere") {
			t.Fatalf("sign out everywhere: %d %s", code, loc)
		}
		if r := b.Do("GET", "/account", nil); r.Code != http.StatusSeeOther {
			t.Fatalf("after signing out everywhere: %d", r.Code)
		}
	})
}

// TestAdminPages: only admins see them; a role change and a deactivation
// each pass a confirmation page; the last admin is refused with words that
// say why; a pending grant is confirmed by the other admin only.
func TestAdminPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		adaAPI := ts.MustUser("ada@example.org", auth.Admin)
		ts.MustUser("bob@example.org", auth.Admin)
		for _, r := range []auth.Role{auth.Treasurer, auth.Committee, auth.Auditor, auth.Applicant} {
			ts.MustUser(string(r)+"@example.org", r)
		}
		id := func(email string) string {
			r := ts.JSON("GET", "/api/v1/users?q="+url.QueryEscape(email), adaAPI, "").WantStatus(t, 200)
			return r.JSON["items"].([]any)[0].(map[string]any)["id"].(string)
		}
		auditor, ada := id("auditor@example.org"), id("ada@example.org")

		for _, r := range []auth.Role{auth.Treasurer, auth.Committee, auth.Auditor, auth.Applicant} {
			b := ts.SignedIn(string(r)+"@example.org", "en")
			for _, path := range []string{"/admin/users", "/admin/users/" + auditor, "/admin/users/" + auditor + "/deactivate", "/admin/role-grants"} {
				if code := b.Do("GET", path, nil).Code; code != http.StatusForbidden {
					t.Errorf("%s GET %s: %d, want 403", r, path, code)
				}
			}
			form := url.Values{"csrf_token": {b.CSRF(b.Do("GET", "/account", nil).Body.String())}}
			if code := b.Do("POST", "/admin/users/"+auditor+"/deactivate", form).Code; code != http.StatusForbidden {
				t.Errorf("%s POST deactivate: %d, want 403", r, code)
			}
		}
		if code := ts.Browser(t, "en").Do("GET", "/admin/users", nil).Code; code != http.StatusSeeOther {
			t.Errorf("anonymous: %d, want a redirect to sign in", code)
		}

		a := ts.SignedIn("ada@example.org", "de")
		list := a.Do("GET", "/admin/users?role=auditor&q=AUDIT", nil).Body.String()
		if !strings.Contains(list, "auditor@example.org") || strings.Contains(list, "treasurer@example.org") {
			t.Fatalf("filtered list:\n%s", list)
		}
		// Deactivating: a confirmation page, then the change.
		page := a.Do("GET", "/admin/users/"+auditor+"/deactivate", nil)
		if page.Code != 200 || !strings.Contains(page.Body.String(), `action="/admin/users/`+auditor+`/deactivate"`) {
			t.Fatalf("confirmation page: %d", page.Code)
		}
		if r := a.Do("POST", "/admin/users/"+auditor+"/deactivate", url.Values{"csrf_token": {"forged"}}); r.Code != http.StatusForbidden {
			t.Fatalf("forged CSRF token: %d", r.Code)
		}
		if code, loc := post(a, "/admin/users/"+auditor+"/deactivate", "/admin/users/"+auditor+"/deactivate", url.Values{}); code != http.StatusSeeOther || !strings.Contains(loc, "done=deactivate") {
			t.Fatalf("deactivate: %d %s", code, loc)
		}
		ts.JSON("POST", "/api/v1/sessions", "", `{"email":"auditor@example.org","password":"`+testserver.Password+`"}`).WantProblem(t, 401, "unauthenticated")

		// Activating it again would give its role back: the page says it waits.
		if body := a.Do("GET", "/admin/users/"+auditor+"/activate", nil).Body.String(); !strings.Contains(body, "gelten erst wieder, wenn eine zweite Verwaltungsperson") {
			t.Fatal("the activation page does not say the roles wait for a second admin")
		}

		// A privileged role waits for the other admin.
		page = a.Do("GET", "/admin/users/"+auditor+"/roles?roles=auditor&roles=committee", nil)
		if !strings.Contains(page.Body.String(), "zweite Verwaltungsperson") {
			t.Fatal("the confirmation page does not say a second admin confirms")
		}
		if code, _ := post(a, "/admin/users/"+auditor+"/roles?roles=auditor&roles=committee", "/admin/users/"+auditor+"/roles", url.Values{"roles": {"auditor", "committee"}}); code != http.StatusSeeOther {
			t.Fatalf("roles: %d", code)
		}
		grants := ts.JSON("GET", "/api/v1/role-grants?status=pending", adaAPI, "").JSON["items"].([]any)
		if len(grants) != 1 {
			t.Fatalf("grants %v", grants)
		}
		grant := grants[0].(map[string]any)["id"].(string)
		if body := a.Do("GET", "/admin/role-grants", nil).Body.String(); strings.Contains(body, "/admin/role-grants/"+grant+"/confirm") {
			t.Fatal("the admin who asked is offered to confirm")
		}
		if code, body := post(a, "/admin/role-grants/"+grant+"/confirm", "/admin/role-grants/"+grant+"/confirm", url.Values{}); code != 403 || !strings.Contains(body, "selbst erbeten") {
			t.Fatalf("confirm by the asker: %d", code)
		}
		bob := ts.SignedIn("bob@example.org", "en")
		if code, loc := post(bob, "/admin/role-grants/"+grant+"/confirm", "/admin/role-grants/"+grant+"/confirm", url.Values{}); code != http.StatusSeeOther || !strings.Contains(loc, "done=confirm") {
			t.Fatalf("confirm by bob: %d %s", code, loc)
		}

		// The last admin.
		bobID := id("bob@example.org")
		if code, _ := post(a, "/admin/users/"+bobID+"/deactivate", "/admin/users/"+bobID+"/deactivate", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("deactivate bob: %d", code)
		}
		if code, body := post(a, "/admin/users/"+ada+"/deactivate", "/admin/users/"+ada+"/deactivate", url.Values{}); code != 409 || !strings.Contains(body, "letzte aktive Verwaltungsperson") {
			t.Fatalf("last admin: %d", code)
		}
		if code, _ := post(a, "/admin/users/"+ada+"/roles", "/admin/users/"+ada+"/roles", url.Values{"roles": {"auditor"}}); code != 409 {
			t.Fatalf("last admin loses the role: %d", code)
		}

		var actions []string
		d.Select(&actions, `SELECT action FROM audit_log WHERE object_id IN ($1, $2, $3) AND action <> 'session.create' ORDER BY seq`, auditor, grant, bobID)
		if strings.Join(actions, ",") != "user.create,user.create,user.update,role-grant.ask,role-grant.confirm,user.update" {
			t.Fatalf("audit trail: %v", actions)
		}
	})
}

// TestNewFormsNeedCSRF: every new form refuses a POST without its token
// and changes nothing.
func TestNewFormsNeedCSRF(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.MustUser("ada@example.org", auth.Admin)
		ts.MustUser("bob@example.org", auth.Applicant)
		b := ts.SignedIn("ada@example.org", "en")
		b.Do("GET", "/account", nil)
		before := ts.TableCounts()
		mails := len(ts.Mails.Sent())
		for _, path := range []string{
			"/password-reset", "/password-reset/sometoken", "/confirm-address/sometoken",
			"/account/password", "/account/sign-out-everywhere", "/account/confirm-address",
			"/admin/users/x/deactivate", "/admin/role-grants/x/confirm",
		} {
			r := b.Do("POST", path, url.Values{"email": {"bob@example.org"}, "current_password": {testserver.Password},
				"new_password": {newPassword}, "new_password_again": {newPassword}})
			if r.Code != http.StatusForbidden {
				t.Errorf("POST %s without a token: %d, want 403", path, r.Code)
			}
		}
		if after := ts.TableCounts(); after["sessions"] != before["sessions"] {
			t.Fatalf("a refused form changed %v to %v", before, after)
		}
		if len(ts.Mails.Sent()) != mails {
			t.Fatal("a refused form sent a mail")
		}
	})
}

// TestRegisterPageWithConfirmation: with addresses confirmed by mail, the
// register form shows the same page for a new and a known address and
// signs nobody in; the mailed link's page confirms with a button.
func TestRegisterPageWithConfirmation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.Auth.ConfirmAddresses = true
		ts.MustUser("known@example.org", auth.Applicant)
		register := func(email string) (int, string, bool) {
			b := ts.Browser(t, "en")
			code, body := post(b, "/apply", "/apply/register", url.Values{"name": {"Café Lingua"}, "email": {email}, "password": {testserver.Password}})
			return code, strings.ReplaceAll(body, email, "EMAIL"), b.Cookies["fundus_session"] != ""
		}
		c1, b1, in1 := register("new@example.org")
		c2, b2, in2 := register("known@example.org")
		if c1 != 200 || c1 != c2 || b1 != b2 || in1 || in2 {
			t.Fatalf("register pages differ or sign in: %d %d %v %v", c1, c2, in1, in2)
		}
		// An unconfirmed group does not sign in; a session from before
		// confirmation was required is asked to confirm.
		ts.Auth.ConfirmAddresses = false
		group := ts.SignedIn("new@example.org", "en")
		ts.Auth.ConfirmAddresses = true
		if body := group.Do("GET", "/apply", nil).Body.String(); !strings.Contains(body, "Please confirm your email address") {
			t.Fatal("the apply page does not ask an unconfirmed group to confirm")
		}
		token := lastToken(t, ts, "new@example.org", mail.ConfirmAddress)
		b := ts.Browser(t, "en")
		if r := b.Do("GET", "/confirm-address/"+token, nil); r.Code != 200 {
			t.Fatalf("confirm page: %d", r.Code)
		}
		var n int
		d.Get(&n, `SELECT count(*) FROM users WHERE email = 'new@example.org' AND address_confirmed_at IS NULL`)
		if n != 1 {
			t.Fatal("looking at the link confirmed the address")
		}
		if code, body := post(b, "/confirm-address/"+token, "/confirm-address/"+token, url.Values{}); code != 200 || !strings.Contains(body, "your email address is confirmed") {
			t.Fatalf("confirm: %d", code)
		}
		d.Get(&n, `SELECT count(*) FROM users WHERE email = 'new@example.org' AND address_confirmed_at IS NOT NULL`)
		if n != 1 {
			t.Fatal("not confirmed")
		}
		if body := group.Do("GET", "/apply", nil).Body.String(); strings.Contains(body, "Please confirm your email address") {
			t.Fatal("the apply page still asks a confirmed group to confirm")
		}
	})
}
