package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"fundus/auth"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/http/internal/testserver"
	"fundus/http/server"
	"fundus/mail"
	"fundus/mail/mailtest"
)

// mailRun runs a mail sender for ts through srv until the test ends; its
// pauses are short, so that a test sees a retry without waiting 30 s.
func mailRun(t *testing.T, ts *testserver.Server, srv *mailtest.Server) {
	t.Helper()
	smtp, err := mail.ParseSMTPURL(srv.URL("", ""))
	if err != nil {
		t.Fatal(err)
	}
	from, _ := mail.ParseFrom("Integrationsfonds Osnabrück <fonds@fundus.test>")
	s := &mail.Sender{DB: ts.DB, Writer: ts.Ledger.Writer, SMTP: smtp, From: from, Poll: 20 * time.Millisecond, MaxPause: 100 * time.Millisecond,
		Timeout: 5 * time.Second, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// outboxCount is how many mails the outbox holds, and how many are unsent.
func outboxCount(t *testing.T, d *db.DB) (all, unsent int) {
	t.Helper()
	if err := d.QueryRowx(`SELECT COUNT(*), COUNT(*) FILTER (WHERE sent_at IS NULL) FROM mail_outbox`).Scan(&all, &unsent); err != nil {
		t.Fatal(err)
	}
	return all, unsent
}

// inbox finds received messages by recipient and kind of subject.
type inbox struct {
	t    *testing.T
	msgs []*mailtest.Message
}

func (in inbox) one(to, subject string) *mailtest.Message {
	in.t.Helper()
	var found []*mailtest.Message
	for _, m := range in.msgs {
		if len(m.EnvelopeTo) == 1 && m.EnvelopeTo[0] == to && strings.Contains(m.Subject, subject) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		var all []string
		for _, m := range in.msgs {
			all = append(all, fmt.Sprintf("%v %q", m.EnvelopeTo, m.Subject))
		}
		in.t.Fatalf("%d messages to %s with %q in the subject, want 1; received:\n%s", len(found), to, subject, strings.Join(all, "\n"))
	}
	return found[0]
}

// want checks a message's language and that both its parts say each of
// the texts.
func want(t *testing.T, m *mailtest.Message, lang string, texts ...string) {
	t.Helper()
	if got := m.Header.Get("Content-Language"); got != lang {
		t.Errorf("%q: Content-Language %q, want %q", m.Subject, got, lang)
	}
	if !strings.Contains(m.HTML, `<html lang="`+lang+`" dir="ltr">`) {
		t.Errorf("%q: the HTML part is not in %s", m.Subject, lang)
	}
	for _, s := range texts {
		if !strings.Contains(m.Text, s) {
			t.Errorf("%q: the plain-text part lacks %q:\n%s", m.Subject, s, m.Text)
		}
		if !strings.Contains(m.HTML, s) {
			t.Errorf("%q: the HTML part lacks %q:\n%s", m.Subject, s, m.HTML)
		}
	}
}

// decodeQR reads the QR code of a PNG.
func decodeQR(t *testing.T, b []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	// PURE_BARCODE: the attachment is the code alone, upright, with its
	// quiet zone. ZXing's finder-pattern search, made for photos, misses
	// about one clean code in 2,000 (zbarimg reads those); it failed CI once.
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8", gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatal(err)
	}
	return res.GetText()
}

// TestMailsOfTheWholeStory: each mail of API.md's table reaches a real
// SMTP server, in its recipient's language, with a plain-text and an HTML
// part, queued with its cause: a pledge (the GiroCode attached), money
// received by hand and on a statement, an application submitted (the
// group and the committee), a decision either way, an instalment the bank
// paid. A refused request queues nothing; mails queued while the server
// is down arrive once it is back.
func TestMailsOfTheWholeStory(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		before := len(srv.Messages())
		ts := testserver.New(t, d, server.Config{})
		k1, k2 := ts.MustUser("k1@example.org", auth.Treasurer), ts.MustUser("k2@example.org", auth.Treasurer)
		var m []string
		for i, lang := range []string{"en", "de", "de"} {
			email := fmt.Sprintf("m%d@example.org", i)
			if _, err := ts.Auth.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: fmt.Sprintf("Mitglied %d", i),
				Password: testserver.Password, Roles: []auth.Role{auth.Committee}, Lang: lang}); err != nil {
				t.Fatal(err)
			}
			m = append(m, ts.SignIn(email))
		}
		expect := func(who, method, path, body string, want int, headers ...string) *testserver.Response {
			t.Helper()
			h := map[string]string{}
			for i := 0; i+1 < len(headers); i += 2 {
				h[headers[i]] = headers[i+1]
			}
			if who != "" {
				h["Authorization"] = "Bearer " + who
			}
			r := ts.DoWithHeaders(method, path, "", body, h)
			if r.Code != want {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Code, want, r.Body)
			}
			return r
		}

		// Donations: one pledged in English and confirmed by hand, one in
		// German found on a statement, one without an address.
		p1 := expect("", "POST", "/api/v1/donations", `{"amount":"25.00","donor":{"name":"Erika Example","email":"erika@example.org"}}`, 201,
			"Accept-Language", "en-GB,en;q=0.9").JSON
		p2 := expect("", "POST", "/api/v1/donations", `{"amount":"1250.50","anonymous":true,"donor":{"name":"Hans Muster","email":"hans@example.org"}}`, 201,
			"Accept-Language", "de-DE").JSON
		expect("", "POST", "/api/v1/donations", `{"amount":"10.00"}`, 201)
		expect(k1, "POST", "/api/v1/donations/"+p1["id"].(string)+"/confirm", `{"received_at":"2026-03-02"}`, 200)
		day := "2026-03-03"
		expect(k1, "POST", "/api/v1/bank/statements", string(banktest.Camt053(banktest.Statement{ID: "S1", IBAN: "DE89370400440532013000", From: day, To: day, NoBalances: true,
			Lines: []banktest.Line{{Date: day, Minor: 125050, Name: "Hans Muster", Remittance: "Spende " + p2["reference"].(string)}}})), 201, "Content-Type", "application/xml")

		// A group registered from a German page applies; the committee
		// approves it with conditions. A second application is rejected.
		expect("", "POST", "/api/v1/register", `{"email":"verein@example.org","name":"Café Lingua","password":"`+testserver.Password+`"}`, 201,
			"Accept-Language", "de")
		group := ts.SignIn("verein@example.org")
		app := func(title string) string {
			body := strings.Replace(testserver.ApplicationBody, "Sprachcafé", title, 1)
			id := expect(group, "POST", "/api/v1/applications", body, 201).JSON["id"].(string)
			expect(group, "POST", "/api/v1/applications/"+id+"/submit", ``, 200)
			for _, who := range m {
				expect(who, "POST", "/api/v1/applications/"+id+"/reviews", `{"score":4,"comment":"gut"}`, 201)
			}
			return id
		}
		a1, a2 := app("Sprachcafé Schinkel"), app("Hausaufgabenhilfe")
		for _, who := range m {
			expect(who, "POST", "/api/v1/applications/"+a1+"/votes", `{"vote":"approve"}`, 201)
			expect(who, "POST", "/api/v1/applications/"+a2+"/votes", `{"vote":"reject"}`, 201)
		}
		// A refused decision queues nothing.
		all, _ := outboxCount(t, d)
		expect(m[0], "POST", "/api/v1/applications/"+a1+"/decision", `{"decision":"approved","amount":"9999.00"}`, 422)
		if n, _ := outboxCount(t, d); n != all {
			t.Fatalf("a refused decision queued %d mails", n-all)
		}

		// The server goes down before the decisions; their mails wait.
		mailRun(t, ts, srv)
		srv.Wait(before+12, 60*time.Second)
		// The sender marks a mail sent just after the server took it:
		// wait for that too, or a mail taken but not yet marked counts as
		// waiting below.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, unsent := outboxCount(t, d); unsent == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the mails the server took are not marked sent")
			}
		}
		srv.Stop()
		expect(m[0], "POST", "/api/v1/applications/"+a1+"/decision", `{"decision":"approved","amount":"400.00","conditions":"Bitte Fotos für den Bericht."}`, 200)
		expect(m[0], "POST", "/api/v1/applications/"+a2+"/decision", `{"decision":"rejected"}`, 200)
		d1 := expect(k1, "POST", "/api/v1/applications/"+a1+"/disbursements", `{"amount":"250.00"}`, 201).JSON
		expect(k2, "POST", "/api/v1/disbursements/"+d1["id"].(string)+"/release", ``, 200)
		ts.BankPays(k1)
		if _, unsent := outboxCount(t, d); unsent != 3 {
			t.Fatalf("%d mails wait while the server is down, want 3", unsent)
		}
		srv.Start()
		msgs := srv.Wait(before+15, 60*time.Second)[before:]
		if len(msgs) != 15 {
			t.Fatalf("%d messages, want 15", len(msgs))
		}
		in := inbox{t, msgs}
		// FUNDUS_TEST_MAIL_SAMPLES=DIR keeps the messages, a sample of each
		// mail as the server received it.
		if dir := os.Getenv("FUNDUS_TEST_MAIL_SAMPLES"); dir != "" {
			for i, m := range msgs {
				name := fmt.Sprintf("%s-%02d-%s.eml", d.Engine, i+1, m.Header.Get("Content-Language"))
				if err := os.WriteFile(filepath.Join(dir, name), m.Raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}

		// The pledge: bank details, reference and the GiroCode.
		pledged := in.one("erika@example.org", "reference "+p1["reference"].(string))
		want(t, pledged, "en", "Hello Erika Example,", "€25.00", p1["reference"].(string), "DE89 3704 0044 0532 0130 00", "Integrationsfonds Osnabrück",
			"bank statement or your bank’s booking confirmation is proof enough for the tax office (§ 50(4) EStDV)")
		if len(pledged.Attachments) != 1 || pledged.Attachments[0].ContentType != "image/png" {
			t.Fatalf("attachments %+v", pledged.Attachments)
		}
		wantCode, err := donations.GiroCode{BIC: "COBADEFFXXX", Name: "Integrationsfonds Osnabrück", IBAN: "DE89370400440532013000", Amount: 2500,
			Remittance: p1["reference"].(string), Note: "Thank you for your donation!"}.Payload()
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, pledged.Attachments[0].Data); got != wantCode {
			t.Fatalf("the attached GiroCode reads\n%q\nwant\n%q", got, wantCode)
		}
		if got := pledged.Header.Get("To"); got != `"Erika Example" <erika@example.org>` {
			t.Errorf("To: %s", got)
		}
		hansPledged := in.one("hans@example.org", "Verwendungszweck "+p2["reference"].(string))
		want(t, hansPledged, "de", "Hallo Hans Muster,", "1.250,50\u00a0€", "Sie spenden anonym",
			"Für Spenden über 300 € verlangt das Finanzamt eine Zuwendungsbestätigung", "sobald das Geld eingegangen ist und die Stadt die Spende angenommen hat")
		if strings.Contains(hansPledged.Text, "Kontoauszug") {
			t.Fatal("a pledge over 300 € says the bank statement is proof enough")
		}
		if len(hansPledged.Attachments) != 1 || decodeQR(t, hansPledged.Attachments[0].Data) == "" {
			t.Fatal("the German pledge has no GiroCode")
		}

		// Money received: by hand, and found on a statement.
		want(t, in.one("erika@example.org", "your donation has arrived"), "en", "€25.00", "2 Mar 2026", "bank statement is proof enough")
		want(t, in.one("hans@example.org", "Ihre Spende ist angekommen"), "de", "1.250,50\u00a0€", "03.03.2026", "Zuwendungsbestätigung", "sobald die Stadt die Spende angenommen hat")

		// Submitted: the group, and each committee member in their language.
		want(t, in.one("verein@example.org", "Antrag eingereicht: Sprachcafé Schinkel"), "de", "500,00\u00a0€", testserver.MailBaseURL+"/grants/"+a1)
		want(t, in.one("verein@example.org", "Antrag eingereicht: Hausaufgabenhilfe"), "de", testserver.MailBaseURL+"/grants/"+a2)
		want(t, in.one("m0@example.org", "New application to review: Sprachcafé Schinkel"), "en", "Café Lingua e.V.", "€500.00", testserver.MailBaseURL+"/grants/"+a1)
		want(t, in.one("m1@example.org", "Neuer Antrag zur Prüfung: Sprachcafé Schinkel"), "de", "Hallo Mitglied 1,")
		in.one("m2@example.org", "Neuer Antrag zur Prüfung: Hausaufgabenhilfe")

		// The decisions and the instalment, sent once the server was back.
		want(t, in.one("verein@example.org", "Antrag bewilligt: Sprachcafé Schinkel"), "de", "400,00\u00a0€", "Bitte Fotos für den Bericht.")
		want(t, in.one("verein@example.org", "Antrag abgelehnt: Hausaufgabenhilfe"), "de", "abgelehnt")
		want(t, in.one("verein@example.org", "Zahlung für „Sprachcafé Schinkel“"), "de", "250,00\u00a0€", "250,00\u00a0€ von 400,00\u00a0€")

		// Every mail is marked sent, none was sent twice.
		deadline := time.Now().Add(30 * time.Second)
		for _, unsent := outboxCount(t, d); unsent != 0; _, unsent = outboxCount(t, d) {
			if time.Now().After(deadline) {
				t.Fatalf("%d mails not marked sent", unsent)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if n := len(srv.Messages()) - before; n != 15 {
			t.Fatalf("%d messages, want 15", n)
		}
	})
}
