package ui_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/mail"
)

// TestAccountsInTheBrowser walks an admin's and a user's account work in
// Chromium, on a phone in German and on a desktop in English: the user
// list with a filter, a role change and a deactivation through their
// confirmation pages, the second admin confirming the grant, a forgotten
// password reset through the mailed link, and the account page.
func TestAccountsInTheBrowser(t *testing.T) {
	for _, c := range []struct {
		lang          string
		width, height int
	}{{"de", 375, 900}, {"en", 1280, 900}} {
		t.Run(fmt.Sprint(c.lang, c.width), func(t *testing.T) {
			d := dbtest.Open(t, db.SQLite)
			ts := testserver.New(t, d, server.Config{})
			srv := httptest.NewServer(ts.H)
			defer srv.Close()
			ts.MustUser("ada@example.org", auth.Admin)
			ts.MustUser("bob@example.org", auth.Admin)
			ts.MustUser("karla.kasse@example.org", auth.Treasurer)
			ts.MustUser("pruefung@example.org", auth.Auditor)
			ts.MustUser("gruppe@example.org", auth.Applicant)

			ctx := browser(t, c.width, c.height)
			p := tab{t, ctx}
			shot := func(name string) { screenshot(t, ctx, fmt.Sprintf("accounts-%s-%d-%s", c.lang, c.width, name)) }
			submit := func(sel string) {
				t.Helper()
				get(p, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
				p.do(chromedp.Click(sel), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`main`))
			}
			login := func(email, password string) {
				p.do(chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(`#email`),
					chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, password))
				submit(`main form button[type=submit]`)
			}
			logout := func() { submit(`header form button`) }
			p.do(chromedp.Navigate(srv.URL + "/lang?to=" + c.lang + "&back=/login"))

			login("ada@example.org", testserver.Password)
			p.do(chromedp.Navigate(srv.URL+"/admin/users"), chromedp.WaitVisible(`#q`))
			shot("users")
			p.do(chromedp.SendKeys(`#q`, "kasse"))
			submit(`form[role=search] button`)
			if body := p.text(`main`); !strings.Contains(body, "karla.kasse@example.org") || strings.Contains(body, "gruppe@example.org") {
				t.Fatalf("search for kasse:\n%s", body)
			}
			submit(`main td a`)
			shot("user")
			// Karla also audits: a privileged role, so a grant waits.
			p.do(chromedp.Click(`input[name=roles][value=auditor]`))
			submit(`form[aria-labelledby=roles-h] button`)
			shot("roles-confirm")
			submit(`main form button[type=submit]`)
			if !strings.Contains(p.text(`.notice`), map[string]string{"de": "zweite", "en": "second admin"}[c.lang]) {
				t.Fatalf("after asking: %s", p.text(`main`))
			}
			logout()

			login("bob@example.org", testserver.Password)
			p.do(chromedp.Navigate(srv.URL+"/admin/role-grants"), chromedp.WaitVisible(`main table`))
			shot("grants")
			submit(`td.actions a`)
			shot("grant-confirm")
			submit(`main form button[type=submit]`)
			if !strings.Contains(p.text(`main`), map[string]string{"de": "Keine Rollenvergabe wartet", "en": "No role grant is waiting"}[c.lang]) {
				t.Fatalf("after confirming: %s", p.text(`main`))
			}
			// Deactivate the auditor.
			p.do(chromedp.Navigate(srv.URL+"/admin/users?role=auditor"), chromedp.WaitVisible(`main table`))
			submit(`main td a[href*="/admin/users/"]`)
			submit(`a[href$="/deactivate"]`)
			shot("deactivate-confirm")
			submit(`main form button[type=submit]`)
			shot("deactivated")
			logout()

			// The group forgot its password.
			p.do(chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(`#email`))
			submit(`a[href="/password-reset"]`)
			p.do(chromedp.SendKeys(`#email`, "gruppe@example.org"))
			submit(`main form button[type=submit]`)
			shot("reset-sent")
			var path string
			for _, m := range ts.Mails.Sent() {
				if m.To == "gruppe@example.org" && m.Kind == mail.PasswordReset {
					path = m.Data["Path"].(string)
				}
			}
			p.do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(`#password`),
				chromedp.SendKeys(`#password`, newPassword), chromedp.SendKeys(`#password_again`, newPassword))
			shot("reset-new")
			submit(`main form button[type=submit]`)
			shot("reset-done")
			login("gruppe@example.org", newPassword)
			p.do(chromedp.Navigate(srv.URL+"/account"), chromedp.WaitVisible(`#current_password`))
			shot("account")
		})
	}
}
