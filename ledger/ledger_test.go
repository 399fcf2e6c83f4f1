package ledger_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

func TestPostAndReverse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := mustService(t, d)
		e1 := mustPost(t, s, "Opening balance", ledger.Bank, "100.00", ledger.OpeningBalance, "-100.00")
		e2 := mustPost(t, s, "Bank fee", ledger.BankFees, "2.50", ledger.Bank, "-2.50")
		if e1.Seq != 1 || e2.Seq != 2 || e1.PrevHash != ledger.GenesisHash || e2.PrevHash != e1.Hash {
			t.Fatalf("chain: %d %s / %d %s", e1.Seq, e1.PrevHash, e2.Seq, e2.PrevHash)
		}
		if e2.Actor != treasurer.id || e2.Kind != ledger.KindManual {
			t.Fatalf("entry: %+v", e2)
		}
		b := balances(t, s)
		if b[ledger.Bank] != 9750 || b[ledger.OpeningBalance] != -10000 || b[ledger.BankFees] != 250 {
			t.Fatalf("balances %v", b)
		}

		rev, err := ledgertest.Value(s.Reverse(ctx, treasurer, e2.ID, ledger.Reversal{Reason: "fee refunded by the bank"}))
		if err != nil {
			t.Fatal(err)
		}
		if rev.Reverses != e2.ID || rev.Postings[0].Amount.Minor != -250 || !strings.Contains(rev.Memo, "fee refunded") {
			t.Fatalf("reversal %+v", rev)
		}
		if b := balances(t, s); b[ledger.Bank] != 10000 || b[ledger.BankFees] != 0 {
			t.Fatalf("balances after reversal %v", b)
		}
		t.Run("ErrReversedTwice", func(t *testing.T) {
			_, err := s.Reverse(ctx, treasurer, e2.ID, ledger.Reversal{Reason: "again"})
			if !errs.Is(errs.InvalidState, err) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrReverseAReversal", func(t *testing.T) {
			_, err := s.Reverse(ctx, treasurer, rev.ID, ledger.Reversal{Reason: "undo"})
			if !errs.Is(errs.InvalidState, err) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			if _, err := s.Reverse(ctx, treasurer, "no-such-entry", ledger.Reversal{Reason: "x"}); !errs.Is(errs.NotFound, err) {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			if _, err := s.PostManual(ctx, auditor, manual("x", ledger.Bank, "1", ledger.Donations, "-1")); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("auditor posting: %v", err)
			}
			if _, err := s.Accounts(ctx, applicant); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("applicant reading: %v", err)
			}
			if _, err := s.Accounts(ctx, nil); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("nobody reading: %v", err)
			}
		})

		tb, err := s.TrialBalance(ctx, auditor, "")
		if err != nil {
			t.Fatal(err)
		}
		if tb.TotalDebit.Minor != tb.TotalCredit.Minor || tb.TotalDebit.Minor != 10000 {
			t.Fatalf("trial balance %+v", tb)
		}
		// As it stood at the end of the first entry's day.
		tb, err = s.TrialBalance(ctx, auditor, e1.Date)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range tb.Items {
			want := map[string]int64{ledger.Bank: 10000, ledger.OpeningBalance: -10000}[l.Code]
			if l.Balance.Minor != want {
				t.Errorf("at %v: %s = %d, want %d", e1.Time, l.Code, l.Balance.Minor, want)
			}
		}
		if tb.TotalDebit.Minor != 10000 || tb.TotalCredit.Minor != 10000 {
			t.Errorf("trial balance at the first entry: %+v", tb)
		}
		mustVerify(t, d)

		recs, _, err := (&audit.Service{DB: s.DB}).List(ctx, auditor, audit.Filter{ObjectID: e2.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Action != "ledger.entry.post" || recs[1].Action != "ledger.entry.reverse" || recs[1].Actor != treasurer.id {
			t.Fatalf("audit %+v", recs)
		}
	})
}

func TestManualEntryValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		for name, c := range map[string]struct {
			in     ledger.ManualEntry
			fields string
		}{
			"no memo":         {manual("", ledger.Bank, "1", ledger.Donations, "-1"), "memo"},
			"memo newline":    {manual("a\nb", ledger.Bank, "1", ledger.Donations, "-1"), "memo"},
			"one posting":     {manual("x", ledger.Bank, "1"), "postings"},
			"unbalanced":      {manual("x", ledger.Bank, "1.00", ledger.Donations, "-0.99"), "postings"},
			"unknown account": {manual("x", "assets:cash", "1", ledger.Donations, "-1"), "postings[0].account"},
			"bad amount":      {manual("x", ledger.Bank, "1.005", ledger.Donations, "-1.005"), "postings[0].amount,postings[1].amount"},
			"zero":            {manual("x", ledger.Bank, "0", ledger.Donations, "0"), "postings[0].amount,postings[1].amount"},
			"above ceiling":   {manual("x", ledger.Bank, "1000000.01", ledger.Donations, "-1000000.01"), "postings[0].amount,postings[1].amount"},
		} {
			t.Run(name, func(t *testing.T) {
				before := dumpTables(t, d)
				_, err := s.PostManual(context.Background(), treasurer, c.in)
				if !errs.Is(errs.Invalid, err) {
					t.Fatalf("err = %v, want Invalid", err)
				}
				var got []string
				for _, f := range errs.FieldsOf(err) {
					got = append(got, f.Field)
				}
				if strings.Join(got, ",") != c.fields {
					t.Fatalf("fields %v, want %s", got, c.fields)
				}
				if dumpTables(t, d) != before {
					t.Fatal("a refused entry changed the database")
				}
			})
		}
	})
}

func TestAvailableMoneyRule(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := mustService(t, d)
		mustPost(t, s, "donation", ledger.Bank, "50.00", ledger.Donations, "-50.00")
		mustPost(t, s, "grant approved", ledger.GrantsExpense, "30.00", ledger.GrantsPayable, "-30.00")
		before := dumpTables(t, d)
		_, err := s.PostManual(ctx, treasurer, manual("grant approved", ledger.GrantsExpense, "20.01", ledger.GrantsPayable, "-20.01"))
		if !errs.Is(errs.InsufficientFunds, err) {
			t.Fatalf("err = %v, want InsufficientFunds", err)
		}
		if dumpTables(t, d) != before {
			t.Fatal("the refused entry changed the database")
		}
		// Paying out what is owed does not change available money.
		mustPost(t, s, "payout", ledger.GrantsPayable, "30.00", ledger.Bank, "-30.00")
		mustPost(t, s, "grant approved", ledger.GrantsExpense, "20.00", ledger.GrantsPayable, "-20.00")
		if a := available(balances(t, s)); a != 0 {
			t.Fatalf("available %d, want 0", a)
		}
		mustVerify(t, d)
	})
}

func TestAppendOnly(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		e := mustPost(t, s, "x", ledger.Bank, "1.00", ledger.Donations, "-1.00")
		for _, stmt := range []string{
			"UPDATE entries SET memo = 'changed'",
			"DELETE FROM entries",
			"UPDATE postings SET amount = 100",
			"DELETE FROM postings",
		} {
			if _, err := dbtest.Raw(t, d).Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only trigger", stmt, err)
			}
		}
		if d.Engine == db.Postgres {
			if _, err := dbtest.Raw(t, d).Exec("TRUNCATE postings, entries CASCADE"); err == nil {
				t.Error("TRUNCATE was allowed")
			}
		}
		got, err := s.Entry(context.Background(), auditor, e.ID)
		if err != nil || got.Memo != "x" || len(got.Postings) != 2 {
			t.Fatalf("entry after the attempts: %+v, %v", got, err)
		}
	})
}

func TestTamperingIsFound(t *testing.T) {
	type tamper struct {
		stmt    string // %s: the id of entry 3
		badSeq  int64
		account string
		words   string
	}
	for name, c := range map[string]tamper{
		"posting amount":  {"UPDATE postings SET amount = amount * 2 WHERE entry_id = '%s'", 3, "", "hash does not match"},
		"memo":            {"UPDATE entries SET memo = 'innocent' WHERE id = '%s'", 3, "", "hash does not match"},
		"deleted entry":   {"DELETE FROM postings WHERE entry_id = '%[1]s'; DELETE FROM entries WHERE id = '%[1]s'", 3, "", "missing"},
		"stored balance":  {"UPDATE accounts SET balance = balance + 1 WHERE code = 'assets:bank'", 0, "assets:bank", "stored balance"},
		"relinked chain":  {"UPDATE entries SET prev_hash = '%s' WHERE seq = 4", 4, "", "chain link"},
		"entries swapped": {"UPDATE entries SET seq = 100 WHERE seq = 3; UPDATE entries SET seq = 3 WHERE seq = 4; UPDATE entries SET seq = 4 WHERE seq = 100", 3, "", "chain link"},
	} {
		t.Run(name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				s := mustService(t, d)
				var ids []string
				for i := 0; i < 5; i++ {
					ids = append(ids, mustPost(t, s, "donation", ledger.Bank, "10.00", ledger.Donations, "-10.00").ID)
				}
				mustVerify(t, d)
				dropAppendOnlyTriggers(t, d)
				for _, stmt := range strings.Split(strings.ReplaceAll(c.stmt, "%[1]s", "%s"), "; ") {
					if strings.Contains(stmt, "%s") {
						stmt = strings.ReplaceAll(stmt, "%s", ids[2])
					}
					if _, err := dbtest.Raw(t, d).Exec(stmt); err != nil {
						t.Fatal(err)
					}
				}
				r, err := ledger.VerifyDB(context.Background(), d)
				if err != nil {
					t.Fatal(err)
				}
				if r.OK || !strings.Contains(r.Problem, c.words) || r.Account != c.account {
					t.Fatalf("result %+v, want a failure about %q", r, c.words)
				}
				if c.badSeq != 0 && (r.FirstBadEntry == nil || r.FirstBadEntry.Seq != c.badSeq) {
					t.Fatalf("first bad entry %+v, want seq %d", r.FirstBadEntry, c.badSeq)
				}
			})
		})
	}
}

func TestIdempotency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		in := manual("donation", ledger.Bank, "10.00", ledger.Donations, "-10.00")
		keyed := func(key, hash string) context.Context {
			return commit.WithKey(context.Background(), commit.Key{Scope: treasurer.id, Name: key, RequestHash: hash})
		}

		first, err := s.PostManual(keyed("k1", "h1"), treasurer, in)
		if err != nil || first.Replayed || len(first.Body) == 0 || first.Value == nil {
			t.Fatalf("first: %v %+v", err, first)
		}
		again, err := s.PostManual(keyed("k1", "h1"), treasurer, in)
		if err != nil || !again.Replayed || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: %v %+v", err, again)
		}
		// The repeat's value is the first result, read back from the stored body.
		if again.Value == nil || again.Value.ID != first.Value.ID || again.Value.Hash != first.Value.Hash ||
			again.Value.Postings[0].Amount != first.Value.Postings[0].Amount {
			t.Fatalf("replayed value %+v, want %+v", again.Value, first.Value)
		}
		if b := balances(t, s); b[ledger.Bank] != 1000 {
			t.Fatalf("the replay posted again: %v", b)
		}
		if !strings.Contains(string(first.Body), first.Value.ID) {
			t.Fatalf("stored body %s lacks the entry", first.Body)
		}

		before := dumpTables(t, d)
		// The batch ran the call once before finding the key stored; the
		// response of that run was rolled back and must not be shown.
		if reused, err := s.PostManual(keyed("k1", "other body"), treasurer, in); !errs.Is(errs.IdempotencyKeyReused, err) || reused.Replayed || reused.Body != nil {
			t.Fatalf("reused key: %v %+v", err, reused)
		}
		if dumpTables(t, d) != before {
			t.Fatal("a reused key changed the database")
		}

		// Another caller's key of the same name is another key.
		other := commit.WithKey(context.Background(), commit.Key{Scope: "someone-else", Name: "k1", RequestHash: "h1"})
		if out, err := s.PostManual(other, treasurer, in); err != nil || out.Replayed {
			t.Fatalf("other scope: %v %+v", err, out)
		}

		// A refusal in the write path is stored: the repeat is refused alike.
		unbalanced := manual("x", ledger.Bank, "1", ledger.Donations, "-2")
		if _, err := s.PostManual(keyed("k2", "h2"), treasurer, unbalanced); !errs.Is(errs.Invalid, err) {
			t.Fatal(err)
		}
		if out, err := s.PostManual(keyed("k2", "h2"), treasurer, unbalanced); !errs.Is(errs.Invalid, err) || !out.Replayed {
			t.Fatalf("the repeat of a refusal: %v %+v", err, out)
		}

		// A refusal's code is stored with it: the repeat says the same.
		refuse := func(tx *commit.Tx) (string, error) {
			return "", errs.E(errs.InvalidState, errs.Code("already_done"), "done already")
		}
		for run := 1; run <= 2; run++ {
			out, err := commit.Do(keyed("k4", "h4"), s.Writer, refuse)
			if errs.CodeOf(err) != "already_done" || !errs.Is(errs.InvalidState, err) || out.Replayed != (run == 2) {
				t.Fatalf("run %d: code %q of %v, %+v", run, errs.CodeOf(err), err, out)
			}
		}

		// While the first request with a key runs, the same key is refused.
		release := make(chan struct{})
		started := make(chan struct{})
		done := make(chan commit.Outcome[string])
		go func() {
			out, err := commit.Do(keyed("k3", "h3"), s.Writer, func(tx *commit.Tx) (string, error) {
				close(started)
				<-release
				return "ok", nil
			})
			if err != nil {
				t.Error(err)
			}
			done <- out
		}()
		<-started
		if _, err := s.PostManual(keyed("k3", "h3"), treasurer, in); !errs.Is(errs.IdempotencyInProgress, err) {
			t.Fatalf("in flight: %v", err)
		}
		close(release)
		if out := <-done; out.Value != "ok" || string(out.Body) != `"ok"` {
			t.Fatalf("the first: %+v", out)
		}
		mustVerify(t, d)
	})
}

func TestWriterIsolatesFailures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := context.Background()
		// A panicking function fails alone.
		_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
			if _, err := ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "x", Actor: "a", Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 5}, {Account: ledger.Donations, Amount: -5}}}); err != nil {
				return 0, err
			}
			panic("boom")
		})
		if !errs.Is(errs.Internal, err) {
			t.Fatalf("panic: %v", err)
		}
		e := mustPost(t, s, "after", ledger.Bank, "1.00", ledger.Donations, "-1.00")
		if e.Seq != 1 {
			t.Fatalf("the panicking function's entry survived: seq %d", e.Seq)
		}
		mustVerify(t, d)
	})
}

// TestFailedStatementFailsOnlyItsCall has one call run a statement that
// fails and carry on as if it had not; on PostgreSQL that would abort the
// shared transaction. The call must fail alone, the others commit.
func TestFailedStatementFailsOnlyItsCall(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := context.Background()
		var wg sync.WaitGroup
		errc := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%4 == 0 {
					_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
						tx.ExecContext(tx.Context(), "INSERT INTO no_such_table VALUES (1)") // error ignored on purpose
						return 1, nil
					})
					if !errs.Is(errs.Internal, err) {
						errc <- fmt.Errorf("the careless call: %v", err)
					}
					return
				}
				if _, err := s.PostManual(ctx, treasurer, manual("donation", ledger.Bank, "1.00", ledger.Donations, "-1.00")); err != nil {
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		if r := mustVerify(t, d); r.EntriesChecked != 30 {
			t.Fatalf("%d entries, want 30", r.EntriesChecked)
		}
	})
}

// TestWriteThenFailIsUndoneAlone has calls write a row of their own and
// post, and every fourth write and then refuse: calls run without
// savepoints, so such a batch runs again with them. Exactly the rows and
// entries of the calls that succeeded are there.
func TestWriteThenFailIsUndoneAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := context.Background()
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `CREATE TABLE scratch (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errc := make(chan error, 80)
		for i := 0; i < 80; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
					if _, err := tx.ExecContext(tx.Context(), `INSERT INTO scratch (n) VALUES ($1)`, i); err != nil {
						return 0, err
					}
					if _, err := ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "x", Actor: "a", Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: 100}, {Account: ledger.Donations, Amount: -100}}}); err != nil {
						return 0, err
					}
					if i%4 == 0 {
						return 0, errs.E(errs.InvalidState, "refused after writing")
					}
					return i, nil
				})
				if (i%4 == 0) != errs.Is(errs.InvalidState, err) || (i%4 != 0 && err != nil) {
					errc <- fmt.Errorf("call %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		var rows, refused int
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN n % 4 = 0 THEN 1 ELSE 0 END), 0) FROM scratch`).Scan(&rows, &refused); err != nil {
			t.Fatal(err)
		}
		if rows != 60 || refused != 0 {
			t.Fatalf("%d rows, %d of refused calls; want 60 and 0", rows, refused)
		}
		if r := mustVerify(t, d); r.EntriesChecked != 60 {
			t.Fatalf("%d entries, want 60", r.EntriesChecked)
		}
		if b := balances(t, s); b[ledger.Bank] != 6000 {
			t.Fatalf("bank %d, want 6000", b[ledger.Bank])
		}
	})
}

// TestCloseWhileCalling closes the writer while calls arrive: every call
// returns (done or refused), none hangs.
func TestCloseWhileCalling(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) { return 1, nil })
		}()
	}
	w.Close()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("calls hang after Close")
	}
}

// TestIdempotentRefusalIsReplayed: a refusal in the write path is stored
// with its key, so the same request again gets the same refusal, also when
// it would now pass; a success is never claimed for it.
func TestIdempotentRefusalIsReplayed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		approval := manual("approval", ledger.GrantsExpense, "10.00", ledger.GrantsPayable, "-10.00")
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "approve-1", RequestHash: "h"})
		first, err := s.PostManual(ctx, treasurer, approval)
		if !errs.Is(errs.InsufficientFunds, err) || first.Replayed || first.Body != nil || first.Value != nil {
			t.Fatalf("first: %v %+v", err, first)
		}
		mustPost(t, s, "donation", ledger.Bank, "50.00", ledger.Donations, "-50.00")
		again, err2 := s.PostManual(ctx, treasurer, approval)
		if !errs.Is(errs.InsufficientFunds, err2) || !again.Replayed || again.Body != nil || again.Value != nil {
			t.Fatalf("repeat: %v %+v", err2, again)
		}
		if errs.Message(err2) != errs.Message(err) || fmt.Sprint(errs.FieldsOf(err2)) != fmt.Sprint(errs.FieldsOf(err)) {
			t.Fatalf("the repeat's refusal %q %v differs from the first %q %v", errs.Message(err2), errs.FieldsOf(err2), errs.Message(err), errs.FieldsOf(err))
		}
		if b := balances(t, s); b[ledger.GrantsPayable] != 0 {
			t.Fatal("the repeat ran")
		}
	})
}

// TestRefusalsStoredAndNot: a refusal that depends on the caller or the
// moment (Forbidden) is not stored, so a repeat runs again; a stored field
// error keeps its field, code and parameter across the replay.
func TestRefusalsStoredAndNot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k", RequestHash: "h"})
		forbidden := func(tx *commit.Tx) (int, error) { return 0, errs.E(errs.Forbidden, "not you") }
		for i := 0; i < 2; i++ {
			if out, err := commit.Do(ctx, s.Writer, forbidden); !errs.Is(errs.Forbidden, err) || out.Replayed {
				t.Fatalf("forbidden %d: %v %+v", i, err, out)
			}
		}
		ctx = commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k2", RequestHash: "h"})
		invalid := func(tx *commit.Tx) (int, error) {
			return 0, errs.FieldCode("test", "amount", "amount_max", "12.50", "exceeds 12.50")
		}
		_, err1 := commit.Do(ctx, s.Writer, invalid)
		out, err2 := commit.Do(ctx, s.Writer, invalid)
		if !out.Replayed || !errs.Is(errs.Invalid, err2) {
			t.Fatalf("replayed %v, %v", out.Replayed, err2)
		}
		if f1, f2 := errs.FieldsOf(err1), errs.FieldsOf(err2); len(f2) != 1 || f2[0] != f1[0] {
			t.Fatalf("fields %+v, want %+v", f2, f1)
		}
	})
}

// TestSharedStatements runs calls whose statement the batch runs once for
// all of them (commit.Shared): each id is marked by exactly one call, a
// call that fails after its statement changed a row leaves it unmarked, a
// row refused by Row runs nothing, and a replayed call does not run its
// statement again.
func TestSharedStatements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := context.Background()
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `CREATE TABLE flags (id INTEGER PRIMARY KEY, set_by TEXT, n INTEGER NOT NULL DEFAULT 0)`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 30; i++ {
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `INSERT INTO flags (id) VALUES ($1)`, i); err != nil {
				t.Fatal(err)
			}
		}
		type flag struct {
			id    int
			token string
		}
		mark := &commit.Shared[flag, string]{
			Name: "mark",
			Run: func(ctx context.Context, q sqlx.QueryerContext, engine db.Engine, rows []flag) (map[int]string, error) {
				cast := ""
				if engine == db.Postgres {
					cast = "::integer"
				}
				var values []string
				var p db.Params
				for _, r := range rows {
					values = append(values, "("+p.Add(r.id)+cast+", "+p.Add(r.token)+")")
				}
				var set []string
				err := sqlx.SelectContext(ctx, q, &set, `UPDATE flags SET set_by = v.token, n = n + 1
					FROM (SELECT column1 AS fid, column2 AS token FROM (VALUES `+strings.Join(values, ", ")+`) AS x) AS v
					WHERE flags.id = v.fid AND flags.set_by IS NULL RETURNING set_by`, p.Args()...)
				out := map[int]string{}
				for i, r := range rows {
					if slices.Contains(set, r.token) {
						out[i] = r.token
					}
				}
				return out, err
			},
		}
		row := func(id int, token string) func(time.Time) (flag, error) {
			return func(time.Time) (flag, error) {
				if id%7 == 1 {
					return flag{}, errs.E(errs.Invalid, "refused by the row")
				}
				return flag{id, token}, nil
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := map[int]string{}
		for i := 0; i < 60; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, token := i%30, fmt.Sprintf("call-%d", i)
				got, err := ledgertest.Value(commit.DoShared(ctx, s.Writer, mark, row(id, token), func(tx *commit.Tx, got string, changed bool) (string, error) {
					if !changed {
						return "", errs.E(errs.InvalidState, "marked already")
					}
					if id%5 == 0 {
						return "", errs.E(errs.InvalidState, "refused after marking")
					}
					return got, nil
				}))
				switch {
				case id%7 == 1:
					if !errs.Is(errs.Invalid, err) {
						t.Errorf("call %d: %v, want the error of Row", i, err)
					}
				case err == nil:
					mu.Lock()
					if won[id] != "" {
						t.Errorf("id %d marked by %s and %s", id, won[id], got)
					}
					won[id] = got
					mu.Unlock()
				case !errs.Is(errs.InvalidState, err):
					t.Errorf("call %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		for id := 0; id < 30; id++ {
			var setBy sql.NullString
			if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT set_by FROM flags WHERE id = $1`, id).Scan(&setBy); err != nil {
				t.Fatal(err)
			}
			want := ""
			if id%5 != 0 && id%7 != 1 {
				want = won[id]
				if want == "" {
					t.Errorf("id %d: no call marked it", id)
				}
			}
			if setBy.String != want {
				t.Errorf("id %d set by %q, want %q", id, setBy.String, want)
			}
		}

		// A repeat with the same key is replayed, and its statement is
		// not run again: n counts the runs that stayed.
		keyed := commit.WithKey(ctx, commit.Key{Scope: "user:x", Name: "mark-2", RequestHash: "h"})
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `UPDATE flags SET n = 0 WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 2; round++ {
			// The row is unmarked again, so a statement that ran for the
			// repeat would change it.
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `UPDATE flags SET set_by = NULL WHERE id = 2`); err != nil {
				t.Fatal(err)
			}
			out, err := commit.DoShared(keyed, s.Writer, mark, row(2, fmt.Sprintf("round-%d", round)), func(tx *commit.Tx, got string, changed bool) (string, error) {
				return got, nil
			})
			if err != nil || out.Replayed != (round == 1) {
				t.Fatalf("round %d: %v, replayed %v", round, err, out.Replayed)
			}
		}
		var n int
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT n FROM flags WHERE id = 2`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the statement ran %d times for one request and its repeat (%v), want 1", n, err)
		}
	})
}

// holdWriter makes the writer wait in a call until release is closed, so
// that the calls sent meanwhile queue up for one batch.
func holdWriter(t *testing.T, w *commit.Writer) (release func()) {
	started, done := make(chan struct{}), make(chan struct{})
	go commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
		close(started)
		<-done
		return 0, nil
	})
	<-started
	return func() { close(done) }
}

// waitQueued waits until n calls wait for the next batch.
func waitQueued(t *testing.T, w *commit.Writer, n int) {
	for w.Queued() < n {
		runtime.Gosched()
	}
}

// TestFailedBatchShowsNoResponse: when a batch cannot commit, no caller
// may be shown a response of it, not even one its function produced.
func TestFailedBatchShowsNoResponse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k", RequestHash: "h"})
		out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (string, error) {
			// A deferred foreign key to an entry that never comes: the
			// commit fails.
			_, err := tx.ExecContext(tx.Context(), `INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested,
				donor_name, donor_email, donor_street, donor_postal_code, donor_city, message, created_at, ledger_entry_id)
				VALUES ('d1', 'FUND-AAAA-AAAA', 'pledged', 100, 'EUR', false, false, '', '', '', '', '', '', $1, 'no-such-entry')`, tx.Now())
			return "done", err
		})
		if !errs.Is(errs.Internal, err) {
			t.Fatalf("err = %v, want internal", err)
		}
		if out.Body != nil || out.Replayed || out.Value != "" {
			t.Fatalf("a response of a batch that did not commit: %+v", out)
		}
	})
}

// TestBadLaterRowFailsAlone: a row handed to a commit.Later that the
// database refuses fails its own call, not the others of its batch.
func TestBadLaterRowFailsAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		ctx := context.Background()
		release := holdWriter(t, s.Writer)
		bad := make(chan error, 1)
		later := &commit.Later[time.Time]{Insert: func(at []time.Time) []db.Statement {
			return db.InsertRows("donations", []string{"id", "reference", "status", "amount", "currency", "anonymous",
				"receipt_requested", "donor_name", "donor_email", "donor_street", "donor_postal_code", "donor_city", "message", "created_at"},
				[][]any{{"d-bad", "FUND-BBBB-BBBB", "pledged", 0, "EUR", false, false, "", "", "", "", "", "", at[0]}}, // amount > 0 is checked
				" ON CONFLICT (reference) DO NOTHING")
		}}
		go func() {
			_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (bool, error) {
				return later.Add(tx, tx.Now())
			})
			bad <- err
		}()
		waitQueued(t, s.Writer, 1)
		good := make(chan error, 1)
		go func() {
			_, err := s.PostManual(ctx, treasurer, manual("donation", ledger.Bank, "1.00", ledger.Donations, "-1.00"))
			good <- err
		}()
		waitQueued(t, s.Writer, 2)
		release()
		if err := <-good; err != nil {
			t.Fatalf("the good call: %v", err)
		}
		if err := <-bad; err == nil {
			t.Fatal("the bad row was taken")
		}
		mustVerify(t, d)
	})
}

// TestOneBadPostingNamedInTheError: when one posting alone is refused, the
// error's text (what the log shows) names the field and why, as a single
// refused field does everywhere else.
func TestOneBadPostingNamedInTheError(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := mustService(t, d)
		_, err := s.PostManual(context.Background(), treasurer, manual("x", "assets:cash", "1", ledger.Donations, "-1"))
		if !errs.Is(errs.Invalid, err) || !strings.Contains(err.Error(), "postings[0].account: is not an account of the chart") {
			t.Fatalf("err = %v", err)
		}
	})
}
