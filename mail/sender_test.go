package mail_test

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger/ledgertest"
	"fundus/mail"
	"fundus/mail/mailtest"
)

// sender returns a sender through srv whose pauses are short, so that a
// test sees retries without waiting 30 s.
func sender(t *testing.T, d *db.DB, w *commit.Writer, smtpURL string) *mail.Sender {
	t.Helper()
	s := &mail.Sender{DB: d, Writer: w, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Poll: 20 * time.Millisecond, MaxPause: 100 * time.Millisecond, Timeout: 5 * time.Second}
	if smtpURL != "" {
		var err error
		if s.SMTP, err = mail.ParseSMTPURL(smtpURL); err != nil {
			t.Fatal(err)
		}
		if s.From, err = mail.ParseFrom("Integrationsfonds Test <fonds@fund.example>"); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// run runs s until the test ends.
func run(t *testing.T, s *mail.Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

func queue(t *testing.T, w *commit.Writer, o *mail.Outbox, ms ...mail.Message) {
	t.Helper()
	if _, err := commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
		for _, m := range ms {
			if err := o.Queue(tx, m); err != nil {
				return 0, err
			}
		}
		return 0, nil
	}); err != nil {
		t.Fatal(err)
	}
}

type state struct {
	Sent, Failed int
	Attempts     int
}

func outboxState(t *testing.T, d *db.DB) state {
	t.Helper()
	var s state
	if err := d.QueryRowxContext(context.Background(), `SELECT
		COUNT(*) FILTER (WHERE sent_at IS NOT NULL), COUNT(*) FILTER (WHERE failed_at IS NOT NULL), COALESCE(SUM(attempts), 0)
		FROM mail_outbox`).Scan(&s.Sent, &s.Failed, &s.Attempts); err != nil {
		t.Fatal(err)
	}
	return s
}

// A mail reaches a real SMTP server with its subject, language, both parts
// and its attachment, and is marked sent.
func TestSenderSendsThroughSMTP(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		before := len(srv.Messages())
		m := reset("ada@example.org", "en")
		m.Attachments = []mail.Attachment{{Name: "note.txt", ContentType: "text/plain", Data: []byte("hello, attachment")}}
		queue(t, w, o, m)
		run(t, sender(t, d, w, srv.URL("", "")))
		msgs := srv.Wait(before+1, 30*time.Second)
		got := msgs[before]
		if got.Subject != "Integrationsfonds Test: reset your password" {
			t.Errorf("subject %q", got.Subject)
		}
		if got.Header.Get("Content-Language") != "en" || got.Header.Get("To") != `"Ada" <ada@example.org>` ||
			!strings.Contains(got.Header.Get("From"), "<fonds@fund.example>") || len(got.EnvelopeTo) != 1 || got.EnvelopeTo[0] != "ada@example.org" {
			t.Errorf("header %v, envelope %v", got.Header, got.EnvelopeTo)
		}
		if !strings.Contains(got.Text, "https://fund.example/password-reset/tok123") || strings.Contains(got.Text, "<") {
			t.Errorf("text part:\n%s", got.Text)
		}
		if !strings.Contains(got.HTML, `<a href="https://fund.example/password-reset/tok123"`) || !strings.Contains(got.HTML, `<html lang="en">`) {
			t.Errorf("HTML part:\n%s", got.HTML)
		}
		if len(got.Attachments) != 1 || got.Attachments[0].Name != "note.txt" || string(got.Attachments[0].Data) != "hello, attachment" {
			t.Errorf("attachments %+v", got.Attachments)
		}
		waitFor(t, func() bool { return outboxState(t, d).Sent == 1 })
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
