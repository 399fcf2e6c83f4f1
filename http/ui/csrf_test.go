package ui_test

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/http/ui"
)

// TestCSRFBoundToTheSession: a csrf cookie and token taken from another
// browser (another session, or this browser's own from before sign-in)
// fail with 403 and change nothing, also when the attacker plants its
// cookie in the victim's browser; a form from another site fails even with
// the right token.
func TestCSRFBoundToTheSession(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.MustUser("victim@example.org", auth.Treasurer)
		ts.MustUser("attacker@example.org", auth.Treasurer)
		id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"5.00"}`).WantStatus(t, 201).JSON["id"].(string)
		confirm := "/treasurer/donations/" + id + "/confirm"
		browser := func() *testserver.Browserless {
			return ts.Browser(t, "en")
		}
		signIn := func(b *testserver.Browserless, email string) (before string) {
			before = b.CSRF(b.Do("GET", "/login", nil).Body.String())
			r := b.Do("POST", "/login", url.Values{"csrf_token": {before}, "email": {email}, "password": {testserver.Password}})
			if r.Code != http.StatusSeeOther {
				t.Fatalf("sign-in %s: %d", email, r.Code)
			}
			return before
		}
		pledged := func(what string) {
			t.Helper()
			var status string
			if err := d.Get(&status, "SELECT status FROM donations WHERE id = $1", id); err != nil || status != "pledged" {
				t.Fatalf("%s: the donation is %s (%v)", what, status, err)
			}
		}

		victim := browser()
		beforeSignIn := signIn(victim, "victim@example.org")
		anonymousCookie := victim.Cookies[ui.CSRFCookie]
		own := victim.CSRF(victim.Do("GET", confirm, nil).Body.String())
		if own == beforeSignIn {
			t.Fatal("the token was not renewed at sign-in")
		}

		stranger := browser() // another browser, never signed in
		strangerToken := stranger.CSRF(stranger.Do("GET", "/login", nil).Body.String())
		attacker := browser() // another browser, another session
		signIn(attacker, "attacker@example.org")
		attackerToken := attacker.CSRF(attacker.Do("GET", confirm, nil).Body.String())

		attempts := []struct {
			name   string
			token  string
			cookie string // a csrf cookie planted in the victim's browser, if any
		}{
			{"the victim's own token from before sign-in", beforeSignIn, ""},
			{"the victim's own pair from before sign-in", beforeSignIn, anonymousCookie},
			{"another browser's anonymous token", strangerToken, ""},
			{"another browser's anonymous pair, planted", strangerToken, stranger.Cookies[ui.CSRFCookie]},
			{"another session's token", attackerToken, ""},
			{"another session's token and its csrf cookie, planted", attackerToken, attacker.Cookies[ui.CSRFCookie]},
			{"no token", "", ""},
		}
		for _, a := range attempts {
			b := &testserver.Browserless{T: t, H: ts.H, Cookies: maps.Clone(victim.Cookies), Lang: "en"}
			if a.cookie != "" {
				b.Cookies[ui.CSRFCookie] = a.cookie
			}
			r := b.Do("POST", confirm, url.Values{"csrf_token": {a.token}, "received_at": {"2026-01-02"}})
			if r.Code != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", a.name, r.Code)
			}
			pledged(a.name)
		}

		// A form from another site, even with the right token.
		req := httptest.NewRequest("POST", confirm, strings.NewReader(url.Values{"csrf_token": {own}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		for k, v := range victim.Cookies {
			req.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		rec := httptest.NewRecorder()
		ts.H.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Fatalf("cross-site: %d", rec.Code)
		}
		pledged("cross-site")

		// The victim's own token works, and dies with sign-out.
		if r := victim.Do("POST", confirm, url.Values{"csrf_token": {own}, "received_at": {"2026-01-02"}, "amount": {"5"}}); r.Code != http.StatusSeeOther {
			t.Fatalf("own token: %d %s", r.Code, r.Body)
		}
		victim.Do("POST", "/logout", url.Values{"csrf_token": {own}})
		if r := victim.Do("POST", "/login", url.Values{"csrf_token": {beforeSignIn}, "email": {"victim@example.org"}, "password": {testserver.Password}}); r.Code != http.StatusForbidden {
			t.Fatalf("a token from before sign-in, after sign-out: %d", r.Code)
		}
	})
}
