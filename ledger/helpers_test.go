package ledger_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// actor is a test user allowed the listed actions.
type actor struct {
	id      string
	actions []fundus.Action
}

func (a actor) ActorID() string                   { return a.id }
func (a actor) Allowed(action fundus.Action) bool { return slices.Contains(a.actions, action) }

var (
	treasurer = actor{"user-treasurer", []fundus.Action{fundus.ReadLedger, fundus.PostLedger, fundus.ExportLedger}}
	auditor   = actor{"user-auditor", []fundus.Action{fundus.ReadLedger, fundus.ExportLedger, fundus.VerifyLedger, fundus.ReadAudit}}
	applicant = actor{"user-applicant", nil}
)

// failer is what both *testing.T and *rapid.T offer.
type failer interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

const maxAmount = 100000000 // 1,000,000.00 EUR

func mustService(t testing.TB, d *db.DB) *ledger.Service {
	t.Helper()
	// A clock that moves one second per call, so entry times differ.
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	w := ledgertest.Writer(t, d, func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	})
	t.Cleanup(w.Close)
	return &ledger.Service{DB: d, Writer: w, MaxAmount: maxAmount}
}

// manual builds a manual entry from account/amount pairs.
func manual(memo string, pairs ...string) ledger.ManualEntry {
	in := ledger.ManualEntry{Memo: memo}
	for i := 0; i+1 < len(pairs); i += 2 {
		in.Postings = append(in.Postings, ledger.ManualPosting{Account: pairs[i], Amount: fundus.Amount(pairs[i+1])})
	}
	return in
}

func mustPost(t testing.TB, s *ledger.Service, memo string, pairs ...string) *ledger.Entry {
	t.Helper()
	e, err := ledgertest.Value(s.PostManual(context.Background(), treasurer, manual(memo, pairs...)))
	if err != nil {
		t.Fatalf("post %q: %v", memo, err)
	}
	return e
}

// mustVerify fails t unless the ledger verifies.
func mustVerify(t testing.TB, d *db.DB) *ledger.VerifyResult {
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

// dumpTables renders every row of the tables a money operation may touch,
// so that a test can check that a refused operation changed nothing.
func dumpTables(t failer, d *db.DB) string {
	t.Helper()
	return dbtest.Dump(t, d, "accounts", "ledger_head", "entries", "postings", "idempotency_keys", "audit_log")
}

// dropAppendOnlyTriggers removes the triggers, as someone tampering with
// the database would.
func dropAppendOnlyTriggers(t testing.TB, d *db.DB) {
	t.Helper()
	stmts := []string{
		"DROP TRIGGER entries_append_only_update", "DROP TRIGGER entries_append_only_delete",
		"DROP TRIGGER postings_append_only_update", "DROP TRIGGER postings_append_only_delete",
	}
	if d.Engine == db.Postgres {
		stmts = []string{"DROP TRIGGER entries_append_only ON entries", "DROP TRIGGER postings_append_only ON postings"}
	}
	for _, s := range stmts {
		if _, err := dbtest.Raw(t, d).Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func balances(t failer, s *ledger.Service) map[string]int64 {
	t.Helper()
	accts, err := s.Accounts(context.Background(), auditor)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, a := range accts {
		out[a.Code] = a.Balance.Minor
	}
	return out
}

func available(b map[string]int64) int64 {
	return b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable]
}
