package ui_test

import (
	"archive/zip"
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/http/internal/testserver"
	"fundus/http/server"
)

// TestBankPages: a treasurer uploads a statement through the page and sees
// what it did; a file of another account is refused in German and imports
// nothing; a ZIP passes the form checks; each open line is resolved
// through its confirmation step, and a second submit books nothing more;
// then the reconciliation shows no difference. Others may not see the
// pages, and a form without its CSRF token is refused.
func TestBankPages(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		kasse := ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.MustUser("m@example.org", auth.Committee)
		pledge := func(amount string) string {
			return ts.JSON("POST", "/api/v1/donations", "", `{"amount":"`+amount+`"}`).WantStatus(t, http.StatusCreated).JSON["reference"].(string)
		}
		exact, other := pledge("25.00"), pledge("12.00")
		typo := swapped(other)
		const iban = "DE89370400440532013000"
		file := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: iban, From: "2026-03-02", To: "2026-03-03", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 2500, Name: "Erika", Remittance: "Spende " + exact},
			{Date: "2026-03-02", Minor: 1200, Name: "Max", Remittance: "Spende " + typo},
			{Date: "2026-03-03", Minor: 4000, Name: "Frieda Unbekannt", IBAN: "DE02120300000000202051", Remittance: "Für den Fonds"},
			{Date: "2026-03-03", Minor: 350, Debit: true, Name: "Bank", Remittance: "Kontoführung"},
		}})
		statements := func() int {
			var n int
			if err := d.Get(&n, "SELECT count(*) FROM bank_statements"); err != nil {
				t.Fatal(err)
			}
			return n
		}
		b := ts.SignedIn("kasse@example.org", "de")

		if r := b.Do("GET", "/treasurer/bank/reconciliation", nil); r.Code != 200 || !strings.Contains(r.Body.String(), `id="no-statement"`) {
			t.Fatalf("reconciliation before any statement: %d", r.Code)
		}
		page := b.Do("GET", "/treasurer/bank", nil)
		if page.Code != 200 || !strings.Contains(page.Body.String(), `href="/treasurer/bank"`) {
			t.Fatalf("bank page: %d", page.Code)
		}
		token := b.CSRF(page.Body.String())
		form := func() url.Values {
			return url.Values{"csrf_token": {token}, "idempotency_key": {idemKey(t, b.Do("GET", "/treasurer/bank", nil).Body.String())}}
		}

		t.Run("upload", func(t *testing.T) {
			r := b.Upload("/treasurer/bank/statements", form(), "file", "auszug.xml", file)
			if r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/treasurer/bank?imported=") {
				t.Fatalf("upload: %d %s\n%s", r.Code, r.Header().Get("Location"), r.Body)
			}
			shown := b.Do("GET", r.Header().Get("Location"), nil).Body.String()
			for id, want := range map[string]string{"count-lines": "4", "count-new": "4", "count-matched": "1", "count-duplicate": "0"} {
				if !strings.Contains(shown, `id="`+id+`">`+want+`<`) {
					t.Errorf("%s is not %s", id, want)
				}
			}
			if !strings.Contains(shown, `id="count-queued">3 `) || !strings.Contains(shown, "73,50\u00a0€") {
				t.Errorf("queued or closing balance missing:\n%s", shown)
			}
		})

		t.Run("a file of another account, in German", func(t *testing.T) {
			foreign := banktest.Camt053(banktest.Statement{ID: "X", IBAN: "DE02120300000000202051", From: "2026-03-02", To: "2026-03-02"})
			r := b.Upload("/treasurer/bank/statements", form(), "file", "fremd.xml", foreign)
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), "Die Datei gehört zu einem anderen Konto") || statements() != 1 {
				t.Fatalf("%d, %d statements\n%s", r.Code, statements(), r.Body)
			}
		})

		t.Run("a ZIP passes the form's checks", func(t *testing.T) {
			var z bytes.Buffer
			zw := zip.NewWriter(&z)
			w, _ := zw.Create("auszug.xml")
			w.Write(file)
			zw.Close()
			r := b.Upload("/treasurer/bank/statements", form(), "file", "auszug.zip", z.Bytes())
			if r.Code != http.StatusSeeOther {
				t.Fatalf("zip: %d\n%s", r.Code, r.Body)
			}
			if shown := b.Do("GET", r.Header().Get("Location"), nil).Body.String(); !strings.Contains(shown, `id="count-duplicate">4<`) {
				t.Fatalf("the same lines again are not seen before:\n%s", shown)
			}
		})

		t.Run("no CSRF token, no import", func(t *testing.T) {
			f := form()
			f.Del("csrf_token")
			if r := b.Upload("/treasurer/bank/statements", f, "file", "auszug.xml", file); r.Code != http.StatusForbidden || statements() != 2 {
				t.Fatalf("%d, %d statements", r.Code, statements())
			}
		})

		queued := ts.JSON("GET", "/api/v1/bank/transactions?status=queued", kasse, "").WantStatus(t, 200).JSON["items"].([]any)
		if len(queued) != 3 {
			t.Fatalf("queued: %v", queued)
		}
		lineID := func(i int) string { return queued[i].(map[string]any)["id"].(string) }
		if q := b.Do("GET", "/treasurer/bank/queue", nil).Body.String(); !strings.Contains(q, "3 offene Umsätze, Summe 48,50\u00a0€") || !strings.Contains(q, "DE02 1203 0000 0000 2020 51") {
			t.Fatalf("queue:\n%s", q)
		}
		if r := b.Do("GET", "/treasurer/bank/reconciliation", nil).Body.String(); !strings.Contains(r, `id="difference">48,50`) {
			t.Fatalf("reconciliation with an open queue:\n%s", r)
		}

		// confirm follows the confirmation step at path and submits it.
		confirm := func(t *testing.T, path, want string) (post url.Values, action string) {
			t.Helper()
			r := b.Do("GET", path, nil)
			body := r.Body.String()
			if r.Code != 200 || !strings.Contains(body, want) {
				t.Fatalf("confirmation step %s: %d, want %q\n%s", path, r.Code, want, body)
			}
			post = url.Values{"csrf_token": {b.CSRF(body)}, "idempotency_key": {idemKey(t, body)}}
			for _, m := range regexp.MustCompile(`<input type="hidden" name="(donation_id|anonymous|account|memo)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
				post.Set(m[1], m[2])
			}
			action = regexp.MustCompile(`<form method="post" action="(/treasurer/bank/lines/[^"]+)"`).FindStringSubmatch(body)[1]
			done := b.Do("POST", action, post)
			if done.Code != http.StatusSeeOther || !strings.HasPrefix(done.Header().Get("Location"), "/treasurer/bank/queue?done=") {
				t.Fatalf("confirm %s: %d\n%s", action, done.Code, done.Body)
			}
			if q := b.Do("GET", done.Header().Get("Location"), nil).Body.String(); !strings.Contains(q, `id="flash"`) {
				t.Fatalf("no notice after %s", action)
			}
			return post, action
		}

		t.Run("assign the suggested donation", func(t *testing.T) {
			line := b.Do("GET", "/treasurer/bank/lines/"+lineID(0), nil).Body.String()
			link := regexp.MustCompile(`href="(/treasurer/bank/lines/[^"]+/assign\?donation=[^"]+)"`).FindStringSubmatch(line)
			if link == nil || !strings.Contains(line, other) || !strings.Contains(line, "weicht um ein Zeichen ab") {
				t.Fatalf("no suggestion of %s:\n%s", other, line)
			}
			post, action := confirm(t, link[1], "12,00\u00a0€ von income:donations an die Bank (assets:bank)")
			// The same form again books nothing more; a fresh one is refused as done.
			if r := b.Do("POST", action, post); r.Code != http.StatusSeeOther {
				t.Fatalf("the repeat: %d", r.Code)
			}
			post.Set("idempotency_key", strings.Repeat("k", 32))
			if r := b.Do("POST", action, post); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "vielleicht ist es schon erledigt") {
				t.Fatalf("a second submit: %d", r.Code)
			}
		})

		t.Run("a reference that no donation has", func(t *testing.T) {
			r := b.Do("GET", "/treasurer/bank/lines/"+lineID(1)+"/assign?reference="+url.QueryEscape(exact[:5]+"AAAA-AAAA"), nil)
			if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="reference-error"`) {
				t.Fatalf("%d\n%s", r.Code, r.Body)
			}
		})

		t.Run("book as a donation and to an account", func(t *testing.T) {
			confirm(t, "/treasurer/bank/lines/"+lineID(1)+"/book-donation?anonymous=1", "neue anonyme Spende")
			if r := b.Do("GET", "/treasurer/bank/lines/"+lineID(2)+"/book-donation", nil); r.Code != http.StatusConflict {
				t.Fatalf("a debit as a donation: %d", r.Code)
			}
			if r := b.Do("GET", "/treasurer/bank/lines/"+lineID(2)+"/book?account=assets:bank&memo=x", nil); r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="account-error"`) {
				t.Fatalf("the bank's own account: %d", r.Code)
			}
			confirm(t, "/treasurer/bank/lines/"+lineID(2)+"/book?account=expenses:bank-fees&memo=Kontof%C3%BChrung",
				"3,50\u00a0€ von der Bank (assets:bank) an expenses:bank-fees")
		})

		if q := b.Do("GET", "/treasurer/bank/queue", nil).Body.String(); !strings.Contains(q, "0 offene Umsätze") {
			t.Fatalf("queue not empty:\n%s", q)
		}
		if r := b.Do("GET", "/treasurer/bank/reconciliation", nil).Body.String(); !strings.Contains(r, `id="difference">0,00`) || !strings.Contains(r, `id="balanced"`) {
			t.Fatalf("reconciliation:\n%s", r)
		}

		t.Run("others may not", func(t *testing.T) {
			member := ts.SignedIn("m@example.org", "de")
			for _, path := range []string{"/treasurer/bank", "/treasurer/bank/queue", "/treasurer/bank/lines/" + lineID(0), "/treasurer/bank/reconciliation"} {
				if r := member.Do("GET", path, nil); r.Code != http.StatusForbidden {
					t.Errorf("committee member at %s: %d", path, r.Code)
				}
				if r := ts.Browser(t, "de").Do("GET", path, nil); r.Code != http.StatusSeeOther || !strings.HasPrefix(r.Header().Get("Location"), "/login?next=") {
					t.Errorf("anonymous at %s: %d", path, r.Code)
				}
			}
		})
	})
}

func idemKey(t *testing.T, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no idempotency_key in the page")
	}
	return m[1]
}

// TestBankUploadTooLarge: a file over the statement limit is refused with
// a page in the visitor's language, and nothing is imported.
func TestBankUploadTooLarge(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ts := testserver.New(t, d, server.Config{StatementLimit: 2000})
	ts.MustUser("kasse@example.org", auth.Treasurer)
	b := ts.SignedIn("kasse@example.org", "en")
	page := b.Do("GET", "/treasurer/bank", nil).Body.String()
	var lines []banktest.Line
	for range 20 {
		lines = append(lines, banktest.Line{Date: "2026-03-02", Minor: 100, Name: "Erika", Remittance: "Spende"})
	}
	file := banktest.Camt053(banktest.Statement{ID: "S1", IBAN: "DE89370400440532013000", From: "2026-03-02", To: "2026-03-02", Lines: lines})
	r := b.Upload("/treasurer/bank/statements", url.Values{"csrf_token": {b.CSRF(page)}}, "file", "big.xml", file)
	var n int
	d.Get(&n, "SELECT count(*) FROM bank_statements")
	if r.Code != http.StatusRequestEntityTooLarge || !strings.HasPrefix(r.Header().Get("Content-Type"), "text/html") || !strings.Contains(r.Body.String(), "too large") || n != 0 {
		t.Fatalf("%d %s, %d statements\n%s", r.Code, r.Header().Get("Content-Type"), n, r.Body)
	}
}

// swapped is ref with two neighbouring, different characters of its last
// group swapped: the typo bank lines suggest a pledge for. (The check
// character misses a swap of "3" and "Y", so those stay.)
func swapped(ref string) string {
	b := []byte(ref)
	for i := len(b) - 2; i >= len(b)-4; i-- {
		if b[i] != b[i+1] && b[i]+b[i+1] != '3'+'Y' {
			b[i], b[i+1] = b[i+1], b[i]
			return string(b)
		}
	}
	panic("no two characters to swap in " + ref) // 1 in 24³: rerun
}

// TestPaymentFilePage: the bank page makes a payment file of the released
// instalments and refunds owed and offers it to download; with nothing to
// pay it says so.
func TestPaymentFilePage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.MustUser("kasse@example.org", auth.Treasurer)
		kasse := ts.SignIn("kasse@example.org")
		p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"30.00"}`).WantStatus(t, http.StatusCreated).JSON
		ts.Do("POST", "/api/v1/bank/statements", kasse, "application/xml", string(banktest.Camt053(banktest.Statement{
			ID: "S", IBAN: "DE89370400440532013000", From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
				{Date: "2026-03-02", Minor: 3000, Name: "Erika", IBAN: "DE02120300000000202051", Remittance: p["reference"].(string)}}}))).WantStatus(t, 201)
		b := ts.SignedIn("kasse@example.org", "de")
		form := func() url.Values {
			page := b.Do("GET", "/treasurer/bank", nil).Body.String()
			return url.Values{"csrf_token": {b.CSRF(page)}, "idempotency_key": {idemKey(t, page)}}
		}
		if r := b.Do("POST", "/treasurer/bank/payment-files", form()); r.Code != http.StatusConflict || !strings.Contains(r.Body.String(), "keine Erstattung") {
			t.Fatalf("nothing to pay: %d", r.Code)
		}
		ts.JSON("POST", "/api/v1/donations/"+p["id"].(string)+"/refund", kasse, `{"reason":"Irrtum"}`).WantStatus(t, 200)
		r := b.Do("POST", "/treasurer/bank/payment-files", form())
		if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "file=") {
			t.Fatalf("make a payment file: %d %s", r.Code, r.Header().Get("Location"))
		}
		loc, _, _ := strings.Cut(r.Header().Get("Location"), "#")
		page := b.Do("GET", loc, nil).Body.String()
		i := strings.Index(page, `href="/treasurer/bank/payment-files/`)
		if !strings.Contains(page, `id="new-file"`) || i < 0 {
			t.Fatal("the bank page does not offer the new file")
		}
		href := page[i+6 : i+6+strings.Index(page[i+6:], `"`)]
		doc := b.Do("GET", href, nil)
		if doc.Code != 200 || doc.Header().Get("Content-Type") != "application/xml" || !strings.Contains(doc.Body.String(), "DE02120300000000202051") {
			t.Fatalf("download %s: %d %s", href, doc.Code, doc.Header())
		}
	})
}

// TestRefundAccountPage: a refund whose donor's IBAN no line named shows
// as owed with a link to set its account; a wrong IBAN is said on the
// form in German and stores nothing; saved, the treasurer who set it is
// refused the payment file (said on the bank page), another treasurer
// makes it.
func TestRefundAccountPage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ts := testserver.New(t, d, server.Config{})
		ts.MustUser("kasse@example.org", auth.Treasurer)
		ts.MustUser("kasse2@example.org", auth.Treasurer)
		kasse := ts.SignIn("kasse@example.org")
		p := ts.JSON("POST", "/api/v1/donations", "", `{"amount":"30.00","donor":{"name":"Ayşe Yılmaz"}}`).WantStatus(t, http.StatusCreated).JSON
		id := p["id"].(string)
		ts.JSON("POST", "/api/v1/donations/"+id+"/confirm", kasse, `{}`).WantStatus(t, 200)
		ts.JSON("POST", "/api/v1/donations/"+id+"/refund", kasse, `{"reason":"Irrtum"}`).WantStatus(t, 200)
		b := ts.SignedIn("kasse@example.org", "de")
		list := b.Do("GET", "/treasurer/donations?status=refunded", nil).Body.String()
		if !strings.Contains(list, "Erstattung offen") || !strings.Contains(list, `href="/treasurer/donations/`+id+`/refund-account"`) {
			t.Fatalf("the list does not show the owed refund and its action:\n%s", list)
		}
		path := "/treasurer/donations/" + id + "/refund-account"
		form := func(name, iban string) url.Values {
			page := b.Do("GET", path, nil)
			if page.Code != 200 || !strings.Contains(page.Body.String(), `value="Ayşe Yılmaz"`) {
				t.Fatalf("the form: %d", page.Code)
			}
			return url.Values{"csrf_token": {b.CSRF(page.Body.String())}, "idempotency_key": {idemKey(t, page.Body.String())}, "name": {name}, "iban": {iban}}
		}
		r := b.Do("POST", path, form("Ayşe Yılmaz", "DE02500105170137075031"))
		if r.Code != http.StatusUnprocessableEntity || !strings.Contains(r.Body.String(), `id="iban-error"`) || !strings.Contains(r.Body.String(), "DE02500105170137075031") {
			t.Fatalf("a wrong IBAN: %d\n%s", r.Code, r.Body)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").WantStatus(t, 200).JSON; got["refund_payee"] != nil {
			t.Fatalf("a refused account was stored: %v", got)
		}
		r = b.Do("POST", path, form("Ayşe Yılmaz", "DE02 5001 0517 0137 0750 30"))
		if r.Code != http.StatusSeeOther || !strings.Contains(r.Header().Get("Location"), "done=refund-account") {
			t.Fatalf("saving the account: %d %s", r.Code, r.Header().Get("Location"))
		}
		if flash := b.Do("GET", r.Header().Get("Location"), nil).Body.String(); !strings.Contains(flash, "Konto für die Erstattung") {
			t.Fatal("no notice after saving the account")
		}
		fileForm := func(b *testserver.Browserless) url.Values {
			page := b.Do("GET", "/treasurer/bank", nil).Body.String()
			return url.Values{"csrf_token": {b.CSRF(page)}, "idempotency_key": {idemKey(t, page)}}
		}
		if r := b.Do("POST", "/treasurer/bank/payment-files", fileForm(b)); r.Code != http.StatusForbidden || !strings.Contains(r.Body.String(), "Vier-Augen-Prinzip") {
			t.Fatalf("the setter made the file: %d", r.Code)
		}
		b2 := ts.SignedIn("kasse2@example.org", "de")
		if r := b2.Do("POST", "/treasurer/bank/payment-files", fileForm(b2)); r.Code != http.StatusSeeOther {
			t.Fatalf("the other treasurer's file: %d", r.Code)
		}
		if got := ts.JSON("GET", "/api/v1/donations/"+id, kasse, "").WantStatus(t, 200).JSON; got["refund_status"] != "sent" {
			t.Fatalf("after the file: %v", got)
		}
	})
}
