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
// would wait for ever. Of two equal lines, the one still pending waits.
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
	})
}
