package ui_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestAcceptanceInTheBrowser: at desktop and phone width, the admin opens
// the council's list, strikes one donation, declines one and accepts one,
// is told first that the session's date must not lie in the future,
// checks the summary and records it; the list then holds the struck one
// alone, and the message says what was recorded. The print view has the
// annex's heading and no menu when printed. No page scrolls sideways.
// Screenshots go to FUNDUS_SCREENSHOTS.
func TestAcceptanceInTheBrowser(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int64
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			d := dbtest.Open(t, db.SQLite)
			ts := testserver.New(t, d, server.Config{})
			ts.SetBands(acceptanceBands)
			srv := httptest.NewServer(ts.H)
			defer srv.Close()
			kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
			ts.MustUser("admin@example.org", auth.Admin)
			_, k1Ref := gift(t, ts, kasse, "2500.00", "Stadtwerke Osnabrück AG", false)
			k2, _ := gift(t, ts, kasse, "3000.00", "Max Verborgen", true)
			k3, _ := gift(t, ts, kasse, "12500.50", "Hans Huber-Schulze-Wellinghausen", false)
			gift(t, ts, kasse, "150.00", "Erika Mustermann", false) // the committee's
			ctx := browser(t, 1280, 900)
			p := tab{t, ctx}
			p.do(chromedp.EmulateViewport(size.width, size.height)) // a window may not be as narrow as a phone
			shot := func(name string) {
				t.Helper()
				if w := get(p, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > size.width {
					t.Errorf("%s: the page is %d px wide in a %d px window", name, w, size.width)
				}
				screenshot(t, ctx, "acceptance-"+size.name+"-"+name)
			}
			submit := func(sel string) {
				t.Helper()
				get(p, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
				p.do(chromedp.Click(sel), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`main`))
			}

			p.do(chromedp.Navigate(srv.URL+"/lang?to=de&back=/login"), chromedp.WaitVisible(`#email`),
				chromedp.SendKeys(`#email`, "admin@example.org"), chromedp.SendKeys(`#password`, testserver.Password))
			submit(`main form button[type=submit]`)
			// From the menu to the committee's list, then the council's tab.
			submit(`header a[href="/admin/acceptance"]`)
			if h := p.text(`#list-heading`); h != "Liste für die nächste Sitzung des Verwaltungsausschusses" {
				t.Fatalf("the menu leads to %q", h)
			}
			submit(`#tab-council`)
			if s := p.text(`#list-summary`); s != "3 Spenden, zusammen 18.000,50\u00a0€" {
				t.Fatalf("council list summary %q", s)
			}
			shot("list")

			// k1 not dealt with, k2 declined, k3 accepted (the default); a
			// session in the future first.
			p.do(chromedp.Click(`#row-`+k1Ref+` input[value=strike]`), chromedp.Click(`#choice-`+k2+`-decline`),
				chromedp.SendKeys(`#session_ref`, "Rat 12/2026, TOP 7"),
				chromedp.SetAttributeValue(`#session_date`, "max", "2999-12-31"), chromedp.SetValue(`#session_date`, "2999-01-01"))
			submit(`#acceptance-next`)
			p.do(chromedp.WaitVisible(`#session_date-error`))
			if focused := get(p, chromedp.Evaluate[string](`document.activeElement.id`)); focused != "error-summary" {
				t.Errorf("the error summary does not have the focus (%q has)", focused)
			}
			if checked := get(p, chromedp.Evaluate[bool](`document.getElementById('choice-`+k2+`-decline').checked && document.getElementById('choice-`+k3+`-accept').checked`)); !checked {
				t.Fatal("the choices were lost with the error")
			}
			shot("error")
			p.do(chromedp.SetValue(`#session_date`, fundus.DayOf(time.Now())))
			submit(`#acceptance-next`)
			p.do(chromedp.WaitVisible(`#confirm-acceptance`))
			if a, dcl, s := p.text(`#confirm-accepted`), p.text(`#confirm-declined`), p.text(`#confirm-struck`); a != "Angenommen: 1 Spende, zusammen 12.500,50\u00a0€" ||
				dcl != "Abgelehnt: 1 Spende, zusammen 3.000,00\u00a0€" || s != "Nicht behandelt: 1 Spende" {
				t.Fatalf("the summary: %q / %q / %q", a, dcl, s)
			}
			shot("confirm")
			submit(`#confirm-acceptance`)
			p.do(chromedp.WaitVisible(`#acceptance-done`))
			done := p.text(`#acceptance-done`)
			if !strings.Contains(done, "Angenommen: 1 Spende (12.500,50\u00a0€).") || !strings.Contains(done, "Abgelehnt: 1 Spende (3.000,00\u00a0€) – die Rückzahlung ist vorgemerkt") ||
				p.text(`#list-summary`) != "1 Spende, zusammen 2.500,00\u00a0€" {
				t.Fatalf("after recording: %q, list %q", done, p.text(`#list-summary`))
			}
			if n := get(p, chromedp.Evaluate[int](`document.querySelectorAll('#row-`+k1Ref+`').length`)); n != 1 {
				t.Fatal("the struck donation is not on the list any more")
			}
			shot("recorded")

			// The print view: the annex's heading; printed, no menu.
			p.do(chromedp.Click(`#print-link`), chromedp.WaitVisible(`#annex-heading`))
			if h := p.text(`#annex-heading`); h != "Anlage (nichtöffentlich): Annahme von Zuwendungen – Rat – "+time.Now().In(fundus.Berlin).Format("02.01.2006") {
				t.Fatalf("print heading %q", h)
			}
			shot("print")
			p.do(emulateMedia("print"))
			if shown := get(p, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('header.top')).display !== 'none' || getComputedStyle(document.querySelector('.noprint')).display !== 'none'`)); shown {
				t.Error("the print view prints the menu or its buttons")
			}
			screenshot(t, ctx, "acceptance-"+size.name+"-printed")
			p.do(emulateMedia(""))

			// The yearly report, from the admin's menu: every column fits
			// a desktop's page without scrolling the table.
			p.do(chromedp.Navigate(srv.URL+"/admin/acceptance"), chromedp.WaitVisible(`#list-heading`))
			submit(`.subnav a[href="/admin/acceptance/report"]`)
			p.do(chromedp.WaitVisible(`#acceptance-report`))
			if row := p.text(`#report-` + k1Ref); !strings.Contains(row, "offen") || !strings.Contains(row, "Stadtwerke Osnabrück AG") {
				t.Errorf("the report's row of the struck donation: %q", row)
			}
			if size.name == "desktop" {
				if over := get(p, chromedp.Evaluate[bool](`(() => { const w = document.querySelector('#acceptance-report').parentElement; return w.scrollWidth > w.clientWidth })()`)); over {
					t.Error("the report's table scrolls sideways on a desktop")
				}
			}
			shot("report")
		})
	}
}

// emulateMedia makes the page's CSS see media ("print"; "" for the
// screen again).
func emulateMedia(media string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	})
}
