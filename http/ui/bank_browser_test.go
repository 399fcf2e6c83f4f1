package ui_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestBankInTheBrowser: a treasurer uploads a statement with the file
// input, is refused a file of another account, resolves the open lines
// through their confirmation steps (an unpledged donation, the bank's fee,
// a suggested pledge) and sees the reconciliation agree; in German and
// English, on a phone and on a desktop.
func TestBankInTheBrowser(t *testing.T) {
	type text struct{ fee, agree string }
	texts := map[string]text{
		"de": {"3,50\u00a0€ von der Bank (assets:bank) an expenses:bank-fees", "0,00\u00a0€"},
		"en": {"€3.50 from the bank (assets:bank) to expenses:bank-fees", "€0.00"},
	}
	for _, c := range []struct {
		name, lang    string
		width, height int
	}{{"phone-de", "de", 375, 900}, {"desktop-en", "en", 1280, 900}, {"phone-en", "en", 375, 900}, {"desktop-de", "de", 1280, 900}} {
		t.Run(c.name, func(t *testing.T) {
			want := texts[c.lang]
			d := dbtest.Open(t, db.SQLite)
			ts := testserver.New(t, d, server.Config{})
			srv := httptest.NewServer(ts.H)
			defer srv.Close()
			ts.MustUser("kasse@example.org", auth.Treasurer)
			ref := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"12.00","donor":{"name":"Max Mustermann"}}`).WantStatus(t, 201).JSON["reference"].(string)
			typo := swapped(ref)
			dir := t.TempDir()
			own := filepath.Join(dir, "auszug.xml")
			os.WriteFile(own, banktest.Camt053(banktest.Statement{ID: "S1", IBAN: "DE89370400440532013000", From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
				{Date: "2026-03-02", Minor: 4000, Name: "Frieda Unbekannt", IBAN: "DE02120300000000202051", Remittance: "Für den Fonds, weiter so!"},
				{Date: "2026-03-02", Minor: 350, Debit: true, Name: "Sparkasse Osnabrück", Remittance: "Kontoführung Februar 2026"},
				{Date: "2026-03-02", Minor: 1200, Name: "Max Mustermann", IBAN: "DE89370400440532013000", Remittance: "Spende " + typo},
			}}), 0o644)
			foreign := filepath.Join(dir, "fremd.xml")
			os.WriteFile(foreign, banktest.Camt053(banktest.Statement{ID: "X", IBAN: "DE02120300000000202051", From: "2026-03-02", To: "2026-03-02"}), 0o644)
			ctx := browser(t, c.width, c.height)
			p := tab{t, ctx}
			p.do(chromedp.EmulateViewport(int64(c.width), int64(c.height))) // a headless window is at least 500 px wide
			shot := func(name string) { screenshot(t, ctx, "bank-"+c.name+"-"+name) }

			p.do(chromedp.Navigate(srv.URL+"/lang?to="+c.lang+"&back=/login"), chromedp.WaitVisible(`#email`),
				chromedp.SendKeys(`#email`, "kasse@example.org"), chromedp.SendKeys(`#password`, testserver.Password),
				chromedp.Click(`form button[type=submit].button`), chromedp.WaitNotPresent(`#password`),
				chromedp.Navigate(srv.URL+"/treasurer/bank/reconciliation"), chromedp.WaitVisible(`#no-statement`))
			shot("reconciliation-none")
			p.do(chromedp.Navigate(srv.URL+"/treasurer/bank"), chromedp.WaitVisible(`#file`))
			shot("upload")
			p.do(chromedp.SetUploadFiles(`#file`, []string{foreign}), chromedp.Click(`form[enctype] button`), chromedp.WaitVisible(`#problem`))
			if c.lang == "de" && !strings.Contains(p.text(`#problem`), "anderen Konto") {
				t.Fatalf("refusal: %q", p.text(`#problem`))
			}
			shot("refused")
			p.do(chromedp.SetUploadFiles(`#file`, []string{own}), chromedp.Click(`form[enctype] button`), chromedp.WaitVisible(`#imported`))
			if n := p.text(`#count-queued`); !strings.HasPrefix(n, "3") {
				t.Fatalf("queued %q", n)
			}
			shot("imported")
			p.do(chromedp.Click(`#count-queued a`), chromedp.WaitVisible(`#queue-summary`))
			shot("queue")
			p.do(chromedp.Click(`tbody tr:first-child td.actions a`), chromedp.WaitVisible(`#memo`))
			shot("line-credit")
			p.do(chromedp.Click(`form[action$="/book-donation"] button`), chromedp.WaitVisible(`#what`))
			shot("confirm-donation")
			p.do(chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#flash`),
				chromedp.Click(`tbody tr:first-child td.actions a`), chromedp.WaitVisible(`#memo`))
			shot("line")
			p.do(chromedp.SetValue(`#account`, "expenses:bank-fees"), chromedp.SendKeys(`#memo`, "Kontoführung"),
				chromedp.Submit(`#memo`), chromedp.WaitVisible(`#what`))
			if what := p.text(`#what`); !strings.Contains(what, want.fee) {
				t.Fatalf("the confirmation step says %q", what)
			}
			shot("confirm")
			p.do(chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#flash`))
			shot("queue-done")
			p.do(chromedp.Click(`tbody tr:first-child td.actions a`), chromedp.WaitVisible(`.suggestions`))
			shot("line-suggestion")
			p.do(chromedp.Click(`.suggestions a.button`), chromedp.WaitVisible(`#what`))
			if what := p.text(`#what`); !strings.Contains(what, ref) {
				t.Fatalf("the assignment's step says %q", what)
			}
			shot("confirm-assign")
			p.do(chromedp.Click(`main form button[type=submit]`), chromedp.WaitVisible(`#flash`))
			p.do(chromedp.Navigate(srv.URL+"/treasurer/bank/reconciliation"), chromedp.WaitVisible(`#balanced`))
			if diff := p.text(`#difference`); diff != want.agree {
				t.Fatalf("difference %q", diff)
			}
			shot("reconciliation")
			p.do(chromedp.Navigate(srv.URL+"/treasurer/bank"), chromedp.WaitVisible(`#make-payment-file`), chromedp.ScrollIntoView(`#payment-files`))
			shot("payment-files")
		})
	}
}
