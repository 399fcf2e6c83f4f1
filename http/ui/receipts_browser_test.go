package ui_test

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestReceiptsInTheBrowser shows the receipts page (a single, a collective
// and a cancelled receipt), a donation's receipt step and the cancel step
// in Chromium, in German and English, at phone (375 px) and desktop
// (1280 px) width: nothing scrolls sideways, no key shows untranslated.
// Screenshots go to FUNDUS_SCREENSHOTS.
func TestReceiptsInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
	year := strconv.Itoa(time.Now().In(fundus.Berlin).Year())
	erika := `{"name":"Erika Mustermann-Lüdenscheidt","email":"erika@example.org","street":"Große Hamkenstraße 112a","postal_code":"49074","city":"Osnabrück"}`
	max := `{"name":"Max Muster","email":"max@example.org","street":"Domhof 2","postal_code":"49074","city":"Osnabrück"}`
	single := ts.ReceivedDonation(kasse, erika, "1250.00", "accepted")
	cancelled := ts.ReceivedDonation(kasse, erika, "75.00", "accepted")
	ts.ReceivedDonation(kasse, max, "40.00", "accepted")
	ts.ReceivedDonation(kasse, max, "60.50", "accepted")
	pending := ts.ReceivedDonation(kasse, erika, "3000.00", "pending")
	ts.JSON("POST", "/api/v1/donations/"+single+"/receipt", kasse, "").WantStatus(t, 201)
	c := ts.JSON("POST", "/api/v1/donations/"+cancelled+"/receipt", kasse, "").WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/receipts/"+c+"/cancel", kasse, `{"reason":"Betrag falsch erfasst"}`).WantStatus(t, 200)
	ts.JSON("POST", "/api/v1/receipts/annual", kasse, `{"year":`+year+`}`).WantStatus(t, 201)
	first := ts.JSON("GET", "/api/v1/receipts?donation_id="+single, kasse, "").WantStatus(t, 200).JSON["items"].([]any)[0].(map[string]any)["id"].(string)

	srv := httptest.NewServer(ts.H)
	defer srv.Close()
	ctx := browser(t, 1280, 900)
	p := tab{t, ctx}
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"phone", 375, 900}, {"desktop", 1280, 900}} {
		p.do(chromedp.EmulateViewport(size.width, size.height))
		page := func(name, path, sel string) {
			t.Helper()
			p.do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(sel))
			if w := get(p, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); int64(w) > size.width {
				t.Errorf("%s %s: %d px wide, the screen %d", size.name, path, w, size.width)
			}
			if key := untranslated.FindString(get(p, chromedp.Evaluate[string](`document.body.innerText`))); key != "" {
				t.Errorf("%s %s shows the key %q", size.name, path, key)
			}
			if strings.Contains(get(p, chromedp.Evaluate[string](`document.body.innerText`)), "receipts.") {
				t.Errorf("%s %s shows a receipts key", size.name, path)
			}
			screenshot(t, ctx, "receipts-"+size.name+"-"+name)
		}
		for _, lang := range []string{"de", "en"} {
			p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/login"), chromedp.WaitVisible(`#email`),
				chromedp.SendKeys(`#email`, "kasse@example.org"), chromedp.SendKeys(`#password`, testserver.Password),
				chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`))
			page(lang+"-list", "/treasurer/receipts", "#receipt-ZB-"+year+"-00003")
			page(lang+"-step", "/treasurer/donations/"+single+"/receipt", "main h1")
			page(lang+"-step-refused", "/treasurer/donations/"+pending+"/receipt", "#receipt-refusal")
			page(lang+"-cancel", "/treasurer/receipts/"+first+"/cancel", "#reason")
			p.do(chromedp.Click(`form[action="/logout"] button`), chromedp.WaitVisible(`a[href="/login"]`))
		}
	}
}
