package ui_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// browser starts headless Chromium for t, or skips loudly when there is
// none (and fails when FUNDUS_TEST_REQUIRE_BROWSER=1, as in CI).
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := os.Getenv("FUNDUS_CHROMIUM")
	if path == "" {
		for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if found, err := exec.LookPath(p); err == nil {
				path = found
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("FUNDUS_TEST_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium found, but FUNDUS_TEST_REQUIRE_BROWSER=1 requires the browser tests")
		}
		fmt.Fprintln(os.Stderr, "\n*** no Chromium found: browser tests are SKIPPED (apt-get install chromium) ***")
		t.Skip("browser tests SKIPPED: no Chromium (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// tab drives one browser tab for a test; every step fails the test on error.
type tab struct {
	t   *testing.T
	ctx context.Context
}

func (p tab) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

func (p tab) text(sel string) string {
	p.t.Helper()
	return get(p, chromedp.Text(sel))
}

func get[T any](p tab, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// screenshot saves the page when FUNDUS_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("FUNDUS_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDonationInTheBrowser gives in German and in English, sees a refused
// amount beside its field, and has the treasurer confirm a pledge, after
// which the fund page's total has risen.
func TestDonationInTheBrowser(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
	}{{"desktop", 1280, 900}, {"phone", 390, 844}} {
		t.Run(size.name, func(t *testing.T) {
			d := dbtest.Open(t, db.SQLite)
			ts := testserver.New(t, d, server.Config{})
			srv := httptest.NewServer(ts.H)
			defer srv.Close()
			ts.MustUser("kasse@example.org", auth.Treasurer)
			ctx := browser(t, size.width, size.height)
			p := tab{t, ctx}
			shot := func(name string) { screenshot(t, ctx, size.name+"-"+name) }

			// German: 25 euros, typed the German way.
			p.do(chromedp.Navigate(srv.URL+"/lang?to=de&back=/donate"), chromedp.WaitVisible(`#amount_other`))
			if title := p.text(`h1`); title != "Spenden" {
				t.Fatalf("German form title %q", title)
			}
			shot("de-form")
			p.do(
				chromedp.SendKeys(`#amount_other`, "25,00"),
				chromedp.SendKeys(`#name`, "Erika <b>Mustermann</b>"),
				chromedp.Click(`form button[type=submit].button`),
				chromedp.WaitVisible(`#reference`),
			)
			reference := p.text(`#reference`)
			qrWidth := get(p, chromedp.Poll[int](`document.getElementById('girocode').complete && document.getElementById('girocode').naturalWidth`))
			if title := p.text(`h1`); !strings.HasPrefix(reference, "FUND-") || qrWidth < 100 || title != "Vielen Dank!" {
				t.Fatalf("German thank-you page: reference %q, QR width %d, title %q", reference, qrWidth, title)
			}
			shot("de-donated")

			// English: a bad amount is refused beside its field, the rest kept.
			p.do(
				chromedp.Navigate(srv.URL+"/lang?to=en&back=/donate"),
				chromedp.WaitVisible(`#amount_other`),
				chromedp.SendKeys(`#amount_other`, "1.005"),
				chromedp.SendKeys(`#name`, "Jane Doe"),
				chromedp.Click(`form button[type=submit].button`),
				chromedp.WaitVisible(`#amount-error`),
			)
			if errText, kept := p.text(`#amount-error`), get(p, chromedp.Value(`#name`)); errText != "At most two decimal places." || kept != "Jane Doe" {
				t.Fatalf("English error %q, name kept %q", errText, kept)
			}
			shot("en-error")
			p.do(
				chromedp.SetValue(`#amount_other`, "12.50"),
				chromedp.Click(`form button[type=submit].button`),
				chromedp.WaitVisible(`#reference`),
			)
			if ref, title := p.text(`#reference`), p.text(`h1`); !strings.HasPrefix(ref, "FUND-") || title != "Thank you!" {
				t.Fatalf("English thank-you page: %q %q", ref, title)
			}
			shot("en-donated")

			// The treasurer confirms the German pledge; the fund page rises.
			p.do(
				chromedp.Navigate(srv.URL+"/login"),
				chromedp.WaitVisible(`#email`),
				chromedp.SendKeys(`#email`, "kasse@example.org"),
				chromedp.SendKeys(`#password`, testserver.Password),
				chromedp.Click(`form button[type=submit].button`),
				chromedp.WaitVisible(`#q`),
				chromedp.SendKeys(`#q`, strings.ToLower(reference)),
				chromedp.Click(`form.search button`),
				chromedp.WaitVisible(`#search-summary`), // the unfiltered list shows the row too
				chromedp.WaitVisible(`#donation-`+reference),
			)
			shot("en-treasurer")
			p.do(chromedp.Click(`#donation-`+reference+` a[href$="/confirm"]`), chromedp.WaitVisible(`#received_at`))
			shot("en-confirm")
			p.do(chromedp.SendKeys(`#amount`, "25.00"), chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`.notice`))
			flash := p.text(`.notice`)
			p.do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#total-received`))
			if received := p.text(`#total-received`); !strings.Contains(flash, reference) || received != "€25.00" {
				t.Fatalf("flash %q, fund page received %q, want €25.00", flash, received)
			}
			shot("en-fund")
			p.do(chromedp.Navigate(srv.URL+"/lang?to=de&back=/"), chromedp.WaitVisible(`#total-received`))
			if received := p.text(`#total-received`); received != "25,00\u00a0€" {
				t.Fatalf("German fund page received %q", received)
			}
			shot("de-fund")
		})
	}
}

// TestGrantInTheBrowser walks one application from registration to paid
// and reported: a group registers and applies (adding and removing budget
// rows), three committee members review and vote, one decides, two
// treasurers pay two instalments with four eyes, the group reports, and
// the fund page lists the project.
func TestGrantInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	srv := httptest.NewServer(ts.H)
	defer srv.Close()
	for i := 0; i < 3; i++ {
		ts.MustUser(fmt.Sprintf("m%d@example.org", i), auth.Committee)
	}
	k1 := ts.MustUser("k1@example.org", auth.Treasurer)
	ts.MustUser("k2@example.org", auth.Treasurer)
	ts.BankDonation(k1, "1000.00") // money enters the bank with its bank line
	ctx := browser(t, 1280, 900)
	p := tab{t, ctx}
	shot := func(name string) { screenshot(t, ctx, "grant-"+name) }
	login := func(email string) {
		p.do(chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(`#email`),
			chromedp.SendKeys(`#email`, email), chromedp.SendKeys(`#password`, testserver.Password),
			chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`))
	}
	logout := func() {
		p.do(chromedp.Click(`header form button`), chromedp.WaitVisible(`a[href="/login"]`))
	}
	status := func() string { return p.text(`#grant-status`) }
	// submit clicks a button that sends a form and waits for the new page
	// (the old one may hold the same elements).
	submit := func(sel string) {
		t.Helper()
		get(p, chromedp.Evaluate[bool](`document.body.insertAdjacentHTML('beforeend', '<i id="stale-page"></i>'), true`))
		p.do(chromedp.Click(sel), chromedp.WaitNotPresent(`#stale-page`), chromedp.WaitVisible(`main`))
	}

	// The group registers and applies.
	p.do(chromedp.Navigate(srv.URL+"/lang?to=en&back=/apply"), chromedp.WaitVisible(`#name`),
		chromedp.SendKeys(`#name`, "Amina Yilmaz"), chromedp.SendKeys(`#organisation`, "Café Lingua e.V."),
		chromedp.SendKeys(`#email`, "verein@example.org"), chromedp.SendKeys(`#password`, testserver.Password))
	submit(`form button[type=submit].button`)
	p.do(chromedp.WaitVisible(`a[href="/apply/new"]`))
	p.do(chromedp.Click(`a[href="/apply/new"]`), chromedp.WaitVisible(`#title`),
		chromedp.SendKeys(`#title`, "Language café Schinkel"), chromedp.SendKeys(`#summary`, "A weekly language café"),
		chromedp.SendKeys(`#description`, "Volunteers meet newcomers every Thursday."),
		chromedp.SetValue(`#starts_on`, "2027-01-01"), chromedp.SetValue(`#ends_on`, "2027-06-30"),
		chromedp.SendKeys(`#budget_item_0`, "Rent"), chromedp.SendKeys(`#budget_amount_0`, "300"),
		chromedp.Click(`#add-row`), chromedp.WaitVisible(`#budget_item_2`))
	p.do(chromedp.SendKeys(`#budget_item_1`, "Material"), chromedp.SendKeys(`#budget_amount_1`, "200"),
		chromedp.SendKeys(`#payee_iban`, "DE89 3704 0044 0532 0130 00"))
	shot("form")
	p.do(chromedp.Click(`.budget-row:nth-of-type(3) button[name=remove_row]`), chromedp.WaitNotPresent(`#budget_item_2`))
	if v := get(p, chromedp.Value(`#budget_item_1`)); v != "Material" {
		t.Fatalf("after removing a row, row 1 is %q", v)
	}
	p.do(chromedp.Click(`#save`), chromedp.WaitVisible(`#grant-status`))
	if st := status(); st != "draft" {
		t.Fatalf("status %q", st)
	}
	appURL := get(p, chromedp.Evaluate[string](`location.pathname`))
	// Without its recognition the draft cannot be submitted: the page says
	// why, and the group adds it.
	submit(`#submit-application`)
	if st, msg := status(), p.text(`#submit-recognition-kind-error`); st != "draft" || !strings.Contains(msg, "non-profit") {
		t.Fatalf("submitted without recognition: status %q, message %q", st, msg)
	}
	p.do(chromedp.Navigate(srv.URL+appURL+"/edit"), chromedp.WaitVisible(`#recognition_kind-nonprofit`),
		chromedp.Click(`#recognition_kind-nonprofit`), chromedp.SendKeys(`#recognition_authority`, "Finanzamt Osnabrück-Stadt"),
		chromedp.SendKeys(`#recognition_notice`, "Freistellungsbescheid, St.-Nr. 66/123/45678"),
		chromedp.SetValue(`#recognition_notice_date`, time.Now().AddDate(-1, 0, 0).Format(time.DateOnly)))
	submit(`#save`)
	if got := p.text(`#recognition-notice`); got != "Freistellungsbescheid, St.-Nr. 66/123/45678" {
		t.Fatalf("the grant page shows the notice %q", got)
	}
	submit(`#submit-application`)
	if st := status(); st != "submitted" {
		t.Fatalf("status %q", st)
	}
	shot("submitted")
	logout()

	// Three committee members review and vote; the third decides.
	for i := 0; i < 3; i++ {
		login(fmt.Sprintf("m%d@example.org", i))
		if i == 0 {
			p.do(chromedp.Navigate(srv.URL+"/committee"), chromedp.WaitVisible(`a[href="`+appURL+`"]`), chromedp.Click(`a[href="`+appURL+`"]`), chromedp.WaitVisible(`#send-review`))
			p.do(chromedp.Click(`#score-4`), chromedp.SendKeys(`#review_comment`, "Well planned"))
			submit(`#send-review`)
		} else {
			p.do(chromedp.Navigate(srv.URL+appURL), chromedp.WaitVisible(`#send-vote`))
		}
		p.do(chromedp.Click(`#vote-approve`))
		submit(`#send-vote`)
		if i == 2 {
			shot("committee")
			p.do(chromedp.Click(`#decision-approved`))
			submit(`#send-decision`)
			shot("decide-confirm")
			submit(`#confirm-decision`)
			if st := status(); st != "approved" {
				t.Fatalf("status after the decision %q", st)
			}
		}
		logout()
	}

	// Two instalments, each prepared by one treasurer and released by the other.
	for i, amount := range []string{"300", "200"} {
		maker, checker := fmt.Sprintf("k%d@example.org", 1+i%2), fmt.Sprintf("k%d@example.org", 2-i%2)
		login(maker)
		p.do(chromedp.Navigate(srv.URL+"/treasurer/grants"), chromedp.WaitVisible(`a[href="`+appURL+`"]`), chromedp.Click(`a[href="`+appURL+`"]`),
			chromedp.WaitVisible(`#instalment_amount`), chromedp.SendKeys(`#instalment_amount`, amount))
		submit(`#send-disbursement`)
		// The maker's confirmation step shows whom the money goes to and
		// says a second person must release it, with no button (a POST
		// is refused all the same: TestInstalmentsWaitingForRelease).
		p.do(chromedp.Click(`a.release-link`), chromedp.WaitVisible(`#release-iban`), chromedp.WaitVisible(`.blocked-release`))
		if n := get(p, chromedp.Evaluate[int](`document.querySelectorAll('button.release').length`)); n != 0 {
			t.Fatalf("the maker is offered %d release buttons", n)
		}
		logout()
		login(checker)
		p.do(chromedp.Navigate(srv.URL+appURL), chromedp.WaitVisible(`a.release-link`), chromedp.Click(`a.release-link`), chromedp.WaitVisible(`#release-iban`))
		shot(fmt.Sprintf("release-confirm-%d", i+1))
		submit(`button.release`)
		shot(fmt.Sprintf("instalment-%d", i+1))
		logout()
	}

	// The bank pays both: a payment file, then the statement with the two
	// debit lines (http/internal/testserver).
	ts.BankPays(ts.SignIn("k1@example.org"))

	// The group reports.
	login("verein@example.org")
	p.do(chromedp.Navigate(srv.URL+appURL), chromedp.WaitVisible(`#spent`))
	if st, paid := status(), p.text(`#paid-amount`); st != "paid" || paid != "€500.00" {
		t.Fatalf("before the report: %q, paid %q", st, paid)
	}
	p.do(chromedp.SendKeys(`#spent`, "480"), chromedp.SendKeys(`#report`, "Twelve meetings, thirty people."))
	submit(`#send-report`)
	if st := status(); st != "reported" {
		t.Fatalf("status after the report %q", st)
	}
	shot("reported")
	p.do(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(`#project-list`))
	if list := p.text(`#project-list`); !strings.Contains(list, "Language café Schinkel") || !strings.Contains(list, "€500.00") {
		t.Fatalf("fund page projects: %q", list)
	}
	shot("fund")
}

// TestRefundAccountInTheBrowser: at phone width, a treasurer finds the
// owed refund in the list, opens the form for its account, is told about
// a wrong IBAN beside the field, and saves a right one.
func TestRefundAccountInTheBrowser(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{})
	srv := httptest.NewServer(ts.H)
	defer srv.Close()
	ts.MustUser("k1@example.org", auth.Treasurer)
	kasse := ts.SignIn("k1@example.org")
	id := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"30.00","donor":{"name":"Ayşe Yılmaz"}}`).WantStatus(t, 201).JSON["id"].(string)
	ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{}`).WantStatus(t, 200)
	ts.JSON("POST", "/api/v1/donations/"+id+"/refund", kasse, `{"reason":"Irrtum"}`).WantStatus(t, 200)
	ctx := browser(t, 375, 900)
	p := tab{t, ctx}
	for _, lang := range []string{"de", "en"} {
		shot := func(name string) { screenshot(t, ctx, "refund-account-"+lang+"-"+name) }
		p.do(chromedp.Navigate(srv.URL+"/lang?to="+lang+"&back=/login"), chromedp.WaitVisible(`#email`),
			chromedp.SendKeys(`#email`, "k1@example.org"), chromedp.SendKeys(`#password`, testserver.Password),
			chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`))
		link := `a[href="/treasurer/donations/` + id + `/refund-account"]`
		p.do(chromedp.Navigate(srv.URL+"/treasurer/donations?status=refunded"), chromedp.WaitVisible(link))
		shot("list")
		p.do(chromedp.Click(link), chromedp.WaitVisible(`#iban`))
		p.do(chromedp.SendKeys(`#iban`, "DE02 5001 0517 0137 0750 31"), chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`#iban-error`))
		shot("wrong-iban")
		p.do(chromedp.SetValue(`#iban`, "DE02 5001 0517 0137 0750 30"), chromedp.Click(`form button[type=submit].button`), chromedp.WaitVisible(`[role=status]`))
		shot("saved")
		p.do(chromedp.Click(`header form button`), chromedp.WaitVisible(`a[href="/login"]`))
	}
}
