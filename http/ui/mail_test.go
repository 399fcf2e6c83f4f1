package ui_test

import (
	"net/http"
	"net/url"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// The donation form and the group's registration keep the page's language
// (the switcher's cookie wins over Accept-Language): the donor's and the
// group's mails are written in it.
func TestFormsKeepThePageLanguageForMail(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		b := ts.Browser(t, "de-DE")
		b.Do("GET", "/lang?to=en&back=/donate", nil)
		token := b.CSRF(b.Do("GET", "/donate", nil).Body.String())
		r := b.Do("POST", "/donate", url.Values{"csrf_token": {token}, "amount_preset": {"25"}, "name": {"Ada"}, "email": {"ada@example.org"},
			"idempotency_key": {"k-mail-1"}})
		if r.Code != http.StatusOK {
			t.Fatalf("donate: %d %s", r.Code, r.Body)
		}
		var lang, kind, subject string
		if err := d.QueryRowx(`SELECT d.lang, m.kind, m.subject FROM donations d, mail_outbox m WHERE m.to_address = d.donor_email`).Scan(&lang, &kind, &subject); err != nil {
			t.Fatal(err)
		}
		if lang != "en" || kind != "donation_pledged" || subject == "" {
			t.Fatalf("donation lang %q, mail %q %q", lang, kind, subject)
		}

		g := ts.Browser(t, "en")
		g.Do("GET", "/lang?to=de&back=/apply", nil)
		page := g.Do("GET", "/apply", nil).Body.String()
		r = g.Do("POST", "/apply/register", url.Values{"csrf_token": {g.CSRF(page)}, "email": {"verein@example.org"}, "name": {"Verein"},
			"password": {testserver.Password}, "password_confirm": {testserver.Password}})
		if r.Code >= 400 {
			t.Fatalf("register: %d %s", r.Code, r.Body)
		}
		if err := d.Get(&lang, `SELECT lang FROM users WHERE email = 'verein@example.org'`); err != nil || lang != "de" {
			t.Fatalf("the group's lang %q (%v), want de", lang, err)
		}
	})
}
