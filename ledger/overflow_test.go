package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestLargeManualEntriesAreRefusedBeforeWrapping is the scenario:
// with FUNDUS_MAX_AMOUNT at its largest, 190 manual entries of 50 postings
// of 10,000,000,000,000.00 EUR each on expenses:bank-fees wrapped its
// balance around int64 and verify said ok. Now every one that would take a
// balance beyond ±ledger.MaxBalance is refused as Invalid, naming the
// posting, and the ledger stays within the limit and verifies.
func TestLargeManualEntriesAreRefusedBeforeWrapping(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		s.MaxAmount = ledger.MaxBalance // FUNDUS_MAX_AMOUNT=10000000000000
		huge := fundus.FormatMinor(ledger.MaxBalance, fundus.EUR)
		var in ledger.ManualEntry
		in.Memo = "fees"
		for i := 0; i < 50; i++ {
			in.Postings = append(in.Postings, ledger.ManualPosting{Account: ledger.BankFees, Amount: fundus.Amount(huge)})
		}
		for i := 0; i < 50; i++ {
			in.Postings = append(in.Postings, ledger.ManualPosting{Account: ledger.OpeningBalance, Amount: fundus.Amount("-" + huge)})
		}
		for i := 0; i < 190; i++ {
			_, err := s.PostManual(context.Background(), treasurer, in)
			if !errs.Is(errs.Invalid, err) || len(errs.FieldsOf(err)) != 1 || errs.FieldsOf(err)[0].Field != "postings[49].amount" {
				t.Fatalf("entry %d: %v %+v, want Invalid naming postings[49].amount", i, err, errs.FieldsOf(err))
			}
		}

		// Smaller steps are taken up to the limit, and no further.
		step := fundus.FormatMinor(ledger.MaxBalance/10, fundus.EUR)
		for i := 0; i < 10; i++ {
			ledgertest.Post(t, s, fmt.Sprint("fees ", i), ledger.BankFees, step, ledger.OpeningBalance, "-"+step)
		}
		_, err := s.PostManual(context.Background(), treasurer, ledgertest.Manual("one more", ledger.BankFees, "0.01", ledger.OpeningBalance, "-0.01"))
		if !errs.Is(errs.Invalid, err) || errs.FieldsOf(err)[0].Field != "postings[0].amount" || errs.FieldsOf(err)[0].Code != "balance_max" {
			t.Fatalf("past the limit: %v %+v", err, errs.FieldsOf(err))
		}
		if b := ledgertest.Balances(t, s); b[ledger.BankFees] != ledger.MaxBalance || b[ledger.OpeningBalance] != -ledger.MaxBalance {
			t.Fatalf("balances %v", b)
		}
		ledgertest.Verify(t, d)
		tb, err := s.TrialBalance(context.Background(), auditor, "")
		if err != nil || tb.TotalDebit.Minor != ledger.MaxBalance || tb.TotalCredit.Minor != ledger.MaxBalance {
			t.Fatalf("trial balance %+v %v", tb, err)
		}
	})
}

// TestVerifyReportsWrappedBalance tampers with the database: two entries
// with a valid hash chain whose postings on expenses:bank-fees sum to 10^19
// cents, stored as the balance int64 wraps to. Verification adds without
// wrapping and reports the account; the trial balance and the sums of the
// postings are refused as InvalidState instead of showing a wrapped number.
func TestVerifyReportsWrappedBalance(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		at := time.Date(2026, 1, 2, 9, 0, 0, 0, time.UTC)
		prev := ledger.GenesisHash
		var wrapped int64
		const amount = 5_000_000_000_000_000_000 // 5 * 10^18 cents
		for seq := int64(1); seq <= 2; seq++ {
			e := &ledger.Entry{ID: fmt.Sprintf("019ad5c2-0000-7000-8000-%012d", seq), Seq: seq, Time: at.Add(time.Duration(seq) * time.Second), Kind: ledger.KindManual, Date: "2026-01-02",
				Memo: "fees", Actor: "someone", PrevHash: prev, Postings: []ledger.Posting{
					{Account: ledger.BankFees, Amount: fundus.EURCents(amount), Currency: "EUR"},
					{Account: ledger.OpeningBalance, Amount: fundus.EURCents(-amount), Currency: "EUR"}}}
			e.Hash = ledger.Hash(prev, e)
			mustExec(t, d, `INSERT INTO entries (id, seq, time, date, kind, memo, ref_type, ref_id, actor, reverses, prev_hash, hash)
				VALUES ($1, $2, $3, $4, $5, $6, '', '', $7, NULL, `+hashParam(d, "$8", false)+`, `+hashParam(d, "$9", false)+`)`, e.ID, e.Seq, e.Time, e.Date, e.Kind, e.Memo, e.Actor, e.PrevHash, e.Hash)
			for i, p := range e.Postings {
				mustExec(t, d, `INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, $2, $3, $4, 'EUR')`, e.Seq, i+1, p.Account, p.Amount.Minor)
			}
			wrapped += amount // wraps, as the old code did
			mustExec(t, d, `UPDATE ledger_head SET seq = $1, hash = `+hashParam(d, "$2", false)+`, last_time = $3 WHERE id = 1`, e.Seq, e.Hash, e.Time)
			prev = e.Hash
		}
		if wrapped >= 0 {
			t.Fatalf("the test's own sum did not wrap: %d", wrapped)
		}
		mustExec(t, d, `UPDATE accounts SET balance = $1 WHERE code = $2`, wrapped, ledger.BankFees)
		mustExec(t, d, `UPDATE accounts SET balance = $1 WHERE code = $2`, -wrapped, ledger.OpeningBalance)

		r, err := ledger.VerifyDB(context.Background(), d)
		if err != nil || r.OK || r.Account != ledger.BankFees || !strings.Contains(r.Problem, "beyond") {
			t.Fatalf("verify: %+v %v, want not ok naming %s", r, err, ledger.BankFees)
		}
		if _, err := s.TrialBalance(context.Background(), auditor, ""); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("trial balance from the stored balances: %v, want InvalidState", err)
		}
		if _, err := s.TrialBalance(context.Background(), auditor, "2026-01-02"); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("trial balance summing the postings: %v, want InvalidState", err)
		}
	})
}

func mustExec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	if _, err := dbtest.Raw(t, d).Exec(d.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
