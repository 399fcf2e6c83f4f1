package ui_test

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
)

// untranslated is a translation key shown instead of its text.
var untranslated = regexp.MustCompile(`\b(treasurer|auditor|bank|status|grant|error|problem)\.[a-z_]+[a-z_.]*\b`)

// TestStaffPagesInTheBrowser walks the treasurer's and the auditor's pages
// in Chromium, in German and English, at phone (375 px) and desktop
// (1280 px) width: the second treasurer confirms what arrived with a
// German amount and finds the instalment to release, the first sees their
// own marked, the auditor reads entries, an entry, the trial balance, the
// export form, the verification and the audit trail. No page scrolls
// sideways on the phone. Screenshots go to FUNDUS_SCREENSHOTS.
func TestStaffPagesInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	s := newStaff(t, d)
	srv := httptest.NewServer(s.ts.H)
	defer srv.Close()
	ctx := browser(t, 1280, 900)
	p := tab{t, ctx}
	login := func(email, lang string) {
		p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/login"), chromedp.WaitVisible(`#email`),
			chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, testserver.Password),
			chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`))
	}
	logout := func() {
		p.do(chromedp.Click(`form[action="/logout"] button`), chromedp.WaitVisible(`a[href="/login"]`))
	}
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
			// The audit trail's actions (bank.line.book) are identifiers in
			// .mono, not texts: they are left out.
			text := get(p, chromedp.Evaluate[string](`(() => { const b = document.body.cloneNode(true); b.querySelectorAll('.mono').forEach(e => e.remove()); return b.innerText })()`))
			if key := untranslated.FindString(text); key != "" {
				t.Errorf("%s %s shows the key %q", size.name, path, key)
			}
			screenshot(t, ctx, size.name+"-"+name)
		}
		for _, lang := range []string{"de", "en"} {
			login("k2@example.org", lang)
			page(lang+"-donations", "/treasurer/donations", "#donation-"+s.reference)
			page(lang+"-instalments", "/treasurer/instalments", "#instalment-"+s.instalment+" a[href*='/release']")
			logout()
			login("k1@example.org", lang)
			page(lang+"-instalments-own", "/treasurer/instalments", "#instalment-"+s.instalment+" .blocked")
			page(lang+"-release-own", "/payouts/"+s.instalment+"/release?application="+s.appID, ".blocked-release")
			logout()
			login("pruefer@example.org", lang)
			page(lang+"-ledger", "/auditor/ledger", "a[href^='/auditor/ledger/entries/']")
			p.do(chromedp.Click(`a[href^='/auditor/ledger/entries/']`), chromedp.WaitVisible(`#postings`))
			screenshot(t, ctx, size.name+"-"+lang+"-entry")
			page(lang+"-trial-balance", "/auditor/ledger/trial-balance", "#trial-balance")
			page(lang+"-export", "/auditor/ledger/export", "#format-hledger")
			page(lang+"-verify", "/auditor/ledger/verify?run=1", "#verify-result")
			page(lang+"-audit", "/auditor/audit?limit=6", ".audit-person")
			logout()
		}
	}
	// The confirm step, once, in German on a phone: a German amount.
	p.do(chromedp.EmulateViewport(375, 900))
	login("k2@example.org", "de")
	p.do(chromedp.Navigate(srv.URL+"/treasurer/donations/"+s.pledgeID+"/confirm"), chromedp.WaitVisible(`#amount`))
	screenshot(t, ctx, "phone-de-confirm")
	p.do(chromedp.SendKeys(`#amount`, "1,250"), chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`#amount-error`))
	screenshot(t, ctx, "phone-de-confirm-error")
	p.do(chromedp.SetValue(`#amount`, "45,50"), chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`.notice`))
	if cell := p.text("#donation-" + s.reference); !strings.Contains(cell, "45,50") {
		t.Fatalf("after confirming 45,50 the row shows %q", cell)
	}
	screenshot(t, ctx, "phone-de-confirmed")
}
