package mail_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger/ledgertest"
	"fundus/mail"
)

func mustOutbox(t *testing.T) *mail.Outbox {
	t.Helper()
	o, err := mail.NewOutbox("https://fund.example/", "Integrationsfonds Test")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

type outboxRow struct {
	Kind, Lang, To, Subject, Text, HTML string
}

func outboxRows(t *testing.T, d *db.DB) []outboxRow {
	t.Helper()
	var rows []outboxRow
	if err := d.SelectContext(context.Background(), &rows,
		`SELECT kind AS "kind", lang AS "lang", to_address AS "to", subject AS "subject", body_text AS "text", body_html AS "html" FROM mail_outbox ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	return rows
}

func reset(to, lang string) mail.Message {
	return mail.Message{To: to, Name: "Ada", Lang: lang, Kind: mail.PasswordReset,
		Data: map[string]any{"Path": "/password-reset/tok123", "Expires": time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}}
}

// A mail is queued with the change that causes it: a change that fails
// after queueing leaves no mail, one that commits leaves its mail, rendered
// in the recipient's language.
func TestQueueCommitsWithItsChange(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		boom := errors.New("the change fails")
		_, err := commit.Do(ctx, w, func(tx *commit.Tx) (int, error) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('u1', 'a@example.org', 'Ada', 'x', $1)`, db.Now()); err != nil {
				return 0, err
			}
			if err := o.Queue(tx, reset("a@example.org", "en")); err != nil {
				return 0, err
			}
			return 0, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if rows := outboxRows(t, d); len(rows) != 0 {
			t.Fatalf("a rolled-back change queued %d mails", len(rows))
		}
		for _, lang := range []string{"en", "de", "fr"} {
			if _, err := commit.Do(ctx, w, func(tx *commit.Tx) (int, error) {
				return 0, o.Queue(tx, reset("a@example.org", lang))
			}); err != nil {
				t.Fatal(err)
			}
		}
		rows := outboxRows(t, d)
		if len(rows) != 3 {
			t.Fatalf("%d mails queued, want 3", len(rows))
		}
		en, de, fr := rows[0], rows[1], rows[2]
		if en.Lang != "en" || !strings.Contains(en.Subject, "reset your password") || !strings.Contains(en.Text, "https://fund.example/password-reset/tok123") ||
			!strings.Contains(en.HTML, `href="https://fund.example/password-reset/tok123"`) || !strings.Contains(en.Text, "Hello Ada,") {
			t.Errorf("English mail: %+v", en)
		}
		if de.Lang != "de" || !strings.Contains(de.Subject, "Passwort zurücksetzen") || !strings.Contains(de.Text, "01.05.2026, 12:00 Uhr") {
			t.Errorf("German mail: %+v", de)
		}
		if fr.Lang != "de" {
			t.Errorf("a language mails are not written in falls back to German, got %q", fr.Lang)
		}
	})
}

func TestQueueRefusesWhatItCannotSend(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		for _, c := range []struct {
			name string
			m    mail.Message
			kind errs.Kind
		}{
			{"NotAnAddress", reset("Ada <a@example.org>", "en"), errs.Invalid},
			{"Empty", reset("", "en"), errs.Invalid},
			{"UnknownKind", mail.Message{To: "a@example.org", Kind: "no_such_kind"}, errs.Internal},
			{"DataMissing", mail.Message{To: "a@example.org", Kind: mail.PasswordReset, Data: map[string]any{"Path": "/x"}}, errs.Internal},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := commit.Do(ctx, w, func(tx *commit.Tx) (int, error) { return 0, o.Queue(tx, c.m) })
				if !errs.Is(c.kind, err) {
					t.Fatalf("err = %v, want kind %v", err, c.kind)
				}
			})
		}
		if rows := outboxRows(t, d); len(rows) != 0 {
			t.Fatalf("%d mails queued", len(rows))
		}
	})
}

// Functions sharing a batch of the write path: those that queue a mail and
// then fail (having written, so the batch runs again with each in a
// savepoint) leave no mail; the others' mails stay, each once.
func TestQueueInASharedBatch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := ledgertest.Writer(t, d, nil)
		o := mustOutbox(t)
		const n = 60
		errc := make(chan error, n)
		for i := range n {
			go func() {
				_, err := commit.Do(ctx, w, func(tx *commit.Tx) (int, error) {
					if err := o.Queue(tx, reset(fmt.Sprintf("u%02d@example.org", i), "en")); err != nil {
						return 0, err
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'x', 'x', $3)`,
						fmt.Sprint("u", i), fmt.Sprintf("u%02d@example.org", i), db.Now()); err != nil {
						return 0, err
					}
					if i%2 == 1 {
						return 0, errs.E(errs.InvalidState, "refused after queueing")
					}
					return 0, nil
				})
				errc <- err
			}()
		}
		for range n {
			<-errc
		}
		rows := outboxRows(t, d)
		if len(rows) != n/2 {
			t.Fatalf("%d mails, want %d", len(rows), n/2)
		}
		seen := map[string]bool{}
		for _, r := range rows {
			var i int
			fmt.Sscanf(r.To, "u%02d@", &i)
			if i%2 == 1 || seen[r.To] {
				t.Fatalf("mail to %s (a failed function's, or twice)", r.To)
			}
			seen[r.To] = true
		}
	})
}
