package donations_test

import (
	"context"
	"testing"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestConfirmAnotherAmount: a treasurer confirms by hand what really
// arrived. The amount is recorded as received_amount, booked, counted in
// the public totals and refunded in full; the pledged amount leaves it
// unset; a bad amount changes nothing and is named with a bad date too.
func TestConfirmAnotherAmount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s, l := mustService(t, d)
		p := mustPledge(t, s, "50.00")

		for _, c := range []struct{ amount, code string }{
			{"0", "amount_zero"}, {"-5.00", "amount_positive"}, {"12.345", "amount_decimals"},
			{"1.250,50", "amount_format"}, {"1000000.01", "amount_max"},
		} {
			_, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{Amount: fundus.Amount(c.amount)})
			if want := errs.E(errs.Invalid, errs.FieldError{Field: "amount", Code: c.code}); !errs.Match(want, err) {
				t.Fatalf("amount %q: %v %+v, want Invalid naming amount (%s)", c.amount, err, errs.FieldsOf(err), c.code)
			}
		}
		_, err := s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{Amount: fundus.Amount("x"), ReceivedAt: "1900-01-01"})
		if fs := errs.FieldsOf(err); len(fs) != 2 {
			t.Fatalf("bad amount and date: %+v, want both fields named", fs)
		}
		if b := balance(t, l, ledger.Clearing); b != 0 {
			t.Fatalf("refusals booked: assets:clearing holds %d", b)
		}

		got, err := ledgertest.Value(s.Confirm(ctx, treasurer, p.ID, donations.Confirmation{Amount: fundus.Amount("45.50")}))
		if err != nil {
			t.Fatal(err)
		}
		if got.ReceivedAmount == nil || got.ReceivedAmount.Minor != 4550 || got.Amount.Minor != 5000 || got.Status != donations.Received {
			t.Fatalf("confirmed: %+v, want received_amount 45.50 of a 50.00 pledge", got)
		}
		if again, _ := s.Find(ctx, treasurer, p.ID); again.ReceivedAmount == nil || again.ReceivedAmount.Minor != 4550 {
			t.Fatalf("stored: %+v", again)
		}
		if b := balance(t, l, ledger.Clearing); b != 4550 {
			t.Fatalf("assets:clearing holds %d, want 4550", b)
		}
		if b := balance(t, l, ledger.Donations); b != -4550 {
			t.Fatalf("income:donations holds %d, want -4550", b)
		}
		if tot, err := donations.ReceivedTotals(ctx, d); err != nil || tot.Received != 4550 || tot.ReceivedCount != 1 {
			t.Fatalf("totals %v %v, want 1 donation of 45.50", tot, err)
		}
		if _, err := s.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "asked back"}); err != nil {
			t.Fatal(err)
		}
		if b := balance(t, l, ledger.RefundsPayable); b != -4550 {
			t.Fatalf("refunds payable %d, want what arrived, -4550", b)
		}
		if tot, _ := donations.ReceivedTotals(ctx, d); tot.Received != 0 || tot.ReceivedCount != 0 {
			t.Fatalf("totals after refund %v", tot)
		}

		// The pledged amount typed out is the pledged amount: nothing recorded.
		q := mustPledge(t, s, "20.00")
		got, err = ledgertest.Value(s.Confirm(ctx, treasurer, q.ID, donations.Confirmation{Amount: fundus.Amount("20")}))
		if err != nil || got.ReceivedAmount != nil {
			t.Fatalf("pledged amount: %+v %v, want no received_amount", got, err)
		}
		if tot, _ := donations.ReceivedTotals(ctx, d); tot.Received != 2000 {
			t.Fatalf("totals %v", tot)
		}
	})
}
