package ui_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/web"
)

// TestPublicPagesInTheBrowser walks the pages of issue 15 items 6 to 8 in
// Chromium, in German and English, at 1280 and 375 px: the fund page, the
// apply page, the trust pages, a donation to its thank-you page, and the
// group's application form, report (with a receipt uploaded) and
// withdrawal step. No page scrolls sideways at phone width. With
// FUNDUS_SCREENSHOTS set, every page is saved ("public-<width>-<lang>-<page>").
func TestPublicPagesInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := publicServer(t, d, server.Config{Site: web.Site{FundName: "Integrationsfonds Osnabrück", ColorPrimary: "#1d5c3a", Operator: operator}})
	paid := paidApplication(t, ts)
	group := ts.SignIn("verein@example.org")
	submitted := ts.JSON("POST", "/api/v1/applications", group, testserver.ApplicationBody).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/applications/"+submitted+"/submit", group, "").WantStatus(t, 200)
	ts.MustUser("zweite@example.org", auth.Applicant)
	srv := httptest.NewServer(ts.H)
	defer srv.Close()
	receipt := filepath.Join(t.TempDir(), "kassenbon.png")
	if err := os.WriteFile(receipt, pngFile(t), 0o644); err != nil {
		t.Fatal(err)
	}

	disguised := filepath.Join(t.TempDir(), "rechnung.png")
	if err := os.WriteFile(disguised, pdfFile, 0o644); err != nil {
		t.Fatal(err)
	}
	reported := false
	for _, width := range []int{1280, 375} {
		ctx := browser(t, width, 900)
		p := tab{t, ctx}
		p.do(chromedp.EmulateViewport(int64(width), 900)) // a window is never narrower than 500 px
		for _, lang := range []string{"en", "de"} {
			shot := func(name string) {
				t.Helper()
				if w := get(p, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > width || get(p, chromedp.Evaluate[int](`window.innerWidth`)) != width {
					t.Errorf("%d %s %s scrolls sideways: %d px wide", width, lang, name, w)
				}
				screenshot(t, ctx, fmt.Sprintf("public-%d-%s-%s", width, lang, name))
			}
			visit := func(path, wait, name string) {
				t.Helper()
				p.do(chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(wait))
				shot(name)
			}
			p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/"), chromedp.WaitVisible(`#total-received`))
			shot("fund")
			visit("/apply", `#max-grant`, "apply")
			visit("/impressum", `.legal`, "impressum")
			visit("/datenschutz", `.legal`, "privacy")
			visit("/kontakt", `#operator-email`, "contact")
			p.do(chromedp.Navigate(srv.URL+"/donate"), chromedp.WaitVisible(`#amount_other`),
				chromedp.SendKeys(`#amount_other`, "350"), chromedp.Click(`input[name=anonymous]`),
				chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`#anonymous-info`))
			shot("thanks")
			// The language switch on the thank-you page keeps the reference.
			ref := p.text(`#reference`)
			other := map[string]string{"de": "English", "en": "Deutsch"}[lang]
			p.do(chromedp.Click(`.langs a`), chromedp.WaitVisible(`.langs strong`))
			if now := p.text(`#reference`); now != ref || p.text(`.langs strong`) != other {
				t.Fatalf("after switching to %s the thank-you page shows %q, want %q", other, now, ref)
			}
			p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/login"), chromedp.WaitVisible(`#email`),
				chromedp.SendKeys(`#email`, "verein@example.org"), chromedp.SendKeys(`#password`, testserver.Password),
				chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`))
			visit("/apply", `a[href="/apply/new"]`, "apply-signed-in")
			visit("/apply/new", `#requested-hint`, "application-form")
			visit("/grants/"+submitted+"/withdraw", `#confirm-withdraw`, "withdraw-confirm")
			visit("/grants/"+paid, `#grant-status`, "grant")
			if !reported {
				// A PDF named .png is refused beside the field, and what was typed stays.
				p.do(chromedp.SendKeys(`#spent`, "420.50"), chromedp.SendKeys(`#report`, "Twenty evenings, 300 guests."),
					chromedp.SetUploadFiles(`#receipts-input`, []string{disguised}))
				get(p, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
				p.do(chromedp.Click(`#send-report`), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`#receipts-error`))
				if msg := p.text(`#receipts-error`); !strings.Contains(msg, "rechnung.png") || get(p, chromedp.Value(`#spent`)) != "420.50" {
					t.Fatalf("a disguised receipt: %q", msg)
				}
				shot("report-refused")
				p.do(chromedp.SetUploadFiles(`#receipts-input`, []string{receipt}))
				get(p, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
				p.do(chromedp.Click(`#send-report`), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`#owed`))
				if !strings.Contains(p.text(`#receipts`), "kassenbon.png") || !strings.Contains(p.text(`#payback-reference`), "FONDS-R-") {
					t.Fatalf("after the report: receipts %q", p.text(`#receipts`))
				}
				reported = true
				shot("reported")
			}
			p.do(chromedp.Click(`header form button`), chromedp.WaitVisible(`a[href="/login"]`))
		}
	}
}
