package mail_test

import (
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/mail/mailtest"
)

// A name carrying quotes, brackets and other addresses, and a title with
// markup (names and titles hold no control characters: check's "text"
// refuses them at every door), reach the recipient as text: nothing is
// sent to another address, no header is added, and the HTML part shows
// the markup escaped.
func TestSenderHostileNameAndTitle(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		before := len(srv.Messages())
		hostile := `Eve" <victim@evil.example>, Bcc: "x@evil.example`
		title := `Café <script>alert(1)</script>`
		queue(t, w, o, mail.Message{To: "ada@example.org", Name: hostile, Lang: "en", Kind: mail.ApplicationSubmitted,
			Data: map[string]any{"Title": title, "Organisation": "<b>Org</b>", "Amount": fundus.EURCents(1000), "Path": "/grants/x"}})
		run(t, sender(t, d, w, srv.URL("", "")))
		got := srv.Wait(before+1, 30*time.Second)[before]
		if len(got.EnvelopeTo) != 1 || got.EnvelopeTo[0] != "ada@example.org" {
			t.Fatalf("envelope %v", got.EnvelopeTo)
		}
		if a, err := netmail.ParseAddress(got.Header.Get("To")); err != nil || a.Name != hostile || a.Address != "ada@example.org" {
			t.Errorf("To %q: %+v %v", got.Header.Get("To"), a, err)
		}
		for _, h := range []string{"Bcc", "Cc"} {
			if v := got.Header.Get(h); v != "" {
				t.Errorf("header %s: %q injected", h, v)
			}
		}
		if strings.Contains(got.HTML, "<script>") || strings.Contains(got.HTML, "<b>Org</b>") {
			t.Errorf("markup unescaped in the HTML part:\n%s", got.HTML)
		}
		if !strings.Contains(got.Subject, title) {
			t.Errorf("subject %q", got.Subject)
		}
	})
}
