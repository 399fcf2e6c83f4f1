package bank_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

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

// The second treasurer: who set a refund's account may not make the
// payment file that pays it.
var treasurer2 = &auth.User{ID: "user-treasurer2", Roles: []auth.Role{auth.Treasurer}}

const (
	donorIBAN = "DE02120300000000202051"
	newIBAN   = "DE02500105170137075030"
)

// available is what the fund may still commit: the bank, the money
// confirmed by hand and not yet on a line, less what is owed to groups and
// donors.
func (w *world) available() int64 {
	w.t.Helper()
	b := ledgertest.Balances(w.t, w.l)
	return b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable] + b[ledger.RefundsPayable]
}

// refundedDonation pledges 60.00, imports its line from the donor's IBAN
// and refunds it.
func (w *world) refundedDonation(day string) *donations.Donation {
	w.t.Helper()
	p := w.pledge("60.00")
	w.mustImport(banktest.Camt053(banktest.Statement{ID: "IN" + day, IBAN: fundIBAN, From: day, To: day, NoBalances: true, Lines: []banktest.Line{
		{Date: day, Minor: 6000, Name: "Erika Mustermann", IBAN: donorIBAN, Remittance: p.Reference}}}))
	r, err := ledgertest.Value(w.dons.Refund(context.Background(), treasurer, p.ID, donations.Refund{Reason: "asked"}))
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

func (w *world) auditDetails(action, objectID string) []map[string]any {
	w.t.Helper()
	var rows []string
	if err := w.d.Select(&rows, `SELECT details FROM audit_log WHERE action = $1 AND object_id = $2 ORDER BY seq`, action, objectID); err != nil {
		w.t.Fatal(err)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			w.t.Fatal(err)
		}
	}
	return out
}

// TestRefundReturnedByDonorsBank: a paid refund that the donor's bank
// sends back (a credit with its end-to-end id) is matched at import,
// booked assets:bank / liabilities:refunds-payable and owed again;
// available money does not change. It goes into no payment file (not to
// the IBAN that just bounced) until a treasurer sets an account; that
// treasurer may not make the file, another one does; its debit pays it,
// and a second debit with the same id pays nothing twice.
func TestRefundReturnedByDonorsBank(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.bank.BIC, w.bank.Holder = "COBADEFFXXX", "Integrationsfonds"
		r := w.refundedDonation("2026-03-02")
		if r.RefundStatus != donations.RefundOwed {
			t.Fatalf("a new refund is %q, want owed", r.RefundStatus)
		}
		f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}))
		if err != nil || len(f.RefundDonationIDs) != 1 {
			t.Fatalf("payment file %+v, %v", f, err)
		}
		if got := w.donation(r.ID).RefundStatus; got != donations.RefundSent {
			t.Fatalf("in a payment file the refund is %q", got)
		}
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "OUT", IBAN: fundIBAN, From: "2026-03-03", To: "2026-03-03", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-03", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: donorIBAN, EndToEndID: r.EndToEndID}}}))
		if got := w.donation(r.ID).RefundStatus; got != donations.RefundPaid {
			t.Fatalf("after its debit the refund is %q", got)
		}
		before := w.available()
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "BACK", IBAN: fundIBAN, From: "2026-03-05", To: "2026-03-05", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-05", Minor: 6000, Name: "Erika Mustermann", IBAN: donorIBAN, EndToEndID: r.EndToEndID, Remittance: "Retoure: Konto erloschen"}}}))
		if st.Matched != 1 || st.Queued != 0 {
			t.Fatalf("the return was not matched: %+v", st)
		}
		back := w.lines(bank.Matched)
		if l := back[len(back)-1]; l.Direction != "credit" || l.Match == nil || l.Match.Type != "refund" || l.Match.ID != r.ID || l.EntryID == "" {
			t.Fatalf("the return's line: %+v %+v", l, l.Match)
		}
		if got := w.donation(r.ID); got.RefundStatus != donations.RefundReturned || got.Status != donations.Refunded {
			t.Fatalf("after the return the donation is %s, its refund %q", got.Status, got.RefundStatus)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != -6000 || b[ledger.Bank] != 6000 || w.available() != before {
			t.Fatalf("after the return: %v, available %d (was %d)", b, w.available(), before)
		}
		if a := w.auditDetails("donation.refund-returned", r.ID); len(a) != 1 || a[0]["to"] != "returned" {
			t.Fatalf("audit of the return: %v", a)
		}
		// Owed again, but not to the account that just bounced.
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a payment file with the returned refund waiting for an account: %v, want InvalidState", err)
		}
		got, err := ledgertest.Value(w.dons.SetRefundAccount(ctx, treasurer, r.ID, donations.RefundAccount{Name: "Erika  Mustermann", IBAN: "de02 5001 0517 0137 0750 30"}))
		if err != nil || got.RefundStatus != donations.RefundOwed || got.RefundPayee == nil || got.RefundPayee.IBAN != newIBAN || got.RefundPayee.Name != "Erika Mustermann" {
			t.Fatalf("setting the account: %+v, %v", got, err)
		}
		if a := w.auditDetails("donation.refund-account", r.ID); len(a) != 1 || a[0]["iban"] != newIBAN || a[0]["old_iban"] != "" || a[0]["from"] != "returned" {
			t.Fatalf("audit of the account: %v", a)
		}
		// Who set the account does not make the file that pays it.
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}); !errs.Is(errs.Forbidden, err) || !strings.Contains(err.Error(), "separation of duties") {
			t.Fatalf("the same treasurer made the file: %v, want Forbidden naming the rule", err)
		}
		f2, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}))
		if err != nil || len(f2.RefundDonationIDs) != 1 || f2.RefundDonationIDs[0] != r.ID {
			t.Fatalf("the other treasurer's file %+v, %v", f2, err)
		}
		doc, err := w.bank.PaymentFileDocument(ctx, treasurer2, f2.ID)
		if err != nil || !strings.Contains(string(doc), newIBAN) || strings.Contains(string(doc), donorIBAN) || !strings.Contains(string(doc), r.EndToEndID) {
			t.Fatalf("the second file does not pay the new account: %v\n%s", err, doc)
		}
		// The first file still lists what it paid.
		files, _, err := w.bank.PaymentFiles(ctx, auditor, 0, 10)
		if err != nil || len(files) != 2 || len(files[0].RefundDonationIDs) != 1 || files[0].RefundDonationIDs[0] != r.ID {
			t.Fatalf("payment files %+v, %v", files, err)
		}
		st = w.mustImport(banktest.Camt053(banktest.Statement{ID: "OUT2", IBAN: fundIBAN, From: "2026-03-09", To: "2026-03-09", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-09", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: newIBAN, EndToEndID: r.EndToEndID},
			{Date: "2026-03-10", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: newIBAN, EndToEndID: r.EndToEndID}}}))
		if st.Matched != 1 || st.Queued != 1 {
			t.Fatalf("a refund paid twice: %+v", st)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != 0 || b[ledger.Donations] != 0 || w.donation(r.ID).RefundStatus != donations.RefundPaid {
			t.Fatalf("after paying again: %v", b)
		}
		ledgertest.Verify(t, d)
	})
}

// TestRefundReturnAssigned: a return without the end-to-end id waits in
// the queue; assigned to the donation whose refund was paid, it is the
// refund coming back. Assigned to one whose refund is not paid, it is
// refused.
func TestRefundReturnAssigned(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		r := w.refundedDonation("2026-03-02")
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "X", IBAN: fundIBAN, From: "2026-03-04", To: "2026-03-04", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-04", Minor: 6000, Name: "Sparkasse", Remittance: "Ruecklastschrift Erstattung"}}}))
		if st.Queued != 1 {
			t.Fatalf("%+v", st)
		}
		credit := w.lines(bank.Queued)[0]
		if _, err := w.bank.Assign(ctx, treasurer, credit.ID, bank.Assignment{DonationID: r.ID}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a credit assigned to a refund not yet paid: %v, want InvalidState", err)
		}
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "Y", IBAN: fundIBAN, From: "2026-03-03", To: "2026-03-03", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-03", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: donorIBAN, Remittance: "Erstattung"}}}))
		var debit *bank.Line
		for _, l := range w.lines(bank.Queued) {
			if l.Direction == "debit" {
				debit = l
			}
		}
		if _, err := w.bank.Assign(ctx, treasurer, debit.ID, bank.Assignment{DonationID: r.ID}); err != nil {
			t.Fatal(err)
		}
		before := w.available()
		l, err := ledgertest.Value(w.bank.Assign(ctx, treasurer, credit.ID, bank.Assignment{DonationID: r.ID}))
		if err != nil || l.Match.Type != "refund" || l.Match.ID != r.ID {
			t.Fatalf("assigning the return: %+v, %v", l, err)
		}
		if got := w.donation(r.ID).RefundStatus; got != donations.RefundReturned {
			t.Fatalf("refund %q after its return was assigned", got)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != -6000 || w.available() != before {
			t.Fatalf("after the return: %v", b)
		}
		// Paid by hand again: a debit assigned to the returned refund.
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "Z", IBAN: fundIBAN, From: "2026-03-06", To: "2026-03-06", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-03-06", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: newIBAN, Remittance: "Erstattung 2"}}}))
		q := w.lines(bank.Queued)
		if _, err := w.bank.Assign(ctx, treasurer, q[len(q)-1].ID, bank.Assignment{DonationID: r.ID}); err != nil {
			t.Fatal(err)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.RefundsPayable] != 0 || b[ledger.Bank] != 0 {
			t.Fatalf("after paying again: %v", b)
		}
		ledgertest.Verify(t, d)
	})
}

// TestRefundAccount: a refund of a donation confirmed by hand (no line
// named the donor's IBAN) waits until a treasurer sets its account
// (checked: name in Latin letters, a valid IBAN; only for an owed refund
// not in a file); that treasurer's payment file leaves it out when other
// payments are due and is refused when nothing else is; another
// treasurer's file pays it.
func TestRefundAccount(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.bank.BIC, w.bank.Holder = "COBADEFFXXX", "Integrationsfonds"
		p := w.pledge("25.00")
		if _, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, donations.RefundAccount{Name: "Erika", IBAN: newIBAN}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("an account for a pledge: %v, want InvalidState", err)
		}
		if _, err := w.dons.Confirm(ctx, treasurer, p.ID, donations.Confirmation{ReceivedAt: "2026-03-01"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.dons.Refund(ctx, treasurer, p.ID, donations.Refund{Reason: "declined"}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a file for a refund with no account: %v, want InvalidState", err)
		}
		for _, c := range []struct {
			in    donations.RefundAccount
			field string
		}{
			{donations.RefundAccount{Name: "", IBAN: newIBAN}, "name"},
			{donations.RefundAccount{Name: "☺ ☺", IBAN: newIBAN}, "name"},
			{donations.RefundAccount{Name: strings.Repeat("a", 71), IBAN: newIBAN}, "name"},
			{donations.RefundAccount{Name: "Erika", IBAN: "DE02500105170137075031"}, "iban"},
			{donations.RefundAccount{Name: "Erika", IBAN: ""}, "iban"},
		} {
			_, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, c.in)
			if fs := errs.FieldsOf(err); !errs.Is(errs.Invalid, err) || len(fs) != 1 || fs[0].Field != c.field {
				t.Fatalf("account %+v: %v, want Invalid naming %s", c.in, err, c.field)
			}
		}
		if _, err := w.dons.SetRefundAccount(ctx, auditor, p.ID, donations.RefundAccount{Name: "Erika", IBAN: newIBAN}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("an auditor set an account: %v", err)
		}
		if w.donation(p.ID).RefundPayee != nil {
			t.Fatal("a refused account was stored")
		}
		if _, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, donations.RefundAccount{Name: "Ayşe Yılmaz", IBAN: donorIBAN}); err != nil {
			t.Fatal(err)
		}
		// Changed before any file: audited with the old and the new IBAN.
		if _, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, donations.RefundAccount{Name: "Ayşe Yılmaz", IBAN: newIBAN}); err != nil {
			t.Fatal(err)
		}
		if a := w.auditDetails("donation.refund-account", p.ID); len(a) != 2 || a[1]["old_iban"] != donorIBAN || a[1]["iban"] != newIBAN {
			t.Fatalf("audit %v", a)
		}
		// Only this refund is due: its account's setter is refused, naming the rule.
		_, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{})
		if !errs.Is(errs.Forbidden, err) || !strings.Contains(err.Error(), "separation of duties") {
			t.Fatalf("the setter made the file: %v", err)
		}
		// Another refund is due too: the setter's file pays that one and leaves this out.
		other := w.refundedDonation("2026-03-02")
		f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}))
		if err != nil || len(f.RefundDonationIDs) != 1 || f.RefundDonationIDs[0] != other.ID || len(f.HeldBackRefundIDs) != 1 || f.HeldBackRefundIDs[0] != p.ID {
			t.Fatalf("the setter's file %+v, %v", f, err)
		}
		if got := w.donation(p.ID).RefundStatus; got != donations.RefundOwed {
			t.Fatalf("the held-back refund is %q", got)
		}
		f, err = ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}))
		if err != nil || len(f.RefundDonationIDs) != 1 || f.RefundDonationIDs[0] != p.ID {
			t.Fatalf("the other treasurer's file %+v, %v", f, err)
		}
		doc, err := w.bank.PaymentFileDocument(ctx, treasurer2, f.ID)
		if err != nil || !strings.Contains(string(doc), newIBAN) || !strings.Contains(string(doc), "<Nm>Ayse Yilmaz</Nm>") {
			t.Fatalf("the file: %v\n%s", err, doc)
		}
		// In a file, the account can no longer change.
		if _, err := w.dons.SetRefundAccount(ctx, treasurer2, p.ID, donations.RefundAccount{Name: "X Y", IBAN: donorIBAN}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("an account for a refund in a file: %v, want InvalidState", err)
		}
		ledgertest.Verify(t, d)
	})
}

// TestRefundPaidBeforeTheBankLoop: a refund made before the bank loop
// paid the donor out of assets:bank at once (the treasurer transferred it
// by hand). When the statement with the donation's own credit is imported
// later, its line is linked and names the donor's IBAN; the refund must
// not then go into a payment file: the donor would be paid twice. Its
// debit line, assigned by hand, links it and books nothing.
func TestRefundPaidBeforeTheBankLoop(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.bank.BIC, w.bank.Holder = "COBADEFFXXX", "Integrationsfonds"
		p := w.pledge("60.00")
		// As the code before the bank loop booked it: confirmed onto the
		// bank, refunded off it; migration 00016 left the refund owed.
		in := ledgertest.PostBank(t, w.bank.Writer, "2026-01-05", "Donation "+p.Reference, "assets:bank", "60.00", "income:donations", "-60.00")
		out := ledgertest.PostBank(t, w.bank.Writer, "2026-01-07", "Refund of donation "+p.Reference, "income:donations", "60.00", "assets:bank", "-60.00")
		ledgertest.Exec(t, w.bank.Writer, `UPDATE donations SET status = 'refunded', received_at = $2, ledger_entry_id = $3,
			refunded_at = $2, refund_reason = 'asked', refund_entry_id = $4, refund_status = 'owed' WHERE id = $1`,
			p.ID, db.Time(time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC)), in.ID, out.ID)
		// The January statement, imported now: the donation's credit.
		st := w.mustImport(banktest.Camt053(banktest.Statement{ID: "JAN", IBAN: fundIBAN, From: "2026-01-05", To: "2026-01-05", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-01-05", Minor: 6000, Name: "Erika Mustermann", IBAN: donorIBAN, Remittance: p.Reference}}}))
		if st.Matched != 1 {
			t.Fatalf("the donation's line was not linked: %+v", st)
		}
		if f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{})); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a refund paid before the bank loop went into a payment file: %+v, %v; want InvalidState", f, err)
		}
		if _, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, donations.RefundAccount{Name: "Erika Mustermann", IBAN: newIBAN}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("an account for a refund paid before the bank loop: %v, want InvalidState", err)
		}
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("a payment file after an account was set: %v, want InvalidState", err)
		}
		// Its debit line, assigned by hand, links it: nothing is booked.
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "JAN7", IBAN: fundIBAN, From: "2026-01-07", To: "2026-01-07", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-01-07", Minor: 6000, Debit: true, Name: "Erika Mustermann", IBAN: donorIBAN, Remittance: "Erstattung"}}}))
		q := w.lines(bank.Queued)
		if len(q) != 1 {
			t.Fatalf("queued %d", len(q))
		}
		if _, err := w.bank.Assign(ctx, treasurer, q[0].ID, bank.Assignment{DonationID: p.ID}); err != nil {
			t.Fatal(err)
		}
		if got := w.donation(p.ID).RefundStatus; got != donations.RefundPaid {
			t.Fatalf("refund %q after its debit was assigned", got)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.Bank] != 0 || b[ledger.RefundsPayable] != 0 {
			t.Fatalf("balances %v", b)
		}
		// Sent back by the donor's bank, it is owed again like any other:
		// an account set, another treasurer's file pays it.
		w.mustImport(banktest.Camt053(banktest.Statement{ID: "FEB", IBAN: fundIBAN, From: "2026-02-02", To: "2026-02-02", NoBalances: true, Lines: []banktest.Line{
			{Date: "2026-02-02", Minor: 6000, Name: "Sparkasse", Remittance: "Retoure Erstattung"}}}))
		q = w.lines(bank.Queued)
		if _, err := w.bank.Assign(ctx, treasurer, q[0].ID, bank.Assignment{DonationID: p.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.dons.SetRefundAccount(ctx, treasurer, p.ID, donations.RefundAccount{Name: "Erika Mustermann", IBAN: newIBAN}); err != nil {
			t.Fatal(err)
		}
		f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}))
		if err != nil || len(f.RefundDonationIDs) != 1 || f.RefundDonationIDs[0] != p.ID {
			t.Fatalf("the returned refund's file: %+v, %v", f, err)
		}
		if b := ledgertest.Balances(t, w.l); b[ledger.Bank] != 6000 || b[ledger.RefundsPayable] != -6000 {
			t.Fatalf("balances after the return %v", b)
		}
		ledgertest.Verify(t, d)
	})
}

// TestRefundAccountChangedByAnother: the rule follows the account that
// is paid. A sets a refund's account, B changes it: B may not make the
// file that pays B's account, A may (two people: one set what is paid,
// the other paid it); A setting it back bars A again.
func TestRefundAccountChangedByAnother(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.bank.BIC, w.bank.Holder = "COBADEFFXXX", "Integrationsfonds"
		r := w.refundedDonation("2026-03-02")
		set := func(who *auth.User, iban string) {
			t.Helper()
			if _, err := w.dons.SetRefundAccount(ctx, who, r.ID, donations.RefundAccount{Name: "Erika Mustermann", IBAN: iban}); err != nil {
				t.Fatal(err)
			}
		}
		set(treasurer, newIBAN)
		set(treasurer2, donorIBAN)
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("the one who changed the account made the file: %v", err)
		}
		set(treasurer, newIBAN)
		if _, err := w.bank.CreatePaymentFile(ctx, treasurer, bank.PaymentFileInput{}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("the one who set it back made the file: %v", err)
		}
		f, err := ledgertest.Value(w.bank.CreatePaymentFile(ctx, treasurer2, bank.PaymentFileInput{}))
		if err != nil || len(f.RefundDonationIDs) != 1 {
			t.Fatalf("%+v, %v", f, err)
		}
		doc, _ := w.bank.PaymentFileDocument(ctx, treasurer2, f.ID)
		if !strings.Contains(string(doc), newIBAN) {
			t.Fatalf("the file does not pay the account last set:\n%s", doc)
		}
	})
}
