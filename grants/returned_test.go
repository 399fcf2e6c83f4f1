package grants_test

import (
	"context"
	"testing"

	"fundus"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/grants"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestCloseAfterAReturn: an instalment the payee's bank sent back after
// the report is unpaid again, so the closing releases it with the rest;
// the grant's accounts end at what the bank paid for it.
func TestCloseAfterAReturn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.fund("1000.00")
		a := w.inReview("500.00")
		w.votes(a.ID, "approve", "approve", "approve")
		a, err := ledgertest.Value(w.g.Decide(ctx, w.members[1], a.ID, grants.DecisionInput{Decision: "approved"}))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, amount := range []string{"300.00", "150.00"} {
			di, err := ledgertest.Value(w.g.CreateDisbursement(ctx, w.kasse[0], a.ID, grants.DisbursementInput{Amount: fundus.Amount(amount)}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.g.Release(ctx, w.kasse[1], di.ID); err != nil {
				t.Fatal(err)
			}
			w.bankPays(di.ID)
			ids = append(ids, di.ID)
		}
		if _, err := w.g.Report(ctx, w.group, a.ID, grants.ReportInput{Spent: fundus.Amount("300.00"), Report: "Zwölf Treffen."}); err != nil {
			t.Fatal(err)
		}
		if _, err := commit.Do(ctx, w.g.Writer, func(tx *commit.Tx) (string, error) {
			di, err := grants.FindDisbursement(tx.Context(), tx.Reader(), ids[1])
			if err != nil {
				return "", err
			}
			return grants.ReturnOrPayBack(tx, di, grants.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 15000, Actor: "bank"})
		}); err != nil {
			t.Fatal(err)
		}
		if a, _ = w.g.Find(ctx, w.auditor, a.ID); a.Status != grants.Reported || a.PaidAmount.Minor != 30000 {
			t.Fatalf("after the return: %s, paid %v", a.Status, a.PaidAmount)
		}
		if _, err := w.g.Close(ctx, w.kasse[0], a.ID, grants.CloseInput{Returned: fundus.Amount("300.01")}); err == nil {
			t.Fatal("closed with more returned than the bank paid")
		}
		if _, err := w.g.Close(ctx, w.kasse[0], a.ID, grants.CloseInput{}); err != nil {
			t.Fatal(err)
		}
		if e, p, b := w.balance(ledger.GrantsExpense), w.balance(ledger.GrantsPayable), w.balance(ledger.Bank); e != 30000 || p != 0 || b != 100000-30000 {
			t.Fatalf("expense %d, payable %d, bank %d; want 30000, 0, 70000", e, p, b)
		}
	})
}

// TestReturnAfterClosing: the payee's bank may send a paid instalment
// back after the grant was closed; the money comes back to the fund once
// (assets:bank / expenses:grants, on the project's figures), and the group
// then owes nothing of what it said it returns.
func TestReturnAfterClosing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.fund("1000.00")
		a := w.inReview("500.00")
		w.votes(a.ID, "approve", "approve", "approve")
		a, err := ledgertest.Value(w.g.Decide(ctx, w.members[1], a.ID, grants.DecisionInput{Decision: "approved"}))
		if err != nil {
			t.Fatal(err)
		}
		di, err := ledgertest.Value(w.g.CreateDisbursement(ctx, w.kasse[0], a.ID, grants.DisbursementInput{Amount: fundus.Amount("300.00")}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.g.Release(ctx, w.kasse[1], di.ID); err != nil {
			t.Fatal(err)
		}
		w.bankPays(di.ID)
		if _, err := w.g.Report(ctx, w.group, a.ID, grants.ReportInput{Spent: fundus.Amount("300.00"), Report: "Zwölf Treffen."}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.g.Close(ctx, w.kasse[0], a.ID, grants.CloseInput{Returned: fundus.Amount("100.00")}); err != nil {
			t.Fatal(err)
		}
		sendBack := func(minor int64) error {
			_, err := commit.Do(ctx, w.g.Writer, func(tx *commit.Tx) (string, error) {
				di, err := grants.FindDisbursement(tx.Context(), tx.Reader(), di.ID)
				if err != nil {
					return "", err
				}
				return grants.ReturnOrPayBack(tx, di, grants.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: minor, Actor: "bank"})
			})
			return err
		}
		if err := sendBack(30000); err != nil {
			t.Fatalf("the instalment comes back: %v", err)
		}
		if err := sendBack(30000); err == nil {
			t.Fatal("the instalment came back twice")
		}
		if err := sendBack(10000); err == nil {
			t.Fatal("the group paid back money the bank had already brought back")
		}
		if e, p, b := w.balance(ledger.GrantsExpense), w.balance(ledger.GrantsPayable), w.balance(ledger.Bank); e != 0 || p != 0 || b != 100000 {
			t.Fatalf("expense %d, payable %d, bank %d; want 0, 0, 100000", e, p, b)
		}
		if a, _ = w.g.Find(ctx, w.auditor, a.ID); a.Status != grants.Closed || a.PaidAmount.Minor != 0 {
			t.Fatalf("after the return: %s, paid %v", a.Status, a.PaidAmount)
		}
	})
}
