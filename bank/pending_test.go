package bank_test

import (
	"testing"

	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
)

// TestPendingAfterItsBookedLine: a report taken during a day (camt.052)
// and uploaded after the day's statement shows a line as pending that the
// statement booked already: it is that line, not a new pending one that
// would wait for ever. Of two equal lines, the one still pending waits,
// also when the other is booked in the same report.
func TestPendingAfterItsBookedLine(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		gift := banktest.Line{Date: "2026-03-02", Minor: 2000, Name: "Hans Meier", Remittance: "Spende"}
		pending := gift
		pending.Pending = true
		day := banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{gift}}
		w.mustImport(banktest.Camt053(day))

		morning := day
		morning.Lines = []banktest.Line{pending}
		if st := w.mustImport(intraday(banktest.Camt053(morning))); st.NewLines != 0 || st.DuplicateLines != 1 || len(w.lines(bank.Pending)) != 0 {
			t.Fatalf("the morning's report after the day's statement: %+v, %d lines pending", st, len(w.lines(bank.Pending)))
		}
		// The same gift again that day, still pending in a later report.
		noon := day
		noon.Lines = []banktest.Line{pending, gift}
		if st := w.mustImport(intraday(banktest.Camt053(noon))); st.NewLines != 1 || st.DuplicateLines != 1 || len(w.lines(bank.Pending)) != 1 || len(w.lines(bank.Queued)) != 1 {
			t.Fatalf("a second equal gift pending: %+v, %d lines pending", st, len(w.lines(bank.Pending)))
		}

		// The next day the bank's fee is pending; then it is booked and an
		// equal second fee is pending, in one report; then both are booked.
		// (The noon report's gift stays pending throughout.)
		fee := banktest.Line{Date: "2026-03-03", Minor: 500, Debit: true, Name: "Bank", Remittance: "Kontoführung"}
		pendingFee := fee
		pendingFee.Pending = true
		next := banktest.Statement{ID: "N", IBAN: fundIBAN, From: "2026-03-03", To: "2026-03-03", Opening: 2000}
		for _, step := range []struct {
			lines                  []banktest.Line
			report                 bool
			fresh, pending, queued int
		}{
			{[]banktest.Line{pendingFee}, true, 1, 2, 1},
			{[]banktest.Line{fee, pendingFee}, true, 2, 2, 2},
			{[]banktest.Line{fee, fee}, false, 1, 1, 3},
		} {
			next.Lines = step.lines
			file := banktest.Camt053(next)
			if step.report {
				file = intraday(file)
			}
			if st := w.mustImport(file); st.NewLines != step.fresh || len(w.lines(bank.Pending)) != step.pending || len(w.lines(bank.Queued)) != step.queued {
				t.Fatalf("%+v: %+v, %d lines pending, %d queued", step, st, len(w.lines(bank.Pending)), len(w.lines(bank.Queued)))
			}
		}
	})
}
