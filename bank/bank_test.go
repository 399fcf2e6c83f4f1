package bank_test

import (
	"context"
	"strings"
	"testing"

	"fundus"
	"fundus/auth"
	"fundus/bank"
	"fundus/bank/banktest"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

const fundIBAN = "DE89370400440532013000"

var (
	treasurer = &auth.User{ID: "user-treasurer", Roles: []auth.Role{auth.Treasurer}}
	auditor   = &auth.User{ID: "user-auditor", Roles: []auth.Role{auth.Auditor}}
)

type world struct {
	t    *testing.T
	d    *db.DB
	bank *bank.Service
	dons *donations.Service
	l    *ledger.Service
}

func newWorld(t *testing.T, d *db.DB) *world {
	w := ledgertest.Writer(t, d, nil)
	return &world{t: t, d: d,
		bank: &bank.Service{DB: d, Writer: w, IBAN: fundIBAN, MaxAmount: 100000000},
		dons: &donations.Service{DB: d, Writer: w, MaxAmount: 100000000, Bank: donations.BankAccount{IBAN: fundIBAN, BIC: "COBADEFFXXX", Holder: "Fonds"}},
		l:    &ledger.Service{DB: d, Writer: w, MaxAmount: 100000000},
	}
}

func (w *world) pledge(amount string) *donations.Donation {
	w.t.Helper()
	p, err := ledgertest.Value(w.dons.Pledge(context.Background(), donations.Pledge{Amount: fundus.Amount(amount), Donor: &donations.Donor{Name: "Erika Mustermann"}}))
	if err != nil {
		w.t.Fatal(err)
	}
	return p.Donation
}

func (w *world) importFile(file []byte) (*bank.Statement, error) {
	w.t.Helper()
	return ledgertest.Value(w.bank.Import(context.Background(), treasurer, file))
}

func (w *world) mustImport(file []byte) *bank.Statement {
	w.t.Helper()
	st, err := w.importFile(file)
	if err != nil {
		w.t.Fatal(err)
	}
	return st
}

func (w *world) donation(id string) *donations.Donation {
	w.t.Helper()
	d, err := w.dons.Find(context.Background(), treasurer, id)
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *world) lines(status string) []*bank.Line {
	w.t.Helper()
	ls, _, err := w.bank.Lines(context.Background(), auditor, bank.LineFilter{Status: status, Limit: 500})
	if err != nil {
		w.t.Fatal(err)
	}
	return ls
}

func (w *world) entries() int64 {
	w.t.Helper()
	var n int64
	if err := w.d.Get(&n, `SELECT count(*) FROM entries`); err != nil {
		w.t.Fatal(err)
	}
	return n
}

// TestImportMatchesAndQueues: a statement's credit with a pledge's
// reference (in any spelling) and amount confirms the pledge, dated the
// booking day and caused by the bank line; everything else is queued with
// suggestions; the same file again, or one that overlaps, books nothing
// twice, while two equal gifts stay two.
func TestImportMatchesAndQueues(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		paid, typo, other := w.pledge("25.00"), w.pledge("40.00"), w.pledge("15.00")
		r := mistyped(typo.Reference)
		day1 := banktest.Statement{ID: "S1", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Opening: 100000, Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 2500, Name: "Erika Mustermann", IBAN: "DE02120300000000202051", Remittance: "Spende " + lowerSpaced(paid.Reference)},
			{Date: "2026-03-02", Minor: 4000, Name: "Hans Meier", Remittance: "Spende " + r},
			{Date: "2026-03-02", Minor: 1000, Name: "Anonym", Remittance: "fuer den Fonds"},
			{Date: "2026-03-02", Minor: 1000, Name: "Anonym", Remittance: "fuer den Fonds"},
			{Date: "2026-03-02", Minor: 350, Debit: true, Name: "Bank", Remittance: "Kontofuehrung"},
		}}
		st := w.mustImport(banktest.Camt053(day1))
		if st.Lines != 5 || st.NewLines != 5 || st.DuplicateLines != 0 || st.Matched != 1 || st.Queued != 4 {
			t.Fatalf("first import %+v", st)
		}
		got := w.donation(paid.ID)
		if got.Status != donations.Received || fundus.DayOf(*got.ReceivedAt) != "2026-03-02" {
			t.Fatalf("the paid pledge is %s, received %v", got.Status, got.ReceivedAt)
		}
		e, err := w.l.Entry(ctx, auditor, got.LedgerEntryID)
		if err != nil || e.Ref == nil || e.Ref.Type != "bank_line" || e.Date != "2026-03-02" {
			t.Fatalf("the entry %+v (%v): want dated 2026-03-02, caused by a bank line", e, err)
		}
		if w.donation(other.ID).Status != donations.Pledged {
			t.Fatal("a pledge without a line was confirmed")
		}

		// The same file again books nothing; an overlapping file with one
		// more line adds only that line.
		entries := w.entries()
		again := w.mustImport(banktest.Camt053(day1))
		if again.NewLines != 0 || again.DuplicateLines != 5 || w.entries() != entries {
			t.Fatalf("the same file again: %+v, entries %d -> %d", again, entries, w.entries())
		}
		day2 := day1
		day2.ID, day2.To = "S2", "2026-03-03"
		day2.Lines = append(append([]banktest.Line{}, day1.Lines...), banktest.Line{Date: "2026-03-03", Minor: 1500, Name: "Max", Remittance: other.Reference})
		over := w.mustImport(banktest.Camt053(day2))
		if over.NewLines != 1 || over.DuplicateLines != 5 || over.Matched != 1 {
			t.Fatalf("the overlapping file %+v", over)
		}
		if w.donation(other.ID).Status != donations.Received {
			t.Fatal("the overlapping file's new line did not confirm its pledge")
		}
		if queued := w.lines(bank.Queued); len(queued) != 4 {
			t.Fatalf("%d queued lines, want 4 (the typo, two equal gifts, the fee)", len(queued))
		}

		// The queued typo suggests its pledge.
		var typoLine *bank.Line
		for _, l := range w.lines(bank.Queued) {
			if l.Amount.Minor == 4000 {
				typoLine = l
			}
		}
		l, err := w.bank.Line(ctx, auditor, typoLine.ID)
		if err != nil || len(l.Suggestions) == 0 || l.Suggestions[0].ID != typo.ID {
			t.Fatalf("suggestions of the typo: %+v, %v", l, err)
		}
		ledgertest.Verify(t, d)
	})
}

// mistyped changes the check character of a reference: a typo its check
// always catches (swapping two neighbours is none when they are equal).
func mistyped(ref string) string {
	c := byte('3')
	if ref[len(ref)-1] == c {
		c = '4'
	}
	return ref[:len(ref)-1] + string(c)
}

// lowerSpaced writes a reference as a donor might: lower case, spaces
// instead of dashes.
func lowerSpaced(ref string) string {
	out := []byte(ref)
	for i, c := range out {
		switch {
		case c == '-':
			out[i] = ' '
		case c >= 'A' && c <= 'Z':
			out[i] = c + 'a' - 'A'
		}
	}
	return string(out)
}

// TestRefusedFilesChangeNothing: a statement of another account, one that
// does not add up, and one in a format not read are refused with their
// problems, and nothing is stored.
func TestRefusedFilesChangeNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.pledge("25.00")
		line := banktest.Line{Date: "2026-03-02", Minor: 2500, Name: "Erika", Remittance: p.Reference}
		before := dbtest.Dump(t, d, "bank_statements", "bank_lines", "entries", "donations")
		wrong := int64(1)
		for _, c := range []struct {
			name string
			file []byte
			kind errs.Kind
		}{
			{"another account", banktest.Camt053(banktest.Statement{ID: "X", IBAN: "DE02120300000000202051", From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{line}}), errs.WrongAccount},
			{"does not add up", banktest.Camt053(banktest.Statement{ID: "X", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Closing: &wrong, Lines: []banktest.Line{line}}), errs.StatementUnbalanced},
			{"MT940", []byte(":20:STARTUMSE\n:25:37040044/0532013000\n:28C:00001/001\n:60F:C260302EUR0,00\n:62F:C260302EUR0,00\n-"), errs.UnsupportedFile},
			{"not a bank file", []byte("hello"), errs.UnsupportedFile},
		} {
			t.Run(c.name, func(t *testing.T) {
				if _, err := w.importFile(c.file); !errs.Is(c.kind, err) {
					t.Fatalf("err = %v, want %v", err, c.kind)
				}
				if after := dbtest.Dump(t, d, "bank_statements", "bank_lines", "entries", "donations"); after != before {
					t.Fatal("a refused file changed the database")
				}
			})
		}
	})
}

// TestPendingLinesWait: a pending line books nothing and waits in no
// queue; the booked line that follows replaces it.
func TestPendingLinesWait(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.pledge("30.00")
		line := banktest.Line{Date: "2026-03-02", Minor: 3000, Name: "Erika", Remittance: p.Reference}
		pending := line
		pending.Pending = true
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "P", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", NoBalances: true, Lines: []banktest.Line{pending}}))
		if st.NewLines != 1 || st.Matched != 0 || st.Queued != 0 || len(w.lines(bank.Pending)) != 1 || w.donation(p.ID).Status != donations.Pledged {
			t.Fatalf("a pending line: %+v", st)
		}
		st = w.mustImport(banktest.Camt053(banktest.Statement{ID: "B", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", NoBalances: true, Lines: []banktest.Line{line}}))
		if st.Matched != 1 || len(w.lines(bank.Pending)) != 0 || w.donation(p.ID).Status != donations.Received {
			t.Fatalf("the booked line: %+v, pending left %d", st, len(w.lines(bank.Pending)))
		}
	})
}

// TestQueueAndReconciliation: after a statement is imported and its queue
// resolved (a typo assigned, a transfer without a pledge booked as a
// donation, the fee and the money the fund started with booked to their
// accounts), the
// ledger's assets:bank equals the statement's closing balance. A donation
// confirmed by hand before is linked by its line and booked only once.
func TestQueueAndReconciliation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		byHand, typo := w.pledge("20.00"), w.pledge("40.00")
		if _, err := w.dons.Confirm(ctx, treasurer, byHand.ID, donations.Confirmation{ReceivedAt: "2026-03-01"}); err != nil {
			t.Fatal(err)
		}
		r := mistyped(typo.Reference)
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-01", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-01", Minor: 50000, Name: "Stadt Osnabrueck", Remittance: "Anfangsbestand Integrationsfonds"},
			{Date: "2026-03-02", Minor: 2000, Name: "Erika", Remittance: byHand.Reference},
			{Date: "2026-03-02", Minor: 4000, Name: "Hans", Remittance: r},
			{Date: "2026-03-02", Minor: 1234, Name: "Ayşe Yılmaz", Remittance: "Spende"},
			{Date: "2026-03-02", Minor: 350, Debit: true, Name: "Bank", Remittance: "Entgelt"},
		}}))
		if st.Matched != 1 || st.Queued != 4 {
			t.Fatalf("import %+v", st)
		}
		// The donation confirmed by hand is booked once (to assets:clearing);
		// its line moves the money to assets:bank and books no income again.
		if n, c := w.entries(), ledgertest.Balances(t, w.l)[ledger.Clearing]; n != 2 || c != 0 {
			t.Fatalf("%d entries and %d in assets:clearing, want 2 and 0", n, c)
		}
		if inc := ledgertest.Balances(t, w.l)[ledger.Donations]; inc != -2000 {
			t.Fatalf("income:donations %d, want -2000: the linked donation was booked again", inc)
		}
		rec, err := w.bank.Reconcile(ctx, auditor)
		if err != nil || rec.QueuedLines != 4 || rec.QueuedAmount.Minor != 50000+4000+1234-350 {
			t.Fatalf("before: %+v, %v", rec, err)
		}
		for _, l := range w.lines(bank.Queued) {
			var err error
			switch {
			case l.Amount.Minor == 50000: // the money the fund started with
				_, err = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.OpeningBalance, Memo: "Anfangsbestand"})
			case l.Amount.Minor == 4000:
				_, err = w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DonationID: typo.ID})
			case l.Amount.Minor == 1234:
				_, err = w.bank.BookDonation(ctx, treasurer, l.ID, bank.DonationBooking{})
			case l.Direction == "debit":
				_, err = w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.BankFees, Memo: "Kontofuehrung"})
			}
			if err != nil {
				t.Fatalf("resolving %s: %v", l.Amount, err)
			}
		}
		rec, err = w.bank.Reconcile(ctx, auditor)
		if err != nil {
			t.Fatal(err)
		}
		// 500 + 20 (by hand, dated 03-01) + 40 + 12.34 - 3.50
		if rec.QueuedLines != 0 || rec.Difference.Minor != 0 || rec.StatementBalance.Minor != 50000+2000+4000+1234-350 {
			t.Fatalf("after: %+v", rec)
		}
		if w.donation(typo.ID).Status != donations.Received {
			t.Fatal("the assigned pledge is not received")
		}
		// A line is resolved once.
		for _, l := range w.lines(bank.Matched) {
			if _, err := w.bank.Book(ctx, treasurer, l.ID, bank.Booking{Account: ledger.BankFees, Memo: "again"}); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("booking a matched line: %v", err)
			}
		}
		ledgertest.Verify(t, d)
	})
}

// TestSameDayInTwoFormats: the same day's lines, first as camt.053, then
// as the Sparkasse's CSV-CAMT (whose remittance the bank spaces and cases
// otherwise), book nothing twice; a line the CSV alone holds is new.
func TestSameDayInTwoFormats(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		p := w.pledge("25.00")
		st := banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 2500, Name: "Erika", IBAN: "DE02120300000000202051", Remittance: "Spende " + p.Reference},
			{Date: "2026-03-02", Minor: 350, Debit: true, Name: "Bank", Remittance: "Entgelt Maerz"},
		}}
		if got := w.mustImport(banktest.Camt053(st)); got.NewLines != 2 || got.Matched != 1 {
			t.Fatalf("camt %+v", got)
		}
		entries := w.entries()
		csv := st
		csv.Lines = append([]banktest.Line{}, st.Lines...)
		csv.Lines[1].Remittance = "ENTGELT  MAERZ" // the CSV's own spacing and case
		csv.Lines = append(csv.Lines, banktest.Line{Date: "2026-03-02", Minor: 1000, Name: "Max", Remittance: "fuer den Fonds"})
		got := w.mustImport(banktest.CSVCAMT(csv))
		if got.Format != "csv-camt" || got.NewLines != 1 || got.DuplicateLines != 2 || w.entries() != entries {
			t.Fatalf("the same day as CSV-CAMT: %+v, entries %d -> %d", got, entries, w.entries())
		}
	})
}

// TestRefundPaidByPaymentFile: a refund is owed at once; the next payment
// file pays it to the IBAN its donation came from, and the bank's debit
// line with its end-to-end id settles it. The bank equals the statement.
func TestRefundPaidByPaymentFile(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.bank.BIC, w.bank.Holder = "COBADEFFXXX", "Integrationsfonds"
		p := w.pledge("60.00")
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "IN", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 6000, Name: "Erika Mustermann", IBAN: "DE02120300000000202051", Remittance: p.Reference}}}))
		r, err := ledgertest.Value(w.dons.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "asked"}))
		if err != nil || r.EndToEndID == "" {
			t.Fatalf("refund %+v, %v", r, err)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != -6000 || b[ledger.Bank] != 6000 {
			t.Fatalf("owed: %v", b)
		}
		f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}))
		if err != nil || f.Count != 1 || len(f.RefundDonationIDs) != 1 || f.RefundDonationIDs[0] != p.ID {
			t.Fatalf("payment file %+v, %v", f, err)
		}
		doc, err := w.bank.PaymentFileDocument(ctx, treasurer, f.ID)
		if err != nil || !strings.Contains(string(doc), r.EndToEndID) || !strings.Contains(string(doc), "DE02120300000000202051") {
			t.Fatalf("the file does not pay the refund to the donor's IBAN: %v\n%s", err, doc)
		}
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a second file: %v, want InvalidState (nothing left to pay)", err)
		}
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "OUT", IBAN: fundIBAN, From: "2026-03-03", To: "2026-03-03", Opening: 6000, Lines: []banktest.Line{
			{Date: "2026-03-03", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: "DE02120300000000202051", EndToEndID: r.EndToEndID, Remittance: "Rueckerstattung"}}}))
		if st.Matched != 1 {
			t.Fatalf("the refund's debit line: %+v", st)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != 0 || b[ledger.Bank] != 0 || b[ledger.Donations] != 0 {
			t.Fatalf("after the debit: %v", b)
		}
		if rec, err := w.bank.Reconcile(ctx, auditor); err != nil || rec.Difference.Minor != 0 {
			t.Fatalf("reconciliation %+v, %v", rec, err)
		}
		ledgertest.Verify(t, d)
	})
}

// TestAssignAnotherAmount: a pledge paid with another amount is queued;
// assigned by the treasurer, what arrived is recorded as the donation's
// received_amount and booked, and the donation totals follow it.
func TestAssignAnotherAmount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		p := w.pledge("40.00")
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "S", IBAN: fundIBAN, From: "2026-03-02", To: "2026-03-02", Lines: []banktest.Line{
			{Date: "2026-03-02", Minor: 3500, Name: "Erika", Remittance: p.Reference}}}))
		if st.Queued != 1 {
			t.Fatalf("a pledge paid with another amount was matched: %+v", st)
		}
		l := w.lines(bank.Queued)[0]
		got, err := w.bank.Line(ctx, auditor, l.ID)
		if err != nil || len(got.Suggestions) != 1 || got.Suggestions[0].Code != "other_amount" {
			t.Fatalf("suggestions %+v, %v", got, err)
		}
		if _, err := w.bank.Assign(ctx, treasurer, l.ID, bank.Assignment{DonationID: p.ID}); err != nil {
			t.Fatal(err)
		}
		dn := w.donation(p.ID)
		if dn.Status != donations.Received || dn.ReceivedAmount == nil || dn.ReceivedAmount.Minor != 3500 || dn.Amount.Minor != 4000 {
			t.Fatalf("the donation %+v", dn)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.Donations] != -3500 || b[ledger.Bank] != 3500 {
			t.Fatalf("balances %v", b)
		}
		tot, err := donations.ReceivedTotals(ctx, d)
		if err != nil || tot.Received != 3500 || tot.ReceivedCount != 1 {
			t.Fatalf("totals %+v, %v", tot, err)
		}
		// Refunded, what arrived is owed back.
		if _, err := w.dons.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "asked"}); err != nil {
			t.Fatal(err)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != -3500 || b[ledger.Donations] != 0 {
			t.Fatalf("after the refund %v", b)
		}
		ledgertest.Verify(t, d)
	})
}
