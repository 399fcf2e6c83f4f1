package donations_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"fundus"
	"fundus/audit"
	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

var (
	treasurer = &auth.User{ID: "user-treasurer", Roles: []auth.Role{auth.Treasurer}}
	auditor   = &auth.User{ID: "user-auditor", Roles: []auth.Role{auth.Auditor}}
	applicant = &auth.User{ID: "user-applicant", Roles: []auth.Role{auth.Applicant}}
)

const maxAmount = 100000000

func mustService(t testing.TB, d *db.DB) (*donations.Service, *ledger.Service) {
	t.Helper()
	w := ledgertest.Writer(t, d, nil)
	return &donations.Service{
		DB: d, Writer: w, MaxAmount: maxAmount,
		Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Integrationsfonds"},
	}, &ledger.Service{DB: d, Writer: w, MaxAmount: maxAmount}
}

func mustPledge(t testing.TB, s *donations.Service, amount string) *donations.PledgeResult {
	t.Helper()
	p, err := ledgertest.Value(s.Pledge(context.Background(), donations.Pledge{Amount: fundus.Amount(amount)}))
	if err != nil {
		t.Fatalf("pledge %s: %v", amount, err)
	}
	return p
}

func balance(t interface {
	Helper()
	Fatal(...any)
	Fatalf(string, ...any)
}, l *ledger.Service, code string) int64 {
	t.Helper()
	accts, err := l.Accounts(context.Background(), auditor)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accts {
		if a.Code == code {
			return a.Balance.Minor
		}
	}
	t.Fatalf("no account %s", code)
	return 0
}

func TestTransitions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := mustService(t, d)

		p, err := ledgertest.Value(s.Pledge(ctx, donations.Pledge{
			Amount: fundus.Amount("25.00"), ReceiptRequested: true, Message: "Für das Sprachcafé",
			Donor: &donations.Donor{Name: "Erika Mustermann", Email: "Erika@Example.org", Street: "Heger Str. 1", PostalCode: "49074", City: "Osnabrück"},
		}))
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != donations.Pledged || p.Payment.Reference != p.Reference || p.Payment.IBAN != "DE89370400440532013000" ||
			p.Payment.Amount.String() != "25.00" || !strings.HasSuffix(p.Payment.QRCodeURL, "/girocode.png") || p.Donor.Email != "erika@example.org" {
			t.Fatalf("pledge %+v %+v", p.Donation, p.Payment)
		}
		if _, err := donations.ParseReference(p.Reference); err != nil {
			t.Fatalf("reference %s: %v", p.Reference, err)
		}
		if payload, err := s.GiroCodeOf(ctx, p.ID); err != nil || !strings.Contains(payload, "\nEUR25.00\nCHAR\n\n"+p.Reference) {
			t.Fatalf("girocode %q %v", payload, err)
		}

		t.Run("ErrRoles", func(t *testing.T) {
			if _, err := s.Confirm(ctx, auditor, p.ID, donations.Confirmation{}); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("auditor confirms: %v", err)
			}
			if _, err := s.Find(ctx, applicant, p.ID); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("applicant reads: %v", err)
			}
			var nobody *auth.User
			if _, err := s.Find(ctx, nobody, p.ID); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("nobody reads: %v", err)
			}
		})
		t.Run("ErrFutureReceipt", func(t *testing.T) {
			tomorrow := time.Now().Add(25 * time.Hour).Format(time.RFC3339) // more than a day ahead (ReceivedAhead)
			_, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: tomorrow})
			if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "received_at", Code: "future"}), err) {
				t.Fatalf("future: %v", err)
			}
			_, err = s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: "yesterday"})
			if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "received_at", Code: "time"}), err) {
				t.Fatalf("garbage: %v", err)
			}
		})

		got, err := ledgertest.Value(s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: "2026-01-15"}))
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != donations.Received || got.LedgerEntryID == "" || got.ReceivedAt.Format(time.DateOnly) != "2026-01-15" {
			t.Fatalf("confirmed %+v", got)
		}
		// Confirmed by hand, the money waits in assets:clearing for its
		// bank line.
		if balance(t, l, ledger.Clearing) != 2500 || balance(t, l, ledger.Donations) != -2500 || balance(t, l, ledger.Bank) != 0 {
			t.Fatal("confirmation did not post to assets:clearing")
		}
		e, err := l.Entry(ctx, auditor, got.LedgerEntryID)
		if err != nil || e.Ref == nil || e.Ref.ID != p.ID || strings.Contains(e.Memo, "Erika") {
			t.Fatalf("entry %+v %v", e, err)
		}
		if _, err := s.GiroCodeOf(ctx, p.ID); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("girocode of a received donation: %v", err)
		}

		for name, f := range map[string]func() error{
			"confirm twice":     func() error { _, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{}); return err },
			"cancel a received": func() error { _, err := s.Cancel(ctx, treasurer, p.ID); return err },
		} {
			if err := f(); !errs.Is(errs.InvalidState, err) {
				t.Errorf("%s: %v", name, err)
			}
		}

		refunded, err := ledgertest.Value(s.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "Donor asked for it back"}))
		if err != nil || refunded.Status != donations.Refunded || refunded.RefundEntryID == "" {
			t.Fatalf("refund %+v %v", refunded, err)
		}
		// A refund is owed at once; the bank line that pays it takes the
		// money out of the bank.
		if balance(t, l, ledger.RefundsPayable) != -2500 || balance(t, l, ledger.Donations) != 0 {
			t.Fatal("refund did not post")
		}
		if _, err := s.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "again"}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("refund twice: %v", err)
		}

		q := mustPledge(t, s, "10")
		if _, err := s.Refund(ctx, treasurer, q.ID, donations.Refund{Reason: "x"}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("refund a pledge: %v", err)
		}
		c, err := ledgertest.Value(s.Cancel(ctx, treasurer, q.ID))
		if err != nil || c.Status != donations.Cancelled {
			t.Fatalf("cancel %+v %v", c, err)
		}
		if _, err := s.Confirm(ctx, treasurer, q.ID, donations.Confirmation{}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("confirm a cancelled: %v", err)
		}
		if _, err := s.Confirm(ctx, treasurer, "nope", donations.Confirmation{}); !errs.Is(errs.NotFound, err) {
			t.Fatalf("confirm nothing: %v", err)
		}

		found, err := s.FindByReference(ctx, treasurer, strings.ToLower(q.Reference))
		if err != nil || found.ID != q.ID {
			t.Fatalf("by reference: %v", err)
		}
		typo := []byte(q.Reference)
		typo[6] = map[bool]byte{true: 'A', false: 'C'}[typo[6] != 'A']
		_, err = s.FindByReference(ctx, treasurer, string(typo))
		if !errs.Match(errs.E(errs.Invalid, errs.FieldError{Field: "reference", Code: "reference_check"}), err) {
			t.Fatalf("typo %s: %v", typo, err)
		}

		recs, _, err := (&audit.Service{DB: d}).List(ctx, auditor, audit.Filter{ObjectID: p.ID, Limit: 10})
		if err != nil || len(recs) != 3 || recs[0].Action != "donation.pledge" || recs[1].Action != "donation.confirm" || recs[2].Action != "donation.refund" {
			t.Fatalf("audit %+v %v", recs, err)
		}
		if strings.Contains(string(recs[0].Details), "Erika") {
			t.Fatal("personal data in the audit trail")
		}
	})
}

func TestRefundNeedsAvailableMoney(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := mustService(t, d)
		p := mustPledge(t, s, "100.00")
		if _, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{}); err != nil {
			t.Fatal(err)
		}
		// The committee commits 80.00 of it to a grant.
		if _, err := l.PostManual(ctx, treasurer, ledger.ManualEntry{Memo: "grant", Postings: []ledger.ManualPosting{
			{Account: ledger.GrantsExpense, Amount: fundus.Amount("80.00")}, {Account: ledger.GrantsPayable, Amount: fundus.Amount("-80.00")}}}); err != nil {
			t.Fatal(err)
		}
		_, err := s.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "asked"})
		if !errs.Is(errs.InsufficientFunds, err) {
			t.Fatalf("err = %v, want InsufficientFunds", err)
		}
		got, _ := s.Find(ctx, treasurer, p.ID)
		if got.Status != donations.Received || balance(t, l, ledger.Clearing) != 10000 || balance(t, l, ledger.RefundsPayable) != 0 {
			t.Fatalf("the refused refund changed something: %+v", got)
		}
	})
}

func TestPledgeValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		full := func() *donations.Donor {
			return &donations.Donor{Name: "A", Email: "a@example.org", Street: "S 1", PostalCode: "49074", City: "Osnabrück"}
		}
		for name, c := range map[string]struct {
			in     donations.Pledge
			fields string
		}{
			"no amount":       {donations.Pledge{}, "amount"},
			"hostile amount":  {donations.Pledge{Amount: fundus.Amount("1e3")}, "amount"},
			"negative":        {donations.Pledge{Amount: fundus.Amount("-5")}, "amount"},
			"other currency":  {donations.Pledge{Amount: fundus.Amount("5"), Currency: "USD"}, "currency"},
			"long message":    {donations.Pledge{Amount: fundus.Amount("5"), Message: strings.Repeat("ä", 1001)}, "message"},
			"bad email":       {donations.Pledge{Amount: fundus.Amount("5"), Donor: &donations.Donor{Email: "not an email"}}, "donor.email"},
			"bad postal code": {donations.Pledge{Amount: fundus.Amount("5"), Donor: &donations.Donor{PostalCode: "<script>"}}, "donor.postal_code"},
			"receipt without address": {donations.Pledge{Amount: fundus.Amount("5"), ReceiptRequested: true, Donor: &donations.Donor{Name: "A"}},
				"donor.street,donor.postal_code,donor.city"},
			"receipt without donor": {donations.Pledge{Amount: fundus.Amount("5"), ReceiptRequested: true}, "donor.name,donor.street,donor.postal_code,donor.city"},
			"control in name":       {donations.Pledge{Amount: fundus.Amount("5"), Donor: &donations.Donor{Name: "a\x00b"}}, "donor.name"},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := s.Pledge(context.Background(), c.in)
				var got []string
				for _, f := range errs.FieldsOf(err) {
					got = append(got, f.Field)
				}
				if !errs.Is(errs.Invalid, err) || strings.Join(got, ",") != c.fields {
					t.Fatalf("err = %v, fields %v; want %s", err, got, c.fields)
				}
			})
		}
		if _, err := s.Pledge(context.Background(), donations.Pledge{Amount: fundus.Amount("5"), ReceiptRequested: true, Donor: full()}); err != nil {
			t.Fatalf("a full receipt request: %v", err)
		}
		var n int
		d.Get(&n, "SELECT count(*) FROM donations")
		if n != 1 {
			t.Fatalf("%d donations stored, want 1", n)
		}
	})
}

// TestDonationProperties runs random pledge/confirm/cancel/refund sequences
// and checks the ledger's invariants and that income:donations equals the
// sum of what was received minus what was refunded.
func TestDonationProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close() // each run its own database; do not hoard connections
			s, l := mustService(t, d)
			defer s.Writer.Close()
			ctx := context.Background()
			type state struct {
				id     string
				amount int64
				status donations.Status
			}
			var all []*state
			var received int64
			steps := rapid.IntRange(1, 25).Draw(rt, "steps")
			for i := 0; i < steps; i++ {
				if len(all) == 0 || rapid.IntRange(0, 3).Draw(rt, "pledge?") == 0 {
					a := rapid.Int64Range(1, 100000).Draw(rt, "amount")
					p, err := ledgertest.Value(s.Pledge(ctx, donations.Pledge{Amount: fundus.Amount(fundus.FormatMinor(a, fundus.EUR))}))
					if err != nil {
						rt.Fatal(err)
					}
					all = append(all, &state{id: p.ID, amount: a, status: donations.Pledged})
					continue
				}
				st := rapid.SampledFrom(all).Draw(rt, "donation")
				var err error
				var want donations.Status
				switch op := rapid.IntRange(0, 2).Draw(rt, "op"); op {
				case 0:
					_, err = s.Confirm(ctx, treasurer, st.id, donations.Confirmation{})
					want = map[bool]donations.Status{true: donations.Received}[st.status == donations.Pledged]
				case 1:
					_, err = s.Cancel(ctx, treasurer, st.id)
					want = map[bool]donations.Status{true: donations.Cancelled}[st.status == donations.Pledged]
				case 2:
					_, err = s.Refund(ctx, treasurer, st.id, donations.Refund{Reason: "r"})
					want = map[bool]donations.Status{true: donations.Refunded}[st.status == donations.Received]
				}
				if want == "" {
					if !errs.Is(errs.InvalidState, err) {
						rt.Fatalf("from %s: err = %v, want InvalidState", st.status, err)
					}
					continue
				}
				if err != nil {
					rt.Fatalf("from %s to %s: %v", st.status, want, err)
				}
				switch want {
				case donations.Received:
					received += st.amount
				case donations.Refunded:
					received -= st.amount
				}
				st.status = want
			}
			if got := -balance(rt, l, ledger.Donations); got != received {
				rt.Fatalf("income:donations is %d, received minus refunded is %d", got, received)
			}
			var count int64
			for _, st := range all {
				if st.status == donations.Received {
					count++
				}
			}
			if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.Received != received || tot.ReceivedCount != count {
				rt.Fatalf("totals %v %v, want %d donations, %d cents", tot, err, count, received)
			}
			r, err := ledger.VerifyDB(ctx, d)
			if err != nil || !r.OK {
				rt.Fatalf("verify %+v %v", r, err)
			}
		})
	})
}

// TestConcurrentConfirms confirms 10 pledges 4 times each, all at once:
// the confirms of a batch mark their donations in one statement, so the
// same donation often comes twice in it. Each is confirmed once, and the
// bank and the donation totals (kept by triggers) count each once.
func TestConcurrentConfirms(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, l := mustService(t, d)
		var pledges []*donations.PledgeResult
		for i := 1; i <= 10; i++ {
			pledges = append(pledges, mustPledge(t, s, fmt.Sprintf("%d.00", i)))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := map[string]int{}
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := pledges[i%10].ID
				_, err := s.Confirm(context.Background(), treasurer, id, donations.Confirmation{})
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok[id]++
				} else if !errs.Is(errs.InvalidState, err) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		for _, p := range pledges {
			if ok[p.ID] != 1 {
				t.Errorf("pledge %s confirmed %d times", p.Reference, ok[p.ID])
			}
		}
		if b := balance(t, l, ledger.Clearing); b != 5500 {
			t.Fatalf("assets:clearing %d, want 5500", b)
		}
		if tot, err := donations.ReceivedTotals(context.Background(), d); err != nil || tot.ReceivedCount != 10 || tot.Received != 5500 {
			t.Fatalf("totals %+v %v, want 10 donations, 5500 cents", tot, err)
		}
	})
}

// TestDomainEntriesAreNotReversed: a donation's entry is undone by a
// refund, not by reversing it in the ledger (which would leave the
// donation "received" with no money behind it).
func TestDomainEntriesAreNotReversed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := mustService(t, d)
		p := mustPledge(t, s, "10.00")
		got, err := ledgertest.Value(s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Reverse(ctx, treasurer, got.LedgerEntryID, ledger.Reversal{Reason: "x"}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("reversing a donation's entry: %v", err)
		}
	})
}

// TestRefundQueuedBeforeConfirm: a refund and a confirm of one donation
// land in one batch, the refund first. The confirms of a batch share one
// statement (commit.Shared), but no other call may see its effect before
// their money: the refund finds the donation pledged and is refused.
func TestRefundQueuedBeforeConfirm(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, l := mustService(t, d)
		ctx := context.Background()
		p := mustPledge(t, s, "50.00")
		started, release := make(chan struct{}), make(chan struct{})
		go commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) { close(started); <-release; return 0, nil })
		<-started
		refund, confirm := make(chan error, 1), make(chan error, 1)
		go func() {
			_, err := s.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "x"})
			refund <- err
		}()
		for s.Writer.Queued() < 1 {
			runtime.Gosched()
		}
		go func() {
			_, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{})
			confirm <- err
		}()
		for s.Writer.Queued() < 2 {
			runtime.Gosched()
		}
		close(release)
		if err := <-refund; !errs.Is(errs.InvalidState, err) {
			t.Fatalf("refund: %v, want invalid state (the donation was pledged)", err)
		}
		if err := <-confirm; err != nil {
			t.Fatalf("confirm: %v", err)
		}
		if b := balance(t, l, ledger.Clearing); b != 5000 {
			t.Fatalf("assets:clearing %d, want 5000", b)
		}
		if r, err := ledger.VerifyDB(ctx, d); err != nil || !r.OK {
			t.Fatalf("verify %+v %v", r, err)
		}
	})
}

// TestReceivedAtWithinTheFund: received_at before the fund's first day or
// more than a day ahead is Invalid naming received_at, and changes
// nothing; the first day itself is fine.
func TestReceivedAtWithinTheFund(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := mustService(t, d)
		s.FundStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		p := mustPledge(t, s, "10.00")
		for _, c := range []struct{ name, at, code string }{
			{"the day before", "2025-12-31", "before_fund_start"},
			{"the last microsecond before", "2025-12-31T23:59:59.999999Z", "before_fund_start"},
			{"the day before west of UTC", "2025-12-31T23:30:00-01:00", "before_fund_start"},
			{"1900", "1900-01-01", "before_fund_start"},
			{"year one", "0001-01-01", "before_fund_start"},
			{"25 hours ahead", time.Now().Add(25 * time.Hour).Format(time.RFC3339), "future"},
			{"two days ahead", time.Now().AddDate(0, 0, 2).Format(time.DateOnly), "future"},
			{"9999", "9999-12-31", "future"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: c.at})
				want := errs.E(errs.Invalid, errs.FieldError{Field: "received_at", Code: c.code})
				if !errs.Match(want, err) || len(errs.FieldsOf(err)) != 1 {
					t.Fatalf("%s: %v %+v, want Invalid naming only received_at (%s)", c.at, err, errs.FieldsOf(err), c.code)
				}
				if b := balance(t, l, ledger.Clearing); b != 0 {
					t.Fatalf("%s: assets:clearing holds %d", c.at, b)
				}
			})
		}
		// The first day, also in a time zone ahead of UTC.
		got, err := ledgertest.Value(s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: "2026-01-01T00:30:00+01:00"}))
		if err != nil || !got.ReceivedAt.Equal(time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)) {
			t.Fatalf("the first day: %v %v", got, err)
		}
	})
}

// TestListReportsEveryBadField: a filter with a status that is none and a
// search text with a control character is refused naming both fields.
func TestListReportsEveryBadField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s, _ := mustService(t, d)
		_, _, err := s.List(context.Background(), treasurer, donations.Filter{Status: "lost", Query: "a\x1bb"})
		want := errs.E(errs.Invalid, []errs.FieldError{{Field: "status", Code: "oneof"}, {Field: "q", Code: "control"}})
		if !errs.Match(want, err) {
			t.Fatalf("%v %+v", err, errs.FieldsOf(err))
		}
	})
}
