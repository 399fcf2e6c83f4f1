package mail_test

import (
	"context"
	"fmt"
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
		if !strings.Contains(got.HTML, `<a href="https://fund.example/password-reset/tok123"`) || !strings.Contains(got.HTML, `<html lang="en" dir="ltr">`) {
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

// With the SMTP server down, mails wait in the outbox and are tried again
// with growing pauses; once it is back, every one is sent, none twice.
func TestSenderLosesNothingWhileTheServerIsDown(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		before := len(srv.Messages())
		run(t, sender(t, d, w, srv.URL("", "")))
		queue(t, w, o, reset("first@example.org", "en"))
		srv.Wait(before+1, 30*time.Second)
		waitFor(t, func() bool { return outboxState(t, d).Sent == 1 })

		srv.Stop()
		queue(t, w, o, reset("second@example.org", "de"), reset("third@example.org", "en"))
		// Each is tried, fails, and is tried again.
		waitFor(t, func() bool { return outboxState(t, d).Attempts >= 1+2*3 })
		if st := outboxState(t, d); st.Sent != 1 || st.Failed != 0 {
			t.Fatalf("while the server is down: %+v", st)
		}
		var lastError string
		if err := d.GetContext(context.Background(), &lastError, `SELECT last_error FROM mail_outbox WHERE to_address = 'second@example.org'`); err != nil || lastError == "" {
			t.Fatalf("no error recorded: %q %v", lastError, err)
		}

		srv.Start()
		msgs := srv.Wait(before+3, 30*time.Second)
		waitFor(t, func() bool { return outboxState(t, d).Sent == 3 })
		to := map[string]int{}
		for _, m := range srv.Messages()[before:] {
			to[m.EnvelopeTo[0]]++
		}
		if len(msgs) != before+3 || to["first@example.org"] != 1 || to["second@example.org"] != 1 || to["third@example.org"] != 1 {
			t.Fatalf("received %v", to)
		}
	})
}

// Two Fundus instances on one database (each its own pool and write path)
// send each mail of their shared outbox once.
func TestTwoInstancesSendEachMailOnce(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		u := dbtest.URL(t, e)
		open := func() (*db.DB, *commit.Writer) {
			d, err := db.Open(context.Background(), u, db.Options{MaxReadConns: 4})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			if err := d.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return d, ledgertest.Writer(t, d, nil)
		}
		d1, w1 := open()
		d2, w2 := open()
		o := mustOutbox(t)
		before := len(srv.Messages())
		const n = 40
		var ms []mail.Message
		for i := range n {
			ms = append(ms, reset(fmt.Sprintf("p%02d@example.org", i), "de"))
		}
		queue(t, w1, o, ms[:n/2]...)
		queue(t, w2, o, ms[n/2:]...)
		a, b := sender(t, d1, w1, srv.URL("", "")), sender(t, d2, w2, srv.URL("", ""))
		a.Batch, b.Batch = 3, 3
		run(t, a)
		run(t, b)
		srv.Wait(before+n, 60*time.Second)
		waitFor(t, func() bool { return outboxState(t, d1).Sent == n })
		seen := map[string]int{}
		for _, m := range srv.Messages()[before:] {
			seen[m.EnvelopeTo[0]]++
		}
		for addr, k := range seen {
			if k != 1 {
				t.Errorf("%s received %d times", addr, k)
			}
		}
		if len(seen) != n {
			t.Errorf("%d recipients, want %d", len(seen), n)
		}
		var senders int
		if err := d1.GetContext(context.Background(), &senders, `SELECT COUNT(*) FROM mail_outbox WHERE claimed_by <> ''`); err != nil || senders != 0 {
			t.Errorf("%d mails still claimed (%v)", senders, err)
		}
	})
}

// A mail the server refuses for good is given up after GiveUpAfter tries;
// the others are sent.
func TestSenderGivesUpWhatTheServerRefuses(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{Reject: "nobody@example.org"})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		before := len(srv.Messages())
		queue(t, w, o, reset("nobody@example.org", "en"), reset("somebody@example.org", "en"))
		s := sender(t, d, w, srv.URL("", ""))
		s.GiveUpAfter = 2
		run(t, s)
		waitFor(t, func() bool { st := outboxState(t, d); return st.Sent == 1 && st.Failed == 1 })
		var attempts int
		if err := d.GetContext(context.Background(), &attempts, `SELECT attempts FROM mail_outbox WHERE to_address = 'nobody@example.org'`); err != nil || attempts != 2 {
			t.Fatalf("attempts %d %v", attempts, err)
		}
		if msgs := srv.Messages()[before:]; len(msgs) != 1 || msgs[0].EnvelopeTo[0] != "somebody@example.org" {
			t.Fatalf("received %d", len(msgs))
		}
	})
}

// With credentials, STARTTLS is required: the mail goes to a server that
// offers it, signed in; to a server that does not, the credentials are
// never sent and the mail waits.
func TestSenderRequiresTLSWithCredentials(t *testing.T) {
	tlsSrv := mailtest.Start(t, mailtest.Options{TLS: true, User: "fund", Password: "s3cret"})
	plain := mailtest.Start(t, mailtest.Options{})
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	o := mustOutbox(t)

	s := sender(t, d, w, tlsSrv.URL("fund", "s3cret"))
	s.TLSConfig = tlsSrv.TLSConfig()
	queue(t, w, o, reset("tls@example.org", "en"))
	if n, err := s.SendDue(context.Background()); err != nil || n != 1 {
		t.Fatalf("SendDue = %d, %v", n, err)
	}
	if msgs := tlsSrv.Messages(); len(msgs) != 1 || msgs[0].EnvelopeTo[0] != "tls@example.org" {
		t.Fatalf("the TLS server received %d", len(msgs))
	}

	wrong := sender(t, d, w, tlsSrv.URL("fund", "wrong"))
	wrong.Timeout = time.Second // the server answers a wrong password slowly
	wrong.TLSConfig = tlsSrv.TLSConfig()
	queue(t, w, o, reset("wrongpass@example.org", "en"))
	if _, err := wrong.SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(tlsSrv.Messages()) != 1 {
		t.Fatal("sent with a wrong password")
	}

	d2 := dbtest.Open(t, db.SQLite)
	w2 := ledgertest.Writer(t, d2, nil)
	queue(t, w2, o, reset("plain@example.org", "en"))
	if _, err := sender(t, d2, w2, plain.URL("fund", "s3cret")).SendDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(plain.Messages()) != 0 {
		t.Fatal("credentials were sent without TLS")
	}
	var lastError string
	if err := d2.GetContext(context.Background(), &lastError, `SELECT last_error FROM mail_outbox`); err != nil || !strings.Contains(strings.ToLower(lastError), "tls") {
		t.Fatalf("last error %q, %v", lastError, err)
	}
}

// Without an SMTP server, mails are written to the log and kept unsent.
func TestSenderWithoutServerLogsAndKeeps(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	o := mustOutbox(t)
	var buf syncBuffer
	s := sender(t, d, w, "")
	s.Log = slog.New(slog.NewTextHandler(&buf, nil))
	run(t, s)
	waitFor(t, func() bool { return strings.Contains(buf.String(), "no FUNDUS_SMTP_URL") })
	queue(t, w, o, reset("dev@example.org", "en"))
	waitFor(t, func() bool { return strings.Contains(buf.String(), "https://fund.example/password-reset/tok123") })
	if st := outboxState(t, d); st.Sent != 0 || st.Attempts != 0 {
		t.Fatalf("outbox %+v", st)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPauseGrowsToItsLimit(t *testing.T) {
	var got []time.Duration
	for n := 1; n <= 8; n++ {
		got = append(got, mail.Pause(n, 30*time.Second))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30, 30}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("pauses %v", got)
		}
	}
}

// A mail that carries a one-time link (a password reset, an address
// confirmation) keeps it in the outbox only until it is sent: the token
// is stored elsewhere only as its hash, and a copy of the database (a
// backup) must not open an account. Other mails stay as they were sent.
func TestSentLinkLeavesTheOutbox(t *testing.T) {
	srv := mailtest.Start(t, mailtest.Options{})
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		before := len(srv.Messages())
		confirm := reset("bea@example.org", "de")
		confirm.Kind = mail.ConfirmAddress
		confirm.Data["Path"] = "/confirm-address/tok456"
		queue(t, w, o, reset("ada@example.org", "en"), confirm)
		run(t, sender(t, d, w, srv.URL("", "")))
		msgs := srv.Wait(before+2, 30*time.Second)
		if !strings.Contains(msgs[before].Text+msgs[before+1].Text, "tok123") {
			t.Fatal("the link did not reach the recipient")
		}
		waitFor(t, func() bool { return outboxState(t, d).Sent == 2 })
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM mail_outbox WHERE body_text LIKE '%tok%' OR body_html LIKE '%tok%'`); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d sent mails still hold their one-time link in the outbox", n)
		}
	})
}
