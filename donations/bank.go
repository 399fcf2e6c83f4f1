package donations

import (
	"context"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
	"fundus/mail"
)

// BankLine is a line of the fund's bank statement that concerns a
// donation: the money that arrived for it, or left to refund it.
type BankLine struct {
	ID          string // what caused the entry
	BookingDate string // YYYY-MM-DD: the day the money moved
	Minor       int64  // cents
	Actor       string // who imported or assigned the line
	// Mail is where the donor's thanks for money that arrived is queued
	// (nil: none).
	Mail *mail.Outbox
	// Bands say who accepts the donation the line brings (Service.Bands).
	Bands Bands
}

// receivedAt is the start of the booking day in Europe/Berlin.
func (a BankLine) receivedAt() (time.Time, error) {
	t, err := fundus.DayStart(a.BookingDate)
	if err != nil {
		return time.Time{}, errs.Errorf(errs.Op("donations.Arrive"), errs.Internal, "a bank line's booking date %q is not a day", a.BookingDate)
	}
	return db.Time(t), nil
}

// post books the line: bank cents onto assets:bank (negative: off it),
// the other side on other; dated the booking day, the line named as the
// entry's cause. id names the entry ("": a new one).
func (a BankLine) post(tx *commit.Tx, id, kind, memo, other string, bank int64) (*ledger.Entry, error) {
	return ledger.Post(tx, ledger.NewEntry{
		ID: id, Kind: kind, Memo: memo, Actor: a.Actor, Date: a.BookingDate, FromBank: true,
		Ref:      &ledger.Ref{Type: "bank_line", ID: a.ID},
		Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: bank}, {Account: other, Amount: -bank}},
	})
}

// LookupReference returns the donation whose reference is ref (canonical
// form, ParseReference), read in the write path's transaction q.
func LookupReference(ctx context.Context, q sqlx.QueryerContext, ref string) (*Donation, error) {
	return findDonationByReference(ctx, q, ref)
}

// Lookup returns the donation with id, read in q (the write path's transaction).
func Lookup(ctx context.Context, q sqlx.QueryerContext, id string) (*Donation, error) {
	return findDonation(ctx, q, id)
}

// Arrive records in tx that the money of donation d arrived on the bank
// account with a bank line. A pledged donation of exactly that amount is
// confirmed: assets:bank / income:donations (liabilities:donations-pending
// when it waits for acceptance: Bands), dated the booking day, the
// bank line named as what caused the entry. A donation confirmed by hand
// with that amount (its money in assets:clearing) is linked: its money
// moves to assets:bank (assets:bank / assets:clearing), the donation is
// not booked again; so is one confirmed by hand and refunded before its
// line came, whose money waits in assets:clearing just the same. One
// confirmed before the bank loop, booked to assets:bank at once, is linked
// and booked no more (no entry, ""). The caller makes sure no bank line is
// linked to d yet. With anyAmount (a treasurer assigned the line), a
// pledge takes a line of another amount too: what arrived is recorded as
// its ReceivedAmount and booked. It returns the entry's id. Returns
// InvalidState for any other donation or amount.
func Arrive(tx *commit.Tx, d *Donation, a BankLine, anyAmount bool) (string, error) {
	const op errs.Op = "donations.Arrive"
	if d.Arrived() != a.Minor && !(anyAmount && d.Status == Pledged) {
		return "", errs.Errorf(op, errs.InvalidState, "the donation %s is of %s EUR; the bank line brought %s EUR",
			d.Reference, fundus.FormatMinor(d.Arrived(), fundus.EUR), fundus.FormatMinor(a.Minor, fundus.EUR))
	}
	if d.Amount.Minor != a.Minor {
		m := fundus.EURCents(a.Minor)
		d.ReceivedAmount = &m
	}
	switch d.Status {
	case Received, Refunded:
		if already, err := onBank(tx, d.LedgerEntryID); err != nil || already {
			if err != nil {
				return "", err
			}
			return "", audit.Add(tx, a.Actor, "donation.link", "donation", d.ID, map[string]any{"bank_line_id": a.ID, "ledger_entry_id": nil})
		}
		e, err := a.post(tx, "", KindSettle, "Donation "+d.Reference+" on the bank account", ledger.Clearing, a.Minor)
		if err != nil {
			return "", err
		}
		return e.ID, audit.Add(tx, a.Actor, "donation.link", "donation", d.ID, map[string]any{"bank_line_id": a.ID, "ledger_entry_id": e.ID})
	case Pledged:
	default:
		return "", errs.Errorf(op, errs.InvalidState, "the donation %s is %s; only a pledged, received or refunded donation can take a bank line", d.Reference, d.Status)
	}
	at, err := a.receivedAt()
	if err != nil {
		return "", err
	}
	d.Status, d.ReceivedAt = Received, &at
	e, err := a.post(tx, "", KindDonation, "Donation "+d.Reference, a.Bands.receive(d, tx.Now()), a.Minor)
	if err != nil {
		return "", err
	}
	d.LedgerEntryID = e.ID
	if err := updateDonation(tx.Context(), tx, d); err != nil {
		return "", err
	}
	if err := MailReceived(tx, a.Mail, d); err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, a.Actor, "donation.confirm", "donation", d.ID, map[string]any{
		"from": Pledged, "to": Received, "received_at": at, "ledger_entry_id": e.ID, "bank_line_id": a.ID, "acceptance": d.Acceptance,
	})
}

// BookTransfer records in tx a donation that arrived without a pledge (a
// transfer without a reference): a received donation of the line's amount
// from name, anonymous as the treasurer says, booked assets:bank /
// income:donations (or pending acceptance) like any other. It returns the donation and its entry.
func BookTransfer(tx *commit.Tx, a BankLine, name string, anonymous bool) (*Donation, string, error) {
	at, err := a.receivedAt()
	if err != nil {
		return nil, "", err
	}
	d := &Donation{ID: db.NewID(), Status: Received, Amount: fundus.EURCents(a.Minor), Currency: fundus.EUR.Code,
		Reference: newReference(), Anonymous: anonymous, CreatedAt: db.Time(tx.Now()), ReceivedAt: &at, LedgerEntryID: db.NewID()}
	if name != "" && !anonymous {
		d.Donor = &Donor{Name: name}
	}
	e, err := a.post(tx, d.LedgerEntryID, KindDonation, "Donation "+d.Reference+" (a transfer without a pledge)", a.Bands.receive(d, tx.Now()), a.Minor)
	if err != nil {
		return nil, "", err
	}
	// A reference already given inserts nothing; then it takes another.
	for {
		inserted, err := insertReceivedDonation(tx.Context(), tx, d)
		if err != nil {
			return nil, "", err
		}
		if inserted {
			break
		}
		d.Reference = newReference()
	}
	return d, e.ID, audit.Add(tx, a.Actor, "donation.book-transfer", "donation", d.ID, map[string]any{
		"to": Received, "amount": d.Amount, "reference": d.Reference, "ledger_entry_id": e.ID, "bank_line_id": a.ID, "acceptance": d.Acceptance,
	})
}

// PledgedOfAmount returns up to limit pledged donations of exactly minor
// cents, newest first: what a queued bank line may belong to.
func PledgedOfAmount(ctx context.Context, q sqlx.QueryerContext, minor int64, limit int) ([]*Donation, error) {
	return findPledgedOfAmount(ctx, q, minor, limit)
}

// PayRefund records in tx that a debit line paid a refund back:
// liabilities:refunds-payable / assets:bank, dated the booking day; the
// refund is paid. A refund made before the bank loop, which paid out of
// assets:bank at once, is linked and booked no more (no entry), unless
// the donor's bank sent it back since. It takes an owed or sent refund,
// and a returned one too (a treasurer paid it again by hand and assigned
// the debit). It returns the entry's id. Returns InvalidState for a
// donation that is not refunded, a refund paid already, or another
// amount.
func PayRefund(tx *commit.Tx, d *Donation, a BankLine) (string, error) {
	const op errs.Op = "donations.PayRefund"
	if d.Status != Refunded {
		return "", errs.Errorf(op, errs.InvalidState, "the donation %s is %s; only a refunded donation is paid back", d.Reference, d.Status)
	}
	if d.RefundStatus == RefundPaid {
		return "", errs.Errorf(op, errs.InvalidState, "the refund of %s is paid already", d.Reference)
	}
	if d.Arrived() != a.Minor {
		return "", errs.Errorf(op, errs.InvalidState, "the refund of %s is of %s EUR; the bank line paid %s EUR",
			d.Reference, fundus.FormatMinor(d.Arrived(), fundus.EUR), fundus.FormatMinor(a.Minor, fundus.EUR))
	}
	from := d.RefundStatus
	d.RefundStatus = RefundPaid
	if err := updateDonation(tx.Context(), tx, d); err != nil {
		return "", err
	}
	if d.refundReturns == 0 {
		if already, err := onBank(tx, d.RefundEntryID); err != nil || already {
			if err != nil {
				return "", err
			}
			return "", audit.Add(tx, a.Actor, "donation.refund-paid", "donation", d.ID, map[string]any{
				"from": from, "to": RefundPaid, "bank_line_id": a.ID, "ledger_entry_id": nil})
		}
	}
	e, err := a.post(tx, "", KindRefundPaid, "Refund of donation "+d.Reference+" paid", ledger.RefundsPayable, -a.Minor)
	if err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, a.Actor, "donation.refund-paid", "donation", d.ID, map[string]any{
		"from": from, "to": RefundPaid, "bank_line_id": a.ID, "ledger_entry_id": e.ID})
}

// ReturnRefund records in tx that the donor's bank sent a paid refund
// back (a credit line with its end-to-end id, or one a treasurer
// assigned): assets:bank / liabilities:refunds-payable, dated the booking
// day, so the refund is owed again and available money does not change.
// The refund is returned: it goes into no payment file until a treasurer
// sets the account to pay it to (SetRefundAccount), not blindly to the one
// that just bounced. It returns the entry's id. Returns InvalidState for
// a refund that is not paid, or another amount.
func ReturnRefund(tx *commit.Tx, d *Donation, a BankLine) (string, error) {
	const op errs.Op = "donations.ReturnRefund"
	if d.Status != Refunded || d.RefundStatus != RefundPaid {
		return "", errs.Errorf(op, errs.InvalidState, "only a paid refund comes back; the refund of %s is %s", d.Reference, orNone(d.RefundStatus))
	}
	if d.Arrived() != a.Minor {
		return "", errs.Errorf(op, errs.InvalidState, "the refund of %s is of %s EUR; the bank line brought %s EUR back",
			d.Reference, fundus.FormatMinor(d.Arrived(), fundus.EUR), fundus.FormatMinor(a.Minor, fundus.EUR))
	}
	e, err := a.post(tx, "", KindRefundReturned, "Refund of donation "+d.Reference+" returned by the donor's bank", ledger.RefundsPayable, a.Minor)
	if err != nil {
		return "", err
	}
	d.RefundStatus, d.refundFileID = RefundReturned, ""
	d.refundReturns++
	if err := updateDonation(tx.Context(), tx, d); err != nil {
		return "", err
	}
	return e.ID, audit.Add(tx, a.Actor, "donation.refund-returned", "donation", d.ID, map[string]any{
		"from": RefundPaid, "to": RefundReturned, "bank_line_id": a.ID, "ledger_entry_id": e.ID})
}

func orNone(s RefundStatus) RefundStatus {
	if s == "" {
		return "none"
	}
	return s
}

// refundEndToEndID is a refund's SEPA end-to-end id: an R and its
// donation id's 32 hex digits, 33 characters of the SEPA id set.
func refundEndToEndID(id string) string {
	return "R" + strings.ToUpper(strings.ReplaceAll(id, "-", ""))
}

// RefundOf returns the refunded donation whose refund has the end-to-end
// id e2e, read in q; NotFound when there is none.
func RefundOf(ctx context.Context, q sqlx.QueryerContext, e2e string) (*Donation, error) {
	const op errs.Op = "donations.RefundOf"
	hexID := strings.ToLower(strings.TrimPrefix(e2e, "R"))
	if !strings.HasPrefix(e2e, "R") || len(hexID) != 32 {
		return nil, errs.E(op, errs.NotFound, "no refund has this end-to-end id")
	}
	id := hexID[0:8] + "-" + hexID[8:12] + "-" + hexID[12:16] + "-" + hexID[16:20] + "-" + hexID[20:]
	d, err := findDonation(ctx, q, id)
	if err != nil || d.Status != Refunded {
		return nil, errs.E(op, errs.NotFound, "no refund has this end-to-end id")
	}
	return d, nil
}

// RefundsDue returns the refunds owed, oldest first: in no payment file,
// not paid, not waiting for an account after a return (package bank pays
// each to the account a treasurer set, else to the payer's IBAN of the
// line that brought the donation). A refund made before the bank loop,
// whose entry paid the donor out of assets:bank at once, is not due: its
// money left already, only its debit line is still to come.
func RefundsDue(ctx context.Context, q sqlx.QueryerContext) ([]*Donation, error) {
	ds, err := findRefundsDue(ctx, q)
	if err != nil {
		return nil, err
	}
	due := ds[:0]
	for _, d := range ds {
		paid, err := paidAtOnce(ctx, q, d)
		if err != nil {
			return nil, err
		}
		if !paid {
			due = append(due, d)
		}
	}
	return due, nil
}

// paidAtOnce reports whether d's refund was paid out of assets:bank by
// its own entry (a refund before the bank loop) and not sent back since:
// no payment file may pay it again.
func paidAtOnce(ctx context.Context, q sqlx.QueryerContext, d *Donation) (bool, error) {
	if d.refundReturns > 0 || d.RefundEntryID == "" {
		return false, nil
	}
	return ledger.Touches(ctx, q, d.RefundEntryID, ledger.Bank)
}

// MarkRefundSent records in tx that a payment file holds d's refund,
// paid to iban.
func MarkRefundSent(tx *commit.Tx, actor string, d *Donation, fileID, iban string) error {
	const op errs.Op = "donations.MarkRefundSent"
	if d.RefundStatus != RefundOwed {
		return errs.Errorf(op, errs.InvalidState, "the refund of %s is %s; only an owed refund goes into a payment file", d.Reference, orNone(d.RefundStatus))
	}
	if err := insertRefundPayment(tx.Context(), tx, d.ID, fileID); err != nil {
		return err
	}
	d.refundFileID, d.RefundStatus = fileID, RefundSent
	if err := updateDonation(tx.Context(), tx, d); err != nil {
		return err
	}
	return audit.Add(tx, actor, "donation.refund-send", "donation", d.ID, map[string]any{
		"from": RefundOwed, "to": RefundSent, "payment_file_id": fileID, "end_to_end_id": d.EndToEndID, "iban": iban})
}

// RefundPayeeSetBy returns who set the account d's refund is paid to (""
// when none did): that person may not make the payment file that pays it.
func RefundPayeeSetBy(d *Donation) string { return d.refundPayeeBy }

// RefundsInPaymentFile returns the ids of the donations whose refunds a
// payment file holds.
func RefundsInPaymentFile(ctx context.Context, q sqlx.QueryerContext, fileID string) ([]string, error) {
	return refundsInFile(ctx, q, fileID)
}

// onBank reports whether the entry, as stored, moved money on assets:bank:
// so did confirms and refunds before the bank loop, whose bank lines then
// book nothing again. An entry of this batch is not stored yet; it is of
// the bank loop, which books confirms to assets:clearing and refunds to
// liabilities:refunds-payable.
func onBank(tx *commit.Tx, entryID string) (bool, error) {
	if entryID == "" {
		return false, nil
	}
	return ledger.Touches(tx.Context(), tx.Reader(), entryID, ledger.Bank)
}
