package bank_test

import (
	"context"
	"testing"

	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/figures"
	"fundus/ledger"
)

// TestBookedLinesKeepProjectFigures: a line booked by hand cannot move
// expenses:grants, which the projects' figures follow only through
// applications and instalments: a debit there would pay a grant without
// four eyes, a credit would pay back past what a closing says is owed.
func TestBookedLinesKeepProjectFigures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-01", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-01", Minor: 50000, Name: "Stadt Osnabrueck", Remittance: "Anfangsbestand"},
			{Date: "2026-03-02", Minor: 10000, Debit: true, Name: "Verein", Remittance: "Zuschuss"},
			{Date: "2026-03-02", Minor: 2500, Name: "Verein", Remittance: "Rueckzahlung"},
		}}))
		for _, l := range w.lines(bank.Queued) {
			account := ledger.GrantsExpense
			if l.Amount.Minor == 50000 {
				account = ledger.OpeningBalance
			}
			_, _ = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: account, Memo: "von Hand"})
		}
		y, err := figures.OfYear(ctx, d, 2026)
		if err != nil {
			t.Fatal(err)
		}
		var paid, approved int64
		for _, p := range y.Projects {
			paid, approved = paid+p.Paid.Minor, approved+p.Approved.Minor
		}
		if y.GrantsPaid.Minor != paid || y.GrantsApproved.Minor != approved {
			t.Fatalf("fund: paid %s, approved %s; its projects: paid %d, approved %d", y.GrantsPaid, y.GrantsApproved, paid, approved)
		}
	})
}
