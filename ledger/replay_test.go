package ledger_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// An entry's idempotency record holds a reference to the entry, not its
// JSON: a repeat reads the entry back, and must answer with the same
// bytes as the first time, for every shape of entry.
func TestRepeatReadsTheEntryBack(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		keyed := func(key string) context.Context {
			return commit.WithKey(context.Background(), commit.Key{Scope: ledgertest.Treasurer.ID, Name: strings.ReplaceAll(key, " ", "-"), RequestHash: "h-" + key})
		}
		ledgertest.PostBank(t, s.Writer, "2026-03-01", "Spende", ledger.Bank, "500.00", ledger.Clearing, "-500.00")

		posts := map[string]func(ctx context.Context) (commit.Outcome[*ledger.Entry], error){
			"manual": func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
				return s.PostManual(ctx, ledgertest.Treasurer, ledgertest.Manual(`Umbuchung "Sprachcafé" <Kasse> & Zinsen`, ledger.Clearing, "10.01", ledger.Interest, "-10.01"))
			},
			"three lines": func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
				return s.PostManual(ctx, ledgertest.Treasurer, ledgertest.Manual("Aufteilung", ledger.Clearing, "0.01", ledger.Interest, "-7.00", ledger.BankFees, "6.99"))
			},
			"with a cause, a day and the bank": func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
				return commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*ledger.Entry, error) {
					return ledger.Post(tx, ledger.NewEntry{Kind: "bank", Memo: "Zinsgutschrift", Actor: ledgertest.Treasurer.ID,
						Ref: &ledger.Ref{Type: "bank_line", ID: "line-7"}, Date: "2026-02-27", FromBank: true,
						Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 123}, {Account: ledger.Interest, Amount: -123}}})
				})
			},
			"with an empty cause": func(ctx context.Context) (commit.Outcome[*ledger.Entry], error) {
				return commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*ledger.Entry, error) {
					return ledger.Post(tx, ledger.NewEntry{Kind: "manual", Memo: "ohne Anlass", Actor: ledgertest.Treasurer.ID, Ref: &ledger.Ref{},
						Postings: []ledger.NewPosting{{Account: ledger.Clearing, Amount: 5}, {Account: ledger.Interest, Amount: -5}}})
				})
			},
		}
		for name, post := range posts {
			t.Run(name, func(t *testing.T) {
				first, err := post(keyed(name))
				if err != nil || first.Replayed || first.Value == nil {
					t.Fatalf("first: %v %+v", err, first)
				}
				want := fmt.Sprintf("ledger.entry %d", first.Value.Seq)
				if status, body := storedRecord(t, d, strings.ReplaceAll(name, " ", "-")); status != 2 || body != want {
					t.Fatalf("stored %d %q, want 2 %q", status, body, want)
				}
				again, err := post(keyed(name))
				if err != nil || !again.Replayed || string(again.Body) != string(first.Body) {
					t.Fatalf("repeat: %v\n got %s\nwant %s", err, again.Body, first.Body)
				}
				if again.Value.Hash != first.Value.Hash || len(again.Value.Postings) != len(first.Value.Postings) {
					t.Fatalf("repeated value %+v, want %+v", again.Value, first.Value)
				}
				// The first answer is also what the entry reads as later.
				read, err := s.Entry(context.Background(), ledgertest.Treasurer, first.Value.ID)
				if err != nil {
					t.Fatal(err)
				}
				if b, _ := json.Marshal(read); string(b) != string(first.Body) {
					t.Fatalf("read back %s, answered %s", b, first.Body)
				}
			})
		}

		// A function may answer nothing (a nil entry): stored as null, as
		// before, with nothing to read back.
		t.Run("no entry", func(t *testing.T) {
			none := func() (commit.Outcome[*ledger.Entry], error) {
				return commit.Do(keyed("none"), s.Writer, func(*commit.Tx) (*ledger.Entry, error) { return nil, nil })
			}
			first, err := none()
			if err != nil || string(first.Body) != "null" {
				t.Fatalf("first: %v %+v", err, first)
			}
			if status, body := storedRecord(t, d, "none"); status != 0 || body != "null" {
				t.Fatalf("stored %d %q, want 0 null", status, body)
			}
			again, err := none()
			if err != nil || !again.Replayed || string(again.Body) != "null" || again.Value != nil {
				t.Fatalf("repeat: %v %+v", err, again)
			}
		})

		t.Run("reversal", func(t *testing.T) {
			e := ledgertest.Post(t, s, "falsch", ledger.Clearing, "2.00", ledger.Interest, "-2.00")
			reverse := func() (commit.Outcome[*ledger.Entry], error) {
				return s.Reverse(keyed("rev"), ledgertest.Treasurer, e.ID, ledger.Reversal{Reason: "doppelt"})
			}
			first, err := reverse()
			if err != nil {
				t.Fatal(err)
			}
			again, err := reverse()
			if err != nil || !again.Replayed || string(again.Body) != string(first.Body) || again.Value.Reverses != e.ID {
				t.Fatalf("repeat: %v\n got %s\nwant %s", err, again.Body, first.Body)
			}
		})

		// A reference that no longer resolves is the write path's fault, not
		// the caller's: an internal error, and nothing runs again.
		for name, planted := range map[string]string{
			"an entry that is not there": "ledger.entry 999999",
			"a kind nobody keeps":        "nobody.keeps 1",
			"no reference at all":        "ledger.entry",
		} {
			t.Run(name, func(t *testing.T) {
				key := "planted " + name
				if _, err := posts["manual"](keyed(key)); err != nil {
					t.Fatal(err)
				}
				ledgertest.Exec(t, s.Writer, `UPDATE idempotency_keys SET body = $1 WHERE key = $2`, []byte(planted), commit.KeyDigest(ledgertest.Treasurer.ID, strings.ReplaceAll(key, " ", "-")))
				before := ledgertest.Dump(t, d)
				if out, err := posts["manual"](keyed(key)); !errs.Is(errs.Internal, err) || out.Body != nil {
					t.Fatalf("repeat of %q: %v %+v", planted, err, out)
				}
				if ledgertest.Dump(t, d) != before {
					t.Fatal("a repeat that could not be answered changed the database")
				}
			})
		}
		ledgertest.Verify(t, d)
	})
}

func storedRecord(t *testing.T, d *db.DB, key string) (status int, body string) {
	t.Helper()
	var b []byte
	if err := d.QueryRow(d.Rebind(`SELECT status, body FROM idempotency_keys WHERE key = ?`), commit.KeyDigest(ledgertest.Treasurer.ID, key)).Scan(&status, &b); err != nil {
		t.Fatal(err)
	}
	return status, string(b)
}
