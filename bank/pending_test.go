package bank_test

import (
	"strings"
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

// TestPendingBookedOnAnotherDay: banks book a line they showed as pending
// a day or a few later. The booked line replaces the pending line of the
// same content (account, amount, direction, counterparty IBAN, remittance,
// end-to-end id) whose date lies up to bank.Window days before or after
// its own, the nearest first, one pending line each: of two equal pending
// lines one booked line replaces one. A booked line further away replaces
// nothing; a report uploaded after the statement that booked its line adds
// no pending line.
func TestPendingBookedOnAnotherDay(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		gift := banktest.Line{Minor: 2000, Name: "Hans Meier", IBAN: "DE02120300000000202051", Remittance: "Spende", EndToEndID: "E2E-1"}
		line := func(date string, pending bool) banktest.Line {
			l := gift
			l.Date, l.Pending = date, pending
			return l
		}
		report := func(from, to string, lines ...banktest.Line) []byte { // the bank's report during day to
			return intraday(banktest.Camt053(banktest.Statement{ID: "R" + to, IBAN: fundIBAN, From: from, To: to, NoBalances: true, Lines: lines}))
		}
		statement := func(day string, lines ...banktest.Line) []byte {
			return banktest.Camt053(banktest.Statement{ID: "S" + day, IBAN: fundIBAN, From: day, To: day, NoBalances: true, Lines: lines})
		}
		want := func(step string, st *bank.Statement, fresh, pending, queued int) []*bank.Line {
			t.Helper()
			p, q := w.lines(bank.Pending), w.lines(bank.Queued)
			if st.NewLines != fresh || len(p) != pending || len(q) != queued {
				t.Fatalf("%s: %+v; %d lines pending, %d queued; want %d new, %d pending, %d queued", step, st, len(p), len(q), fresh, pending, queued)
			}
			return p
		}

		// Pending on Friday, booked on Monday.
		want("pending on friday", w.mustImport(report("2026-03-06", "2026-03-06", line("2026-03-06", true))), 1, 1, 0)
		want("booked on monday", w.mustImport(statement("2026-03-09", line("2026-03-09", false))), 1, 0, 1)
		// The Friday report again, after: its line is the booked one.
		want("friday's report again", w.mustImport(report("2026-03-06", "2026-03-06", line("2026-03-06", true))), 0, 0, 1)

		// Two equal gifts pending; one is booked the next day, the other
		// two days after that.
		want("two pending", w.mustImport(report("2026-03-16", "2026-03-16", line("2026-03-16", true), line("2026-03-16", true))), 2, 2, 1)
		want("one booked", w.mustImport(statement("2026-03-17", line("2026-03-17", false))), 1, 1, 2)
		want("the other booked", w.mustImport(statement("2026-03-19", line("2026-03-19", false))), 1, 0, 3)

		// The nearest pending line goes: pending on the 23rd and the 26th,
		// one booked on the 27th replaces the 26th's.
		want("pending twice", w.mustImport(report("2026-03-23", "2026-03-26", line("2026-03-23", true), line("2026-03-26", true))), 2, 2, 3)
		if p := want("booked on the 27th", w.mustImport(statement("2026-03-27", line("2026-03-27", false))), 1, 1, 4); p[0].BookingDate != "2026-03-23" {
			t.Fatalf("the pending line of %s stays, want the one of 2026-03-23", p[0].BookingDate)
		}
		want("booked on the 28th", w.mustImport(statement("2026-03-28", line("2026-03-28", false))), 1, 0, 5)

		// Outside the window a booked line replaces nothing: one booked six
		// days before a pending line, one six days after it.
		pending := want("pending on april 10th", w.mustImport(report("2026-04-10", "2026-04-10", line("2026-04-10", true))), 1, 1, 5)
		want("booked six days before", w.mustImport(statement("2026-04-04", line("2026-04-04", false))), 1, 1, 6)
		after := want("booked six days after, the report still shows it pending",
			w.mustImport(report("2026-04-10", "2026-04-16", line("2026-04-10", true), line("2026-04-16", false))), 1, 1, 7)
		if after[0].ID != pending[0].ID {
			t.Fatalf("the pending line was replaced: %+v, was %+v", after[0], pending[0])
		}

		// A Friday's report uploaded only after Monday's statement: its
		// pending line is Monday's booked line, not one that would wait.
		want("monday's statement first", w.mustImport(statement("2026-05-11", line("2026-05-11", false))), 1, 1, 8)
		want("friday's report late", w.mustImport(report("2026-05-08", "2026-05-08", line("2026-05-08", true))), 0, 1, 8)
	})
}

// TestPendingWithdrawn: a statement that shows pending lines shows all
// that are pending in its period: a pending line of that period it neither
// shows nor books was withdrawn by the bank and goes; one of another
// period, or a statement that shows no pending line (a day's statement),
// leaves it.
func TestPendingWithdrawn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		card := banktest.Line{Date: "2026-05-04", Minor: 4990, Debit: true, Name: "Copyshop", Remittance: "Kartenzahlung", Pending: true}
		other := banktest.Line{Date: "2026-05-05", Minor: 1200, Debit: true, Name: "Post", Remittance: "Porto", Pending: true}
		file := func(from, to string, lines ...banktest.Line) []byte {
			return intraday(banktest.Camt053(banktest.Statement{ID: "R" + to, IBAN: fundIBAN, From: from, To: to, NoBalances: true, Lines: lines}))
		}
		pending := func() []string {
			var out []string
			for _, l := range w.lines(bank.Pending) {
				out = append(out, l.Remittance)
			}
			return out
		}
		w.mustImport(file("2026-05-04", "2026-05-04", card))
		// A day's statement without pending lines, and a report of the next
		// day showing another pending line, leave it.
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-05-04", To: "2026-05-04", NoBalances: true}))
		w.mustImport(file("2026-05-05", "2026-05-05", other))
		if p := pending(); len(p) != 2 {
			t.Fatalf("pending %v, want both", p)
		}
		// The report of both days shows only the other: the card payment
		// was withdrawn.
		w.mustImport(file("2026-05-04", "2026-05-05", other))
		if p := pending(); len(p) != 1 || p[0] != "Porto" {
			t.Fatalf("pending %v, want only Porto", p)
		}
	})
}

// TestPendingWithdrawnOnlyOfItsAccount: the fund moved to another bank
// (FUNDUS_BANK_IBAN changed): a report of the new account that shows its
// pending lines withdraws none of the old account's, though dated in its
// period; a report of the old account would.
func TestPendingWithdrawnOnlyOfItsAccount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		const newAccount = "DE02500105170137075030"
		oldCard := banktest.Line{Date: "2026-05-04", Minor: 4990, Debit: true, Name: "Copyshop", Remittance: "Kartenzahlung", Pending: true}
		newCard := banktest.Line{Date: "2026-05-04", Minor: 1200, Debit: true, Name: "Post", Remittance: "Porto", Pending: true}
		w.mustImport(intraday(banktest.Camt053(banktest.Statement{ID: "OLD", IBAN: fundIBAN, From: "2026-05-04", To: "2026-05-04", NoBalances: true, Lines: []banktest.Line{oldCard}})))
		w.bank.IBAN = newAccount
		w.mustImport(intraday(banktest.Camt053(banktest.Statement{ID: "NEW", IBAN: newAccount, From: "2026-05-04", To: "2026-05-04", NoBalances: true, Lines: []banktest.Line{newCard}})))
		if p := w.lines(bank.Pending); len(p) != 2 {
			t.Fatalf("%d lines pending, want the old account's and the new one's", len(p))
		}
	})
}

// notification rewrites a camt.053 file as the bank's notification of
// single entries (camt.054), without balances.
func notification(camt053 []byte) []byte {
	return []byte(strings.NewReplacer("camt.053.001.08", "camt.054.001.08", "BkToCstmrStmt>", "BkToCstmrDbtCdtNtfctn>",
		"<Stmt>", "<Ntfctn>", "</Stmt>", "</Ntfctn>").Replace(string(camt053)))
}

// TestPendingNotWithdrawnByANotification: a camt.054 notifies single
// entries, not all that are pending: one that notifies a pending card
// payment withdraws no other pending line of its days.
func TestPendingNotWithdrawnByANotification(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		card := banktest.Line{Date: "2026-05-04", Minor: 4990, Debit: true, Name: "Copyshop", Remittance: "Kartenzahlung", Pending: true}
		other := banktest.Line{Date: "2026-05-04", Minor: 1200, Debit: true, Name: "Post", Remittance: "Porto", Pending: true}
		w.mustImport(intraday(banktest.Camt053(banktest.Statement{ID: "R", IBAN: fundIBAN, From: "2026-05-04", To: "2026-05-04", NoBalances: true, Lines: []banktest.Line{card}})))
		st, err := w.importFile(notification(banktest.Camt053(banktest.Statement{ID: "N", IBAN: fundIBAN, From: "2026-05-04", To: "2026-05-04", NoBalances: true, Lines: []banktest.Line{other}})))
		if err != nil || !strings.HasPrefix(st.Format, "camt.054") {
			t.Fatalf("the notification: %+v, %v", st, err)
		}
		if p := w.lines(bank.Pending); len(p) != 2 {
			t.Fatalf("%d lines pending after a notification of one, want both", len(p))
		}
		// A report of the day that shows only the other: the card payment was withdrawn.
		w.mustImport(intraday(banktest.Camt053(banktest.Statement{ID: "R2", IBAN: fundIBAN, From: "2026-05-04", To: "2026-05-04", NoBalances: true, Lines: []banktest.Line{other}})))
		if p := w.lines(bank.Pending); len(p) != 1 || p[0].Remittance != "Porto" {
			t.Fatalf("pending after the report: %d", len(p))
		}
	})
}
