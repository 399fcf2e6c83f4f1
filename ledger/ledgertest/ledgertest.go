// Package ledgertest holds what tests of several packages need of the
// write path and the ledger: a write path started as the server starts it,
// a ledger service on it, test actors, and short ways to post and verify.
package ledgertest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"fundus"

	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// Value is the value of an outcome, for tests that need no more of it:
// v, err := ledgertest.Value(s.Confirm(...)).
func Value[T any](out commit.Outcome[T], err error) (T, error) { return out.Value, err }

// Writer starts the write path of d as the server does (the ledger and the
// audit trail take part), closed when the test ends. now is the clock
// (nil: time.Now).
func Writer(t testing.TB, d *db.DB, now func() time.Time) *commit.Writer {
	t.Helper()
	w, err := commit.NewWriter(d, now, ledger.Book, audit.Trail)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// Exec runs a statement through the write path w, for tests that seed rows
// no domain function writes (users without passwords, say).
func Exec(t testing.TB, w *commit.Writer, q string, args ...any) {
	t.Helper()
	_, err := commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
		_, err := tx.ExecContext(tx.Context(), q, args...)
		return 0, err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Actor is a test user allowed the listed actions.
type Actor struct {
	ID      string
	Actions []fundus.Action
}

func (a Actor) ActorID() string                   { return a.ID }
func (a Actor) Allowed(action fundus.Action) bool { return slices.Contains(a.Actions, action) }

// The actors of the ledger's tests.
var (
	Treasurer = Actor{"user-treasurer", []fundus.Action{fundus.ReadLedger, fundus.PostLedger, fundus.ExportLedger}}
	Auditor   = Actor{"user-auditor", []fundus.Action{fundus.ReadLedger, fundus.ExportLedger, fundus.VerifyLedger, fundus.ReadAudit}}
)

// MaxAmount is the largest amount of Service, in cents (1,000,000.00 EUR).
const MaxAmount = 100000000

// Service returns a ledger service on a write path of its own (Writer)
// whose clock moves one second per call, so that entry times differ.
func Service(t testing.TB, d *db.DB) *ledger.Service {
	t.Helper()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	w := Writer(t, d, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
	return &ledger.Service{DB: d, Writer: w, MaxAmount: MaxAmount}
}

// Manual builds a manual entry from account/amount pairs.
func Manual(memo string, pairs ...string) ledger.ManualEntry {
	in := ledger.ManualEntry{Memo: memo}
	for i := 0; i+1 < len(pairs); i += 2 {
		in.Postings = append(in.Postings, ledger.ManualPosting{Account: pairs[i], Amount: fundus.Amount(pairs[i+1])})
	}
	return in
}

// Post posts a manual entry as Treasurer, or fails t.
func Post(t testing.TB, s *ledger.Service, memo string, pairs ...string) *ledger.Entry {
	t.Helper()
	e, err := Value(s.PostManual(context.Background(), Treasurer, Manual(memo, pairs...)))
	if err != nil {
		t.Fatalf("post %q: %v", memo, err)
	}
	return e
}

// PostBank posts, as Treasurer, an entry of account/amount pairs that
// records a bank line (ledger.NewEntry.FromBank), the only kind of entry
// that may post to assets:bank: for tests of what follows a bank line's
// money, not of the bank loop itself (package bank books real lines), or
// fails t. The entry's kind is "bank", its date date ("": today).
func PostBank(t testing.TB, w *commit.Writer, date, memo string, pairs ...string) *ledger.Entry {
	t.Helper()
	ne := ledger.NewEntry{Kind: "bank", Memo: memo, Actor: Treasurer.ID, Date: date, FromBank: true}
	for _, p := range Manual(memo, pairs...).Postings {
		minor, err := fundus.ParseAmount("amount", p.Amount, fundus.EUR, fundus.NonZero, MaxAmount)
		if err != nil {
			t.Fatalf("post %q: %v", memo, err)
		}
		ne.Postings = append(ne.Postings, ledger.NewPosting{Account: p.Account, Amount: minor})
	}
	e, err := Value(commit.Do(context.Background(), w, func(tx *commit.Tx) (*ledger.Entry, error) { return ledger.Post(tx, ne) }))
	if err != nil {
		t.Fatalf("post %q: %v", memo, err)
	}
	return e
}

// Verify fails t unless the ledger of d verifies.
func Verify(t testing.TB, d *db.DB) *ledger.VerifyResult {
	t.Helper()
	r, err := ledger.VerifyDB(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK {
		t.Fatalf("verification failed: %+v %+v", r, r.FirstBadEntry)
	}
	return r
}

// Failer is what both *testing.T and *rapid.T offer.
type Failer interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// Balances returns every account's stored balance, in cents.
func Balances(t Failer, s *ledger.Service) map[string]int64 {
	t.Helper()
	accts, err := s.Accounts(context.Background(), Auditor)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, a := range accts {
		out[a.Code] = a.Balance.Minor
	}
	return out
}

// Dump renders every row of the tables a money operation may touch, so
// that a test can check that a refused operation changed nothing.
func Dump(t Failer, d *db.DB) string {
	t.Helper()
	return dbtest.Dump(t, d, "accounts", "ledger_head", "entries", "postings", "idempotency_keys", "audit_log")
}
