package bank

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/bank/pain"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/mail"
)

// FourEyesRefundAccount is the code (errs.Code) of a payment file refused
// because its maker set the account of every refund due, so that pages can
// say why in the visitor's language.
const FourEyesRefundAccount errs.Code = "four_eyes_refund_account"

// PaymentFile is a SEPA payment file (pain.001.001.09) of released
// instalments, to upload to the bank's online banking.
type PaymentFile struct {
	ID              string       `json:"id"`
	MessageID       string       `json:"message_id"`
	CreatedAt       time.Time    `json:"created_at"`
	ExecutionDate   string       `json:"execution_date"`
	Count           int          `json:"count"`
	Total           fundus.Money `json:"total"`
	DisbursementIDs []string     `json:"disbursement_ids"`
	// RefundDonationIDs are the donations whose refunds the file pays.
	RefundDonationIDs []string `json:"refund_donation_ids"`
	// HeldBackRefundIDs, in the answer of CreatePaymentFile only, are the
	// refunds due that the file left out because the treasurer making it
	// set their account (separation of duties: another treasurer pays
	// them).
	HeldBackRefundIDs []string `json:"held_back_refund_ids,omitempty"`

	createdBy string
	document  string
	seq       int64
}

// PaymentFileInput names the instalments of a payment file; none: every
// released instalment no file holds yet.
type PaymentFileInput struct {
	DisbursementIDs []string `json:"disbursement_ids"`
}

// CreatePaymentFile gathers released instalments into one payment file
// and marks them sent: one credit transfer each, with the instalment's
// end-to-end id, to the payee's account, from the fund's. Without ids it
// also pays the refunds owed: to the account a treasurer set for the
// refund, else to the payer's IBAN of the bank line that brought the
// donation (a refund with neither waits; so does a returned one until a
// treasurer sets an account). Separation of duties: a refund whose
// account the actor set is left out (HeldBackRefundIDs) for another
// treasurer to pay; when nothing else is due that is Forbidden, naming the
// rule. The bank's debit line with the end-to-end id pays each (Import).
// Returns Unauthenticated, Forbidden, Invalid (a payee the SEPA rules
// refuse, named), NotFound, InvalidState (none to pay, or one that is not
// released).
func (s *Service) CreatePaymentFile(ctx context.Context, actor fundus.Actor, in PaymentFileInput) (commit.Outcome[*PaymentFile], error) {
	const op errs.Op = "bank.CreatePaymentFile"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return commit.Outcome[*PaymentFile]{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*PaymentFile, error) {
		payouts, err := grants.ReleasedPayouts(tx.Context(), tx.Reader(), in.DisbursementIDs)
		if err != nil {
			return nil, err
		}
		var refunds []*refund
		var heldBack []string // refunds whose account this treasurer set: another one pays them
		if in.DisbursementIDs == nil {
			due, err := refundsDue(tx.Context(), tx.Reader())
			if err != nil {
				return nil, err
			}
			for _, r := range due {
				if donations.RefundPayeeSetBy(r.donation) == actor.ActorID() {
					heldBack = append(heldBack, r.donation.ID)
					continue
				}
				refunds = append(refunds, r)
			}
		}
		if len(payouts) == 0 && len(refunds) == 0 {
			if len(heldBack) > 0 {
				return nil, errs.E(op, errs.Forbidden, FourEyesRefundAccount, fmt.Sprintf("separation of duties: you set the account of the refunds due (%d); another treasurer makes the payment file that pays them", len(heldBack)))
			}
			return nil, errs.E(op, errs.InvalidState, "no released instalment or refund waits for a payment file")
		}
		now := db.Time(tx.Now())
		f := &PaymentFile{ID: db.NewID(), CreatedAt: now, ExecutionDate: fundus.DayOf(now), Count: len(payouts) + len(refunds), createdBy: actor.ActorID(),
			DisbursementIDs: []string{}, RefundDonationIDs: []string{}, HeldBackRefundIDs: heldBack}
		f.MessageID = "F" + strings.ToUpper(strings.ReplaceAll(f.ID, "-", ""))
		m := pain.Message{MessageID: f.MessageID, CreatedAt: now, ExecutionDate: f.ExecutionDate,
			Debtor: pain.Party{Name: s.Holder, IBAN: s.IBAN, BIC: s.BIC}}
		for _, p := range payouts {
			d := p.Disbursement
			m.Payments = append(m.Payments, pain.Payment{EndToEndID: d.EndToEndID, Minor: d.Amount.Minor,
				Payee:      pain.Party{Name: p.Payee.Holder, IBAN: p.Payee.IBAN, BIC: p.Payee.BIC},
				Remittance: "Integrationsfonds Zuschuss " + p.Title})
			f.Total.Minor += d.Amount.Minor
			f.DisbursementIDs = append(f.DisbursementIDs, d.ID)
		}
		for _, r := range refunds {
			d := r.donation
			m.Payments = append(m.Payments, pain.Payment{EndToEndID: d.EndToEndID, Minor: d.Arrived(),
				Payee: pain.Party{Name: r.name, IBAN: r.iban}, Remittance: "Rueckerstattung Spende " + d.Reference})
			f.Total.Minor += d.Arrived()
			f.RefundDonationIDs = append(f.RefundDonationIDs, d.ID)
		}
		f.Total = fundus.EURCents(f.Total.Minor)
		var doc bytes.Buffer
		if err := pain.Write(&doc, m); err != nil {
			return nil, err
		}
		f.document = doc.String()
		if err := insertPaymentFile(tx.Context(), tx, f); err != nil {
			return nil, err
		}
		for _, p := range payouts {
			if err := grants.MarkSent(tx, actor.ActorID(), p.Disbursement, f.ID); err != nil {
				return nil, err
			}
		}
		for _, r := range refunds {
			if err := donations.MarkRefundSent(tx, actor.ActorID(), r.donation, f.ID, r.iban); err != nil {
				return nil, err
			}
		}
		return f, audit.Add(tx, actor.ActorID(), "payment-file.create", "payment_file", f.ID, map[string]any{
			"message_id": f.MessageID, "count": f.Count, "total": f.Total, "disbursement_ids": f.DisbursementIDs, "refund_donation_ids": f.RefundDonationIDs,
			"held_back_refund_ids": heldBack,
		})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// PaymentFiles lists the payment files, oldest first, and the position to
// continue after. Returns Unauthenticated, Forbidden.
func (s *Service) PaymentFiles(ctx context.Context, actor fundus.Actor, afterSeq int64, limit int) ([]*PaymentFile, int64, error) {
	const op errs.Op = "bank.PaymentFiles"
	if err := fundus.Authorize(op, actor, fundus.ReadBank); err != nil {
		return nil, 0, err
	}
	fs, err := findPaymentFiles(ctx, s.DB, afterSeq, limit+1)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(fs) > limit {
		return fs[:limit], fs[limit-1].seq, nil
	}
	return fs, 0, nil
}

// PaymentFileDocument returns the pain.001.001.09 file as it was made, for
// the treasurer to upload to the bank. Returns Unauthenticated, Forbidden,
// NotFound.
func (s *Service) PaymentFileDocument(ctx context.Context, actor fundus.Actor, id string) ([]byte, error) {
	const op errs.Op = "bank.PaymentFileDocument"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return nil, err
	}
	f, err := findPaymentFile(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if f.document == "" {
		// Its retention period ended (package retention): the file named
		// payees and their IBANs.
		return nil, errs.Errorf(op, errs.NotFound, "the payment file %s was erased when its retention period ended", f.MessageID)
	}
	return []byte(f.document), nil
}

// refund is a refund owed and whom to pay it to: the account a treasurer
// set for it, else the payer of the line that brought the donation.
type refund struct {
	donation   *donations.Donation
	name, iban string
}

// refundsDue returns the refunds owed that a payment file can pay: owed
// (in no file, not paid, not waiting for an account after a return), with
// an account to pay them to.
func refundsDue(ctx context.Context, q sqlx.QueryerContext) ([]*refund, error) {
	ds, err := donations.RefundsDue(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []*refund
	for _, d := range ds {
		r := &refund{donation: d}
		if p := d.RefundPayee; p != nil {
			r.name, r.iban = p.Name, p.IBAN
		} else if r.name, r.iban, err = payerOf(ctx, q, d.ID); err != nil {
			return nil, err
		}
		if r.iban != "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// settleLine pays what the end-to-end id a booked line carries names: a
// debit pays a released or sent instalment, or an owed or sent refund; a
// credit brings a paid instalment or a paid refund back. It reports whether it matched; else the line stays
// queued.
func settleLine(tx *commit.Tx, by string, o *mail.Outbox, l *Line) (bool, error) {
	if l.EndToEndID == "" {
		return false, nil
	}
	if strings.HasPrefix(l.EndToEndID, "R") {
		d, err := donations.RefundOf(tx.Context(), tx.Reader(), l.EndToEndID)
		if errs.Is(errs.NotFound, err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		line := donations.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: by}
		pay := donations.PayRefund // a debit pays the refund
		if l.Direction == "credit" {
			pay = donations.ReturnRefund // a credit brings a paid one back
		}
		entry, err := pay(tx, d, line)
		if errs.Is(errs.InvalidState, err) {
			return false, nil // another state or amount: a person looks at it
		}
		if err != nil {
			return false, err
		}
		l.Status, l.Match, l.EntryID = Matched, &Match{Type: "refund", ID: d.ID}, entry
		return true, nil
	}
	d, err := grants.FindByEndToEnd(tx.Context(), tx.Reader(), l.EndToEndID)
	if errs.Is(errs.NotFound, err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	entry, err := payout(tx, by, o, l, d)
	if errs.Is(errs.InvalidState, err) {
		return false, nil // another state or amount: a person looks at it
	}
	if err != nil {
		return false, err
	}
	l.Status, l.Match, l.EntryID = Matched, &Match{Type: "disbursement", ID: d.ID}, entry
	return true, nil
}

// payout books a bank line for an instalment: a debit pays it, a credit
// brings it back.
func payout(tx *commit.Tx, by string, o *mail.Outbox, l *Line, d *grants.Disbursement) (string, error) {
	line := grants.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: by, Mail: o}
	if l.Direction == "debit" {
		return grants.Settle(tx, d, line)
	}
	return grants.ReturnOrPayBack(tx, d, line)
}
