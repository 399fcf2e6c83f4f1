package donations_test

import (
	"context"
	"sync"
	"testing"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

func reviewAvailable(t *testing.T, s *donations.Service) int64 {
	t.Helper()
	v, err := ledgertest.Value(commit.Do(context.Background(), s.Writer, func(tx *commit.Tx) (int64, error) { return ledger.Available(tx) }))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAttackManualEntryCannotAcceptDonation: a treasurer (who may not
// decide, DecideAcceptance is the admin's) must not move money pending
// acceptance into income:donations with a manual entry. If that is
// allowed, the money becomes available without any body's decision, and a
// later Decide moves it a second time: available exceeds what arrived.
func TestAttackManualEntryCannotAcceptDonation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		big := confirmed(t, s, "2500.00")
		if a := reviewAvailable(t, s); a != 0 {
			t.Fatalf("available %d", a)
		}
		_, err := l.PostManual(ctx, treasurer, ledgertest.Manual("accept by hand", ledger.DonationsPending, "2500.00", ledger.Donations, "-2500.00"))
		if err == nil {
			a := reviewAvailable(t, s)
			// Now the council accepts it as well.
			_, derr := s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: fundus.DayOf(db.Now()), SessionRef: "R/1", Accepted: []string{big.ID}})
			t.Fatalf("a treasurer's manual entry moved pending money to income:donations: available %d without a decision; after the council's decision (%v) available %d, pending balance %d, though only 250000 arrived",
				a, derr, reviewAvailable(t, s), balance(t, l, ledger.DonationsPending))
		}
	})
}

// TestAttackConcurrentDecide: many admins decide the same donation at once,
// some accepting, some declining: exactly one decision is recorded.
func TestAttackConcurrentDecide(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		big := confirmed(t, s, "2500.00")
		today := fundus.DayOf(db.Now())
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R/1"}
				if i%2 == 0 {
					in.Accepted = []string{big.ID}
				} else {
					in.Declined = []string{big.ID}
				}
				_, err := ledgertest.Value(s.Decide(ctx, admin, in))
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if !errs.Is(errs.Invalid, err) {
					t.Errorf("decide: %v", err)
				}
			}()
		}
		wg.Wait()
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM acceptance_decisions`); err != nil || ok != 1 || n != 1 {
			t.Fatalf("%d decisions succeeded, %d recorded (%v)", ok, n, err)
		}
		if p := balance(t, l, ledger.DonationsPending); p != 0 {
			t.Fatalf("pending %d", p)
		}
		if inc, rp := balance(t, l, ledger.Donations), balance(t, l, ledger.RefundsPayable); inc+rp != -250000 {
			t.Fatalf("income %d refunds payable %d", inc, rp)
		}
	})
}

// TestAttackTotalsMatchTruth: after a mix of confirms, transfers,
// decisions and refunds, the public totals equal a recount of received,
// accepted donations.
func TestAttackTotalsMatchTruth(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := bandService(t, d)
		today := fundus.DayOf(db.Now())
		a := confirmed(t, s, "50.00")
		b := confirmed(t, s, "150.00")
		c := confirmed(t, s, "3000.00")
		e := confirmed(t, s, "500.00")
		// another amount arrived: a 50.00 pledge that brought 150.00
		p := mustPledge(t, s, "50.00")
		if _, err := ledgertest.Value(s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{Amount: fundus.AmountText{Text: "150.00", Set: true, Quoted: true}})); err != nil {
			t.Fatal(err)
		}
		if _, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
			dn, _, err := donations.BookTransfer(tx, donations.BankLine{ID: db.NewID(), BookingDate: today, Minor: 20000, Actor: "bank", Bands: s.Bands}, "X", false)
			return dn, err
		})); err != nil {
			t.Fatal(err)
		}
		if _, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCommittee, SessionDate: today, SessionRef: "VA", Accepted: []string{b.ID, p.ID}, Declined: []string{e.ID}})); err != nil {
			t.Fatal(err)
		}
		if _, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R", Accepted: []string{c.ID}})); err != nil {
			t.Fatal(err)
		}
		if _, err := ledgertest.Value(s.Refund(ctx, treasurer, a.ID, donations.Refund{Reason: "asked"})); err != nil {
			t.Fatal(err)
		}
		if _, err := ledgertest.Value(s.Refund(ctx, treasurer, b.ID, donations.Refund{Reason: "asked"})); err != nil {
			t.Fatal(err)
		}
		var want donations.Totals
		if err := d.QueryRow(`SELECT count(*), COALESCE(SUM(COALESCE(received_amount, amount)), 0) FROM donations WHERE status = 'received' AND acceptance = 'accepted'`).Scan(&want.ReceivedCount, &want.Received); err != nil {
			t.Fatal(err)
		}
		got, err := donations.ReceivedTotals(ctx, d)
		if err != nil || got != want || want.ReceivedCount != 2 || want.Received != 15000+300000 {
			t.Fatalf("totals %v, recount %v (%v)", got, want, err)
		}
	})
}

// TestAttackReportYearBoundary: a bank line booked on 31 December
// (Europe/Berlin) is in that year's report and not in the next, though
// its received_at is 30 December 23:00 UTC.
func TestAttackReportYearBoundary(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, _ := bandService(t, d)
		for _, day := range []string{"2026-01-01", "2026-12-31"} {
			if _, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*donations.Donation, error) {
				dn, _, err := donations.BookTransfer(tx, donations.BankLine{ID: db.NewID(), BookingDate: day, Minor: 250000, Actor: "bank", Bands: s.Bands}, "X", false)
				return dn, err
			})); err != nil {
				t.Fatal(err)
			}
		}
		for year, n := range map[int]int{2025: 0, 2026: 2, 2027: 0} {
			r, err := s.AcceptanceReport(ctx, admin, year)
			if err != nil || len(r) != n {
				t.Errorf("report %d: %d lines (%v), want %d", year, len(r), err, n)
			}
		}
	})
}

// TestAttackHandConfirmedPendingThenLine: a pending donation confirmed by
// hand whose line arrives later, then accepted: money counted once.
func TestAttackHandConfirmedPendingThenLine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		big := confirmed(t, s, "2500.00")
		if _, err := ledgertest.Value(commit.Do(ctx, s.Writer, func(tx *commit.Tx) (string, error) {
			dn, err := donations.Lookup(tx.Context(), tx.Reader(), big.ID)
			if err != nil {
				return "", err
			}
			return donations.Arrive(tx, dn, donations.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 250000, Actor: "bank", Bands: s.Bands}, false)
		})); err != nil {
			t.Fatal(err)
		}
		if a := reviewAvailable(t, s); a != 0 {
			t.Fatalf("available %d before any decision", a)
		}
		if got, _ := s.Find(ctx, treasurer, big.ID); got.Acceptance != donations.AcceptancePending {
			t.Fatalf("after the line: %+v", got)
		}
		if _, err := ledgertest.Value(s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: fundus.DayOf(db.Now()), SessionRef: "R", Accepted: []string{big.ID}})); err != nil {
			t.Fatal(err)
		}
		if a := reviewAvailable(t, s); a != 250000 || balance(t, l, ledger.Clearing) != 0 {
			t.Fatalf("available %d clearing %d", a, balance(t, l, ledger.Clearing))
		}
	})
}

// TestAttackPendingNeverOverdrawn: no entry, of any kind, takes more out
// of liabilities:donations-pending than was booked in: an acceptance of
// money that is not waiting there is refused.
func TestAttackPendingNeverOverdrawn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, l := bandService(t, d)
		confirmed(t, s, "150.00")
		_, err := ledgertest.Value(commit.Do(context.Background(), s.Writer, func(tx *commit.Tx) (*ledger.Entry, error) {
			return ledger.Post(tx, ledger.NewEntry{Kind: donations.KindAccept, Memo: "x", Actor: "a",
				Postings: []ledger.NewPosting{{Account: ledger.DonationsPending, Amount: 15001}, {Account: ledger.Donations, Amount: -15001}}})
		}))
		if !errs.Is(errs.InvalidState, err) {
			t.Fatalf("taking 150.01 out of 150.00 pending: %v", err)
		}
		if got := balance(t, l, ledger.DonationsPending); got != -15000 {
			t.Fatalf("pending %d", got)
		}
	})
}

// TestAttackDecideRacesRefund: a council decision and a treasurer's refund
// of the same pending donation at once: the money is owed back or accepted,
// never both, and the ledger keeps to what arrived.
func TestAttackDecideRacesRefund(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := bandService(t, d)
		today := fundus.DayOf(db.Now())
		var ids []string
		for range 8 {
			ids = append(ids, confirmed(t, s, "2500.00").ID)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, _ = s.Decide(ctx, admin, donations.Decision{Body: donations.BodyCouncil, SessionDate: today, SessionRef: "R", Accepted: []string{id}})
			}()
			go func() {
				defer wg.Done()
				_, _ = s.Refund(ctx, treasurer, id, donations.Refund{Reason: "asked"})
			}()
		}
		wg.Wait()
		var accepted, refunded int64
		for _, id := range ids {
			dn, err := s.Find(ctx, treasurer, id)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case dn.Status == donations.Received && dn.Acceptance == donations.AcceptanceAccepted:
				accepted += 250000
			case dn.Status == donations.Refunded && dn.Acceptance != donations.AcceptanceDeclined: // refunded while pending, or accepted and then refunded
				refunded += 250000
			default:
				t.Errorf("%s: %s %s", id, dn.Status, dn.Acceptance)
			}
		}
		if p, inc, rp := balance(t, l, ledger.DonationsPending), balance(t, l, ledger.Donations), balance(t, l, ledger.RefundsPayable); p != 0 || -inc != accepted || -rp != refunded {
			t.Fatalf("pending %d income %d refunds %d; want 0, -%d, -%d", p, inc, rp, accepted, refunded)
		}
		if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.Received != accepted {
			t.Fatalf("totals %v %v, want %d", tot, err, accepted)
		}
	})
}
