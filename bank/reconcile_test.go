package bank_test

import (
	"context"
	"testing"

	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
)

// TestReconcileWithAReportOfTheSameDay: the day's statement (camt.053)
// is reconciled, not a report taken during that day (camt.052) that was
// uploaded after it.
func TestReconcileWithAReportOfTheSameDay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		day := banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 50000, Name: "Stadt Osnabrueck", Remittance: "Anfangsbestand"},
			{Date: "2026-03-02", Minor: 250, Name: "Bank", Remittance: "Zinsen"},
		}}
		w.mustImport(banktest.Camt053(day))
		morning := day
		morning.Lines = day.Lines[:1]
		if st := w.mustImport(intraday(banktest.Camt053(morning))); st.Format != "camt.052.001.08" || st.ClosingBalance.Minor != 50000 {
			t.Fatalf("the report: %+v", st)
		}
		for _, l := range w.lines(bank.Queued) {
			account := ledger.OpeningBalance
			if l.Remittance == "Zinsen" {
				account = "income:interest"
			}
			if _, err := w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: account, Memo: l.Remittance}); err != nil {
				t.Fatal(err)
			}
		}
		rec, err := w.bank.Reconcile(ctx, auditor)
		if err != nil || rec.StatementBalance.Minor != 50250 || rec.Difference.Minor != 0 {
			t.Fatalf("reconciliation %+v, %v: want the day's closing balance 502.50 and no difference", rec, err)
		}
	})
}
