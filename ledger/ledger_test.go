package ledger_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"fundus/audit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

func TestPostAndReverse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		// The bank's opening line, then a treasurer's correction by hand:
		// part of what was booked as the opening balance was interest.
		e1 := ledgertest.PostBank(t, s.Writer, "", "Opening balance", ledger.Bank, "100.00", ledger.OpeningBalance, "-100.00")
		e2 := ledgertest.Post(t, s, "Part of the opening balance was interest", ledger.OpeningBalance, "2.50", ledger.Interest, "-2.50")
		if e1.Seq != 1 || e2.Seq != 2 || e1.PrevHash != ledger.GenesisHash || e2.PrevHash != e1.Hash {
			t.Fatalf("chain: %d %s / %d %s", e1.Seq, e1.PrevHash, e2.Seq, e2.PrevHash)
		}
		if e2.Actor != treasurer.ID || e2.Kind != ledger.KindManual {
			t.Fatalf("entry: %+v", e2)
		}
		b := ledgertest.Balances(t, s)
		if b[ledger.Bank] != 10000 || b[ledger.OpeningBalance] != -9750 || b[ledger.Interest] != -250 {
			t.Fatalf("balances %v", b)
		}

		rev, err := ledgertest.Value(s.Reverse(ctx, treasurer, e2.ID, ledger.Reversal{Reason: "it was the opening balance after all"}))
		if err != nil {
			t.Fatal(err)
		}
		if rev.Reverses != e2.ID || rev.Postings[0].Amount.Minor != -250 || !strings.Contains(rev.Memo, "opening balance after all") {
			t.Fatalf("reversal %+v", rev)
		}
		if b := ledgertest.Balances(t, s); b[ledger.Bank] != 10000 || b[ledger.OpeningBalance] != -10000 || b[ledger.Interest] != 0 {
			t.Fatalf("balances after reversal %v", b)
		}
		// assets:bank moves only with the bank's lines: no manual entry
		// posts to it, and the entry of a bank line is not reversed (the
		// line would stay as the bank booked it, its money gone).
		t.Run("ErrManualEntryToTheBank", func(t *testing.T) {
			for _, in := range []ledger.ManualEntry{
				ledgertest.Manual("Anfangsbestand", ledger.Bank, "5.00", ledger.OpeningBalance, "-5.00"),
				ledgertest.Manual("Gebühr", ledger.BankFees, "1.00", " assets:bank ", "-1.00"),
			} {
				before := ledgertest.Dump(t, d)
				_, err := s.PostManual(ctx, treasurer, in)
				fields := errs.FieldsOf(err)
				want := "postings[0].account"
				if in.Postings[0].Account == ledger.BankFees {
					want = "postings[1].account"
				}
				if !errs.Is(errs.Invalid, err) || len(fields) != 1 || fields[0].Field != want || fields[0].Code != "bank_line" {
					t.Fatalf("err = %v (%+v), want Invalid naming %s", err, fields, want)
				}
				if ledgertest.Dump(t, d) != before {
					t.Fatal("a refused entry changed the database")
				}
			}
		})
		t.Run("ErrReverseABankLine", func(t *testing.T) {
			before := ledgertest.Dump(t, d)
			_, err := s.Reverse(ctx, treasurer, e1.ID, ledger.Reversal{Reason: "wrong"})
			if !errs.Is(errs.InvalidState, err) || !strings.Contains(err.Error(), "assets:bank") {
				t.Fatalf("err = %v, want InvalidState naming assets:bank", err)
			}
			if ledgertest.Dump(t, d) != before {
				t.Fatal("a refused reversal changed the database")
			}
		})
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
			if _, err := s.PostManual(ctx, auditor, ledgertest.Manual("x", ledger.Clearing, "1", ledger.Interest, "-1")); !errs.Is(errs.Forbidden, err) {
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
		ledgertest.Verify(t, d)

		recs, _, err := (&audit.Service{DB: s.DB}).List(ctx, auditor, audit.Filter{ObjectID: e2.ID, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 2 || recs[0].Action != "ledger.entry.post" || recs[1].Action != "ledger.entry.reverse" || recs[1].Actor != treasurer.ID {
			t.Fatalf("audit %+v", recs)
		}
	})
}

func TestManualEntryValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		for name, c := range map[string]struct {
			in     ledger.ManualEntry
			fields string
		}{
			"no memo":         {ledgertest.Manual("", ledger.Clearing, "1", ledger.Interest, "-1"), "memo"},
			"memo newline":    {ledgertest.Manual("a\nb", ledger.Clearing, "1", ledger.Interest, "-1"), "memo"},
			"one posting":     {ledgertest.Manual("x", ledger.Clearing, "1"), "postings"},
			"unbalanced":      {ledgertest.Manual("x", ledger.Clearing, "1.00", ledger.Interest, "-0.99"), "postings"},
			"unknown account": {ledgertest.Manual("x", "assets:cash", "1", ledger.Interest, "-1"), "postings[0].account"},
			"bad amount":      {ledgertest.Manual("x", ledger.Clearing, "1.005", ledger.Interest, "-1.005"), "postings[0].amount,postings[1].amount"},
			"zero":            {ledgertest.Manual("x", ledger.Clearing, "0", ledger.Interest, "0"), "postings[0].amount,postings[1].amount"},
			"above ceiling":   {ledgertest.Manual("x", ledger.Clearing, "1000000.01", ledger.Interest, "-1000000.01"), "postings[0].amount,postings[1].amount"},
			"the bank":        {ledgertest.Manual("x", ledger.Interest, "1.00", ledger.Bank, "-1.00"), "postings[1].account"},
			"the bank twice":  {ledgertest.Manual("x", ledger.Bank, "1.00", ledger.Bank, "-1.00"), "postings[0].account,postings[1].account"},
			// Money by hand is no donation: income:donations moves only
			// with donations (arrival and acceptance, refund).
			"donation by hand":   {ledgertest.Manual("x", ledger.Clearing, "1.00", ledger.Donations, "-1.00"), "postings[1].account"},
			"donation taken out": {ledgertest.Manual("x", ledger.Donations, "1.00", ledger.Interest, "-1.00"), "postings[0].account"},
		} {
			t.Run(name, func(t *testing.T) {
				before := ledgertest.Dump(t, d)
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
				if ledgertest.Dump(t, d) != before {
					t.Fatal("a refused entry changed the database")
				}
			})
		}
	})
}

func TestAvailableMoneyRule(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		ledgertest.PostBank(t, s.Writer, "", "donation", ledger.Bank, "50.00", ledger.Donations, "-50.00")
		ledgertest.Post(t, s, "grant approved", ledger.GrantsExpense, "30.00", ledger.GrantsPayable, "-30.00")
		before := ledgertest.Dump(t, d)
		_, err := s.PostManual(ctx, treasurer, ledgertest.Manual("grant approved", ledger.GrantsExpense, "20.01", ledger.GrantsPayable, "-20.01"))
		if !errs.Is(errs.InsufficientFunds, err) {
			t.Fatalf("err = %v, want InsufficientFunds", err)
		}
		if ledgertest.Dump(t, d) != before {
			t.Fatal("the refused entry changed the database")
		}
		// Paying out what is owed does not change available money.
		ledgertest.PostBank(t, s.Writer, "", "payout", ledger.GrantsPayable, "30.00", ledger.Bank, "-30.00")
		ledgertest.Post(t, s, "grant approved", ledger.GrantsExpense, "20.00", ledger.GrantsPayable, "-20.00")
		if a := available(ledgertest.Balances(t, s)); a != 0 {
			t.Fatalf("available %d, want 0", a)
		}
		ledgertest.Verify(t, d)
	})
}

func TestAppendOnly(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		e := ledgertest.PostBank(t, s.Writer, "", "x", ledger.Bank, "1.00", ledger.Donations, "-1.00")
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
		"posting amount": {"UPDATE postings SET amount = amount * 2 WHERE seq = (SELECT seq FROM entries WHERE id = '%s')", 3, "", "hash does not match"},
		"memo":           {"UPDATE entries SET memo = 'innocent' WHERE id = '%s'", 3, "", "hash does not match"},
		"deleted entry":  {"DELETE FROM postings WHERE seq = (SELECT seq FROM entries WHERE id = '%[1]s'); DELETE FROM entries WHERE id = '%[1]s'", 3, "", "missing"},
		"stored balance": {"UPDATE accounts SET balance = balance + 1 WHERE code = 'assets:bank'", 0, "assets:bank", "stored balance"},
		// Its postings would count in no stored balance.
		"posted account deleted": {"DELETE FROM accounts WHERE code = 'assets:bank'", 0, "assets:bank", "not among the accounts"},
		"relinked chain":         {"UPDATE entries SET prev_hash = '%s' WHERE seq = 4", 4, "", "chain link"},
		// Past the foreign key's check: the entries' postings differ in amount.
		"postings swapped":             {"UPDATE postings SET seq = 100 WHERE seq = 3; UPDATE postings SET seq = 3 WHERE seq = 4; UPDATE postings SET seq = 4 WHERE seq = 100", 3, "", "hash does not match"},
		"posting planted":              {"INSERT INTO postings (seq, line, account, amount, currency) VALUES (4, 3, 'assets:bank', 1, 'EUR')", 4, "", "hash does not match"},
		"posting after the last entry": {"INSERT INTO postings (seq, line, account, amount, currency) VALUES (6, 1, 'assets:bank', 100, 'EUR')", 6, "", "belongs to no entry"},
		"posting before the first":     {"INSERT INTO postings (seq, line, account, amount, currency) VALUES (-1, 1, 'assets:bank', 100, 'EUR')", -1, "", "belongs to no entry"},
		"last entry deleted":           {"DELETE FROM entries WHERE seq = 5", 5, "", "belongs to no entry"},
		// Each entry moves with its postings.
		"entries swapped": {"UPDATE entries SET seq = 100 WHERE seq = 3; UPDATE postings SET seq = 100 WHERE seq = 3; " +
			"UPDATE entries SET seq = 3 WHERE seq = 4; UPDATE postings SET seq = 3 WHERE seq = 4; " +
			"UPDATE entries SET seq = 4 WHERE seq = 100; UPDATE postings SET seq = 4 WHERE seq = 100", 3, "", "chain link"},
	} {
		t.Run(name, func(t *testing.T) {
			dbtest.Engines(t, func(t *testing.T, d *db.DB) {
				s := ledgertest.Service(t, d)
				var ids []string
				for i := 1; i <= 5; i++ {
					amount := fmt.Sprintf("%d.00", 10*i)
					ids = append(ids, ledgertest.PostBank(t, s.Writer, "", "donation", ledger.Bank, amount, ledger.Donations, "-"+amount).ID)
				}
				ledgertest.Verify(t, d)
				dropAppendOnlyTriggers(t, d)
				dropForeignKeyChecks(t, d)
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

// TestOneBadPostingNamedInTheError: when one posting alone is refused, the
// error's text (what the log shows) names the field and why, as a single
// refused field does everywhere else.
func TestOneBadPostingNamedInTheError(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		_, err := s.PostManual(context.Background(), treasurer, ledgertest.Manual("x", "assets:cash", "1", ledger.Interest, "-1"))
		if !errs.Is(errs.Invalid, err) || !strings.Contains(err.Error(), "postings[0].account: is not an account of the chart") {
			t.Fatalf("err = %v", err)
		}
	})
}

// Verification and the exports read the ledger a chunk at a time, the next
// while the last is checked or written: over many chunks they see every
// entry once, in order, with its postings, and a problem in a later chunk
// (also an entry whose postings are gone) stops the walk where it is.
func TestWalksOverChunks(t *testing.T) {
	ledger.SetReadChunk(t, 3)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		var ids []string
		for i := 0; i < 10; i++ { // chunks of 3, 3, 3 and 1
			ids = append(ids, ledgertest.PostBank(t, s.Writer, "", fmt.Sprintf("donation %d", i), ledger.Bank, "10.00", ledger.Donations, "-10.00").ID)
		}
		if r := ledgertest.Verify(t, d); r.EntriesChecked != 10 {
			t.Fatalf("verify checked %d entries, want 10", r.EntriesChecked)
		}
		var jsonl bytes.Buffer
		if err := ledger.ExportDB(ctx, d, &jsonl, ledger.FormatJSONL, "", ""); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(jsonl.String()), "\n")
		if len(lines) != 11 || !strings.Contains(lines[10], `"trailer"`) {
			t.Fatalf("JSONL export of 10 entries: %d lines, last %q", len(lines), lines[len(lines)-1])
		}
		for i, line := range lines[:10] {
			if !strings.Contains(line, fmt.Sprintf(`"seq":%d,`, i+1)) || strings.Count(line, `"account"`) != 2 {
				t.Fatalf("line %d: %s", i+1, line)
			}
		}
		if r, err := ledger.VerifyFile(bytes.NewReader(jsonl.Bytes()), nil); err != nil || !r.OK || r.EntriesChecked != 10 {
			t.Fatalf("the export verifies as a file: %+v, %v", r, err)
		}

		dropAppendOnlyTriggers(t, d)
		if _, err := dbtest.Raw(t, d).Exec("DELETE FROM postings WHERE seq = 8"); err != nil {
			t.Fatal(err)
		}
		r, err := ledger.VerifyDB(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if r.OK || r.FirstBadEntry == nil || r.FirstBadEntry.Seq != 8 || r.FirstBadEntry.ID != ids[7] || !strings.Contains(r.Problem, "hash does not match") || r.EntriesChecked != 7 {
			t.Fatalf("an entry without its postings in the third chunk: %+v", r)
		}
	})
}

// TestWalkReadsPostingsBeside: a walk that reads a chunk's postings through
// a second Querier while it reads the next chunk's entries through the
// first gives what one Querier gives, one read after the other: every
// entry once, in order, with its own postings, across a gap in the
// numbers (where a chunk's postings are found through its entries). A
// failed read of postings ends the walk with its error, and no chunk
// after the last whole one is handed on.
func TestWalkReadsPostingsBeside(t *testing.T) {
	ledger.SetReadChunk(t, 3)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		for i := range 12 {
			ledgertest.PostBank(t, s.Writer, "", fmt.Sprintf("donation %d", i), ledger.Bank, fmt.Sprintf("%d.00", i+1), ledger.Donations, fmt.Sprintf("-%d.00", i+1))
		}
		dropAppendOnlyTriggers(t, d)
		dropForeignKeyChecks(t, d)
		for _, stmt := range []string{"DELETE FROM postings WHERE seq BETWEEN 5 AND 8", "DELETE FROM entries WHERE seq BETWEEN 5 AND 8"} {
			if _, err := dbtest.Raw(t, d).Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
		walk := func(qs ...db.Querier) (got []string, err error) {
			err = ledger.EachChunkOf(ctx, qs, ledger.EntryFilter{}, func(es []*ledger.Entry) error {
				for _, e := range es {
					line := fmt.Sprintf("%d %s:", e.Seq, e.Memo)
					for _, p := range e.Postings {
						line += " " + p.Account + " " + p.Amount.String()
					}
					got = append(got, line)
				}
				got = append(got, "|")
				return nil
			})
			return got, err
		}
		one, err := walk(db.SQL(d))
		if err != nil {
			t.Fatal(err)
		}
		var want []string // chunks 1–3, 4 and 9–10 (their postings through the entries: a gap), 11–12
		n := 0
		for seq := 1; seq <= 12; seq++ {
			if seq >= 5 && seq <= 8 {
				continue
			}
			want = append(want, fmt.Sprintf("%d donation %d: %s %d.00 %s -%d.00", seq, seq-1, ledger.Bank, seq, ledger.Donations, seq))
			if n++; n%3 == 0 {
				want = append(want, "|")
			}
		}
		want = append(want, "|")
		if strings.Join(one, "\n") != strings.Join(want, "\n") {
			t.Fatalf("one Querier walked\n%s\nwant\n%s", strings.Join(one, "\n"), strings.Join(want, "\n"))
		}
		two, err := walk(db.SQL(d), db.SQL(d))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(two, "\n") != strings.Join(one, "\n") {
			t.Fatalf("two Queriers walked\n%s\nwant what one walked\n%s", strings.Join(two, "\n"), strings.Join(one, "\n"))
		}

		for _, n := range []int{1, 2} {
			postings := &failingPostings{Querier: db.SQL(d), after: 2}
			qs := []db.Querier{postings}
			if n == 2 {
				qs = []db.Querier{db.SQL(d), postings}
			}
			got, err := walk(qs...)
			if err == nil || !strings.Contains(err.Error(), "postings unreadable") {
				t.Fatalf("%d Queriers: a failed read of postings ended the walk with %v", n, err)
			}
			if strings.Join(got, "\n") != strings.Join(want[:8], "\n") {
				t.Fatalf("%d Queriers: before the failed read the walk handed on\n%s\nwant the first two chunks\n%s", n, strings.Join(got, "\n"), strings.Join(want[:8], "\n"))
			}
		}
	})
}

// TestWalkCancelledIsAnError: a walk whose context ends while a read of
// postings waits returns an error, with one Querier and with two, never
// nil as if it had read everything.
func TestWalkCancelledIsAnError(t *testing.T) {
	ledger.SetReadChunk(t, 3)
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		for i := range 7 {
			ledgertest.PostBank(t, s.Writer, "", fmt.Sprintf("donation %d", i), ledger.Bank, "1.00", ledger.Donations, "-1.00")
		}
		for _, n := range []int{1, 2} {
			for range 20 {
				ctx, cancel := context.WithCancel(context.Background())
				postings := &blockingPostings{Querier: db.SQL(d), waiting: make(chan struct{}, 1)}
				qs := []db.Querier{postings}
				if n == 2 {
					qs = []db.Querier{db.SQL(d), postings}
				}
				go func() { <-postings.waiting; cancel() }()
				err := ledger.EachChunkOf(ctx, qs, ledger.EntryFilter{}, func([]*ledger.Entry) error { return nil })
				cancel()
				if err == nil {
					t.Fatalf("%d Queriers: a walk cancelled while its postings were read returned nil", n)
				}
			}
		}
	})
}

// blockingPostings is a Querier whose reads of postings wait until their
// context ends, saying on waiting that they do.
type blockingPostings struct {
	db.Querier
	waiting chan struct{}
}

func (b *blockingPostings) Query(ctx context.Context, query string, args ...any) (db.Rows, error) {
	if strings.Contains(query, "amount") {
		select {
		case b.waiting <- struct{}{}:
		default:
		}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return b.Querier.Query(ctx, query, args...)
}

// failingPostings is a Querier whose reads of postings fail after the
// first after of them.
type failingPostings struct {
	db.Querier
	after, reads int
}

func (f *failingPostings) Query(ctx context.Context, query string, args ...any) (db.Rows, error) {
	if strings.Contains(query, "amount") { // postings, by their range or through their entries
		if f.reads++; f.reads > f.after {
			return nil, errors.New("postings unreadable")
		}
	}
	return f.Querier.Query(ctx, query, args...)
}

// postAfterFirstQuery is a queryer that posts an entry between the first
// query it runs and the second, as another request could outside a
// transaction.
type postAfterFirstQuery struct {
	sqlx.QueryerContext
	post    func()
	queries int
}

func (q *postAfterFirstQuery) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if q.queries++; q.queries == 2 {
		q.post()
	}
	return q.QueryerContext.QueryContext(ctx, query, args...)
}

// An entry's postings are read after the entries: a posting of an entry
// written between the two reads is left out, and no other entry gets it.
// The entries selected are far apart, so their postings are found through
// the selection, which finds the new entry too.
func TestEntryWrittenBetweenEntriesAndPostings(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		for i := 1; i <= 5; i++ {
			memo := fmt.Sprintf("donation %d", i)
			if i == 1 || i == 5 {
				memo += " [x]"
			}
			ledgertest.PostBank(t, s.Writer, "", memo, ledger.Bank, "10.00", ledger.Donations, "-10.00")
		}
		q := &postAfterFirstQuery{QueryerContext: d.DB, post: func() {
			ledgertest.PostBank(t, s.Writer, "", "written between [x]", ledger.BankFees, "7.00", ledger.Bank, "-7.00")
		}}
		es, err := ledger.FindEntries(ctx, db.SQL(q), ledger.EntryFilter{Text: "[x]", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 || es[0].Seq != 1 || es[1].Seq != 5 {
			t.Fatalf("%d entries, want entries 1 and 5, the ones there were at the first read", len(es))
		}
		for _, e := range es {
			if len(e.Postings) != 2 || e.Postings[0].Amount.Minor != 1000 || e.Postings[1].Amount.Minor != -1000 {
				t.Fatalf("entry %d has postings %+v, want its own two", e.Seq, e.Postings)
			}
		}
		if all, err := ledger.FindEntries(ctx, db.SQL(d.DB), ledger.EntryFilter{Text: "[x]", Limit: 10}); err != nil || len(all) != 3 || len(all[2].Postings) != 2 {
			t.Fatalf("the entry written between is there with its postings: %v, %v", all, err)
		}
	})
}

// An entry's postings are read after the entries, as a range of sequence
// numbers when the entries are about consecutive and through the selection
// when not: either way each entry gets its own postings and no other's,
// also those of entries in the range that the selection skips.
func TestPostingsOfSelectedEntries(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		sets := map[string][]int64{"[around]": {1, 3}, "[apart]": {1, 10}, "[run]": {2, 3, 4}, "[one]": {7}}
		for seq := int64(1); seq <= 10; seq++ {
			memo := fmt.Sprintf("entry %d", seq)
			for tag, set := range sets {
				if slices.Contains(set, seq) {
					memo += " " + tag
				}
			}
			amount := fmt.Sprintf("%d.00", seq)
			ledgertest.PostBank(t, s.Writer, "", memo, ledger.Bank, amount, ledger.Donations, "-"+amount)
		}
		for tag, set := range sets {
			es, err := ledger.FindEntries(ctx, db.SQL(d.DB), ledger.EntryFilter{Text: tag, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var seqs []int64
			for _, e := range es {
				seqs = append(seqs, e.Seq)
				if len(e.Postings) != 2 || e.Postings[0].Amount.Minor != 100*e.Seq || e.Postings[1].Amount.Minor != -100*e.Seq {
					t.Errorf("%s: entry %d has postings %+v, want its own two", tag, e.Seq, e.Postings)
				}
			}
			if !slices.Equal(seqs, set) {
				t.Errorf("%s: entries %v, want %v", tag, seqs, set)
			}
		}
	})
}
