package grants

import (
	"context"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
	"fundus/mail"
)

// Payout is a released instalment as a payment file needs it: the amount,
// its end-to-end id, the payee and what the grant is for.
type Payout struct {
	Disbursement *Disbursement
	Payee        Payee
	Title        string
}

// ReleasedPayouts returns the released instalments that no payment file
// holds yet, oldest first (ids nil), or those of ids, each of which must be
// released and in no file (InvalidState, NotFound). q is the write path's
// transaction.
func ReleasedPayouts(ctx context.Context, q queryer, ids []string) ([]*Payout, error) {
	const op errs.Op = "grants.ReleasedPayouts"
	var ds []*Disbursement
	if ids == nil {
		var err error
		if ds, err = findReleased(ctx, q); err != nil {
			return nil, err
		}
	}
	for _, id := range ids {
		d, err := findDisbursement(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if d.Status != DisbursementReleased {
			return nil, errs.Errorf(op, errs.InvalidState, "instalment %s is %s; only a released instalment goes into a payment file", id, d.Status)
		}
		ds = append(ds, d)
	}
	out := make([]*Payout, len(ds))
	for i, d := range ds {
		a, err := findApplication(ctx, q, d.ApplicationID)
		if err != nil {
			return nil, err
		}
		out[i] = &Payout{Disbursement: d, Payee: a.Payee, Title: a.Title}
	}
	return out, nil
}

// MarkSent records in tx that a payment file holds the instalment.
func MarkSent(tx *commit.Tx, actor string, d *Disbursement, fileID string) error {
	at := db.Time(tx.Now())
	d.Status, d.PaymentFileID, d.SentAt = DisbursementSent, fileID, &at
	if err := updateDisbursement(tx.Context(), tx, d); err != nil {
		return err
	}
	return audit.Add(tx, actor, "disbursement.send", "disbursement", d.ID, map[string]any{"from": DisbursementReleased, "to": DisbursementSent, "payment_file_id": fileID})
}

// FindByEndToEnd returns the instalment with that SEPA end-to-end id.
func FindByEndToEnd(ctx context.Context, q queryer, e2e string) (*Disbursement, error) {
	return findDisbursementByEndToEnd(ctx, q, e2e)
}

// FindDisbursement returns an instalment, read in q (the write path's transaction).
func FindDisbursement(ctx context.Context, q queryer, id string) (*Disbursement, error) {
	return findDisbursement(ctx, q, id)
}

// BankLine is the bank's line that paid an instalment, or brought it back.
type BankLine struct {
	ID          string
	BookingDate string // YYYY-MM-DD
	Minor       int64
	Actor       string
	Mail        *mail.Outbox // where the group's mail of a paid instalment is queued (nil: none)
}

// Settle records in tx that the bank paid a released or sent instalment
// (its debit line): liabilities:grants-payable / assets:bank, dated the
// booking day, the line named as its cause; the instalment is paid, and
// the application partially_paid or paid. Available money does not change
// (the money was committed at approval). It returns the entry's id.
// Returns InvalidState for another state or amount.
func Settle(tx *commit.Tx, d *Disbursement, line BankLine) (string, error) {
	const op errs.Op = "grants.Settle"
	if d.Status != DisbursementReleased && d.Status != DisbursementSent {
		return "", errs.Errorf(op, errs.InvalidState, "instalment %s is %s; only a released or sent instalment is paid", d.EndToEndID, d.Status)
	}
	if d.Amount.Minor != line.Minor {
		return "", errs.Errorf(op, errs.InvalidState, "instalment %s is of %s EUR; the bank line paid %s EUR", d.EndToEndID, d.Amount, fundus.FormatMinor(line.Minor, fundus.EUR))
	}
	at, err := fundus.DayStart(line.BookingDate)
	if err != nil {
		return "", errs.Errorf(op, errs.Internal, "a bank line's booking date %q is not a day", line.BookingDate)
	}
	a, err := findApplication(tx.Context(), tx.Reader(), d.ApplicationID)
	if err != nil {
		return "", err
	}
	e, err := ledger.Post(tx, ledger.NewEntry{
		Kind: KindDisbursement, Memo: "Grant instalment paid: " + clip(a.Title, 200), Actor: line.Actor, Date: line.BookingDate, FromBank: true,
		Ref:      &ledger.Ref{Type: "disbursement", ID: d.ID}, // the project's figures follow it; the bank line names the entry
		Postings: []ledger.NewPosting{{Account: ledger.GrantsPayable, Amount: line.Minor}, {Account: ledger.Bank, Amount: -line.Minor}},
	})
	if err != nil {
		return "", err
	}
	from := d.Status
	d.Status, d.PaidAt, d.LedgerEntryID = DisbursementPaid, &at, e.ID
	if err := updateDisbursement(tx.Context(), tx, d); err != nil {
		return "", err
	}
	if err := paidChanged(tx, a, line.Minor, line.Actor); err != nil {
		return "", err
	}
	if err := mailPaid(tx, line.Mail, a, d, at); err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, line.Actor, "disbursement.paid", "disbursement", d.ID, map[string]any{
		"from": from, "to": DisbursementPaid, "ledger_entry_id": e.ID, "bank_line_id": line.ID,
	})
}

// ReturnOrPayBack records a credit line for an instalment: the group
// paying back what it said at closing it returns (PayBack), or else the
// payee's bank sending a paid instalment back (Return), also after the
// closing.
func ReturnOrPayBack(tx *commit.Tx, d *Disbursement, line BankLine) (string, error) {
	a, err := findApplication(tx.Context(), tx.Reader(), d.ApplicationID)
	if err != nil {
		return "", err
	}
	if a.Status == Closed && line.Minor <= a.owed() {
		return PayBack(tx, a, line)
	}
	return Return(tx, d, line)
}

// owed is what the group said at closing it returns and has not paid
// back, at most what it still holds of the paid money (its bank may have
// sent an instalment back since).
func (a *Application) owed() int64 {
	if a.Returned == nil {
		return 0
	}
	return max(0, min(a.Returned.Minor, a.PaidAmount.Minor)-a.returnedPaid)
}

// PayBack records in tx that a group paid back money of a closed grant
// (its credit line): assets:bank / expenses:grants, dated the booking
// day, so the fund spent that much less on the project. Returns
// InvalidState when the application is not closed or the group owes less.
func PayBack(tx *commit.Tx, a *Application, line BankLine) (string, error) {
	const op errs.Op = "grants.PayBack"
	owed := a.owed()
	if a.Status != Closed || line.Minor > owed {
		return "", errs.Errorf(op, errs.InvalidState, "the group owes %s EUR back on this grant; the bank line brought %s EUR",
			fundus.FormatMinor(owed, fundus.EUR), fundus.FormatMinor(line.Minor, fundus.EUR))
	}
	e, err := ledger.Post(tx, ledger.NewEntry{
		Kind: KindClose, Memo: "Grant money paid back: " + clip(a.Title, 200), Actor: line.Actor, Date: line.BookingDate, FromBank: true,
		Ref:      &ledger.Ref{Type: "application", ID: a.ID},
		Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: line.Minor}, {Account: ledger.GrantsExpense, Amount: -line.Minor}},
	})
	if err != nil {
		return "", err
	}
	a.returnedPaid += line.Minor
	if err := updateApplication(tx.Context(), tx, a); err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, line.Actor, "application.pay-back", "application", a.ID, map[string]any{
		"amount": fundus.EURCents(line.Minor), "ledger_entry_id": e.ID, "bank_line_id": line.ID,
	})
}

// Return records in tx that the payee's bank sent a paid instalment back
// (a credit line with its end-to-end id): assets:bank /
// liabilities:grants-payable, so the money is owed to the group again; the
// instalment is returned and the application's paid amount falls. After
// the closing nothing is owed any more: assets:bank / expenses:grants,
// the fund spent that much less. It returns the entry's id.
func Return(tx *commit.Tx, d *Disbursement, line BankLine) (string, error) {
	const op errs.Op = "grants.Return"
	if d.Status != DisbursementPaid {
		return "", errs.Errorf(op, errs.InvalidState, "instalment %s is %s; only a paid instalment comes back", d.EndToEndID, d.Status)
	}
	if d.Amount.Minor != line.Minor {
		return "", errs.Errorf(op, errs.InvalidState, "instalment %s is of %s EUR; the bank line brought %s EUR back", d.EndToEndID, d.Amount, fundus.FormatMinor(line.Minor, fundus.EUR))
	}
	a, err := findApplication(tx.Context(), tx.Reader(), d.ApplicationID)
	if err != nil {
		return "", err
	}
	if a.Status == Closed && a.PaidAmount.Minor-a.returnedPaid < line.Minor {
		return "", errs.Errorf(op, errs.InvalidState, "the group paid back part of this closed grant already; instalment %s cannot come back whole", d.EndToEndID)
	}
	owedTo := ledger.GrantsPayable
	if a.Status == Closed {
		owedTo = ledger.GrantsExpense
	}
	e, err := ledger.Post(tx, ledger.NewEntry{
		Kind: KindDisbursement, Memo: "Grant instalment returned by the payee's bank: " + clip(a.Title, 200), Actor: line.Actor, Date: line.BookingDate, FromBank: true,
		Ref:      &ledger.Ref{Type: "disbursement", ID: d.ID},
		Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: line.Minor}, {Account: owedTo, Amount: -line.Minor}},
	})
	if err != nil {
		return "", err
	}
	d.Status = DisbursementReturned
	if err := updateDisbursement(tx.Context(), tx, d); err != nil {
		return "", err
	}
	if err := paidChanged(tx, a, -line.Minor, line.Actor); err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, line.Actor, "disbursement.returned", "disbursement", d.ID, map[string]any{
		"from": DisbursementPaid, "to": DisbursementReturned, "ledger_entry_id": e.ID, "bank_line_id": line.ID,
	})
}

// paidChanged adds delta to what the bank paid for the application and
// moves it between approved, partially_paid and paid.
func paidChanged(tx *commit.Tx, a *Application, delta int64, actor string) error {
	from := a.Status
	a.PaidAmount.Minor += delta
	switch {
	case a.Status != Approved && a.Status != PartiallyPaid && a.Status != Paid:
		// reported or closed: the state stays, the amount follows the bank
	case a.PaidAmount.Minor == 0:
		a.Status = Approved
	case a.PaidAmount.Minor == a.ApprovedAmount.Minor:
		a.Status = Paid
	default:
		a.Status = PartiallyPaid
	}
	if err := updateApplication(tx.Context(), tx, a); err != nil {
		return err
	}
	return audit.Add(tx, actor, "application.pay", "application", a.ID, map[string]any{"from": from, "to": a.Status, "paid_amount": a.PaidAmount})
}

// InPaymentFile returns the ids of the instalments a payment file holds.
func InPaymentFile(ctx context.Context, q queryer, fileID string) ([]string, error) {
	return disbursementsInFile(ctx, q, fileID)
}
