package bank

import (
	"bytes"
	"context"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/bank/pain"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/grants"
)

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
// end-to-end id, to the payee's account, from the fund's. The bank's debit
// line with that end-to-end id pays it (Import). Returns Unauthenticated,
// Forbidden, Invalid (a payee the SEPA rules refuse, named), NotFound,
// InvalidState (none to pay, or one that is not released).
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
		if len(payouts) == 0 {
			return nil, errs.E(op, errs.InvalidState, "no released instalment waits for a payment file")
		}
		now := db.Time(tx.Now())
		f := &PaymentFile{ID: db.NewID(), CreatedAt: now, ExecutionDate: fundus.DayOf(now), Count: len(payouts), createdBy: actor.ActorID()}
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
		return f, audit.Add(tx, actor.ActorID(), "payment-file.create", "payment_file", f.ID, map[string]any{
			"message_id": f.MessageID, "count": f.Count, "total": f.Total, "disbursement_ids": f.DisbursementIDs,
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
	return []byte(f.document), nil
}

// settleLine pays the instalment whose end-to-end id a booked line carries:
// a debit pays a released or sent one, a credit brings a paid one back. It
// reports whether it matched; else the line stays queued.
func settleLine(tx *commit.Tx, by string, l *Line) (bool, error) {
	if l.EndToEndID == "" {
		return false, nil
	}
	d, err := grants.FindByEndToEnd(tx.Context(), tx.Reader(), l.EndToEndID)
	if errs.Is(errs.NotFound, err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	entry, err := payout(tx, by, l, d)
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
func payout(tx *commit.Tx, by string, l *Line, d *grants.Disbursement) (string, error) {
	line := grants.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: by}
	if l.Direction == "debit" {
		return grants.Settle(tx, d, line)
	}
	return grants.ReturnOrPayBack(tx, d, line)
}
