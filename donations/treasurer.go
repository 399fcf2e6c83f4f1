package donations

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/bank/pain"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
)

// Confirmation says when the money arrived (empty means now) and how much
// arrived: Amount unset means the pledged amount; another amount is
// recorded as the donation's ReceivedAmount and booked, as when a
// treasurer assigns a bank line of another amount (Arrive). It takes the
// rules of a pledge's amount (positive, at most MaxAmount).
type Confirmation struct {
	ReceivedAt string            `json:"received_at"`
	Amount     fundus.AmountText `json:"amount"`
}

// Refund says why money goes back.
type Refund struct {
	Reason string `json:"reason"`
}

// Confirm records that a pledged donation arrived on the bank account: it
// posts assets:clearing / income:donations (liabilities:donations-pending
// above the first band: Bands) in the same commit as the change of
// state, dated the day of ReceivedAt in Europe/Berlin. ReceivedAt may be a
// date or an RFC 3339 time, not before the fund's first day and not more
// than ReceivedAhead in the future (parseReceivedAt).
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) Confirm(ctx context.Context, actor fundus.Actor, id string, in Confirmation) (commit.Outcome[*Donation], error) {
	const op errs.Op = "donations.Confirm"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return donationOutcome{}, err
	}
	receivedAt, err1 := s.parseReceivedAt(op, in.ReceivedAt, time.Now())
	var amount int64 // 0: the pledged amount
	var err2 error
	if in.Amount.Set {
		amount, err2 = fundus.ParseAmount("amount", in.Amount, fundus.EUR, fundus.Positive, s.MaxAmount)
	}
	if fields := append(errs.FieldsOf(err1), errs.FieldsOf(err2)...); len(fields) > 0 {
		return donationOutcome{}, errs.E(op, errs.Invalid, fields, "some fields are not valid")
	}
	// One statement marks the donation received if it is pledged, for all
	// confirms of a batch at once (commit.Shared): a treasurer confirms a
	// month of statements in one go.
	row := func(now time.Time) (receipt, error) {
		at := db.Time(now)
		if receivedAt != nil { // checked by parseReceivedAt
			at = *receivedAt
		}
		return receipt{id: id, at: at, entryID: db.NewID(), amount: amount, adminMax: s.Bands.adminMax(), now: db.Time(now)}, nil
	}
	out, err := commit.DoShared(ctx, s.Writer, confirmShared, row, func(tx *commit.Tx, d *Donation, changed bool) (*Donation, error) {
		if !changed {
			d, err := findDonation(tx.Context(), tx.Reader(), id)
			if err != nil {
				return nil, err
			}
			return nil, errs.Errorf(op, errs.InvalidState, "only a pledged donation can be confirmed; this one is %s", d.Status)
		}
		if _, err := ledger.Post(tx, ledger.NewEntry{
			ID: d.LedgerEntryID, Kind: KindDonation, Memo: "Donation " + d.Reference, Actor: actor.ActorID(),
			Date: fundus.DayOf(*d.ReceivedAt), // the day the money arrived: its year is the report's
			Ref:  &ledger.Ref{Type: "donation", ID: d.ID},
			// Confirmed by hand, the money is known to have arrived but is not
			// on a bank line yet: it waits in assets:clearing until its line
			// moves it to assets:bank (donations.Arrive).
			// A donation above the first band waits in
			// liabilities:donations-pending for its body (Bands).
			Postings: []ledger.NewPosting{{Account: ledger.Clearing, Amount: d.Arrived()}, {Account: incomeAccount(d), Amount: -d.Arrived()}},
		}); err != nil {
			return nil, err
		}
		if err := MailReceived(tx, s.Mail, d); err != nil {
			return nil, err
		}
		details := map[string]any{"from": Pledged, "to": Received, "received_at": d.ReceivedAt, "ledger_entry_id": d.LedgerEntryID, "acceptance": d.Acceptance}
		if d.ReceivedAmount != nil {
			details["received_amount"] = d.ReceivedAmount
		}
		return d, audit.Add(tx, actor.ActorID(), "donation.confirm", "donation", d.ID, details)
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// confirmShared is the statement confirms share: mark received if pledged.
var confirmShared = &commit.Shared[receipt, *Donation]{Name: "donations.confirm", Statement: markReceived, Read: readMarked}

// Cancel records that a pledge will not be paid.
// Returns Unauthenticated, Forbidden, NotFound, InvalidState.
func (s *Service) Cancel(ctx context.Context, actor fundus.Actor, id string) (commit.Outcome[*Donation], error) {
	const op errs.Op = "donations.Cancel"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return donationOutcome{}, err
	}
	return s.transition(ctx, op, id, func(tx *commit.Tx, d *Donation) error {
		if d.Status != Pledged {
			return errs.Errorf(op, errs.InvalidState, "only a pledged donation can be cancelled; this one is %s", d.Status)
		}
		at := db.Time(tx.Now())
		d.Status, d.CancelledAt = Cancelled, &at
		return audit.Add(tx, actor.ActorID(), "donation.cancel", "donation", d.ID, map[string]any{"from": Pledged, "to": Cancelled})
	})
}

// Refund owes a received donation back at once: it posts income:donations
// (liabilities:donations-pending for one pending acceptance) /
// liabilities:refunds-payable, so the money is no longer available; the
// money leaves the bank with the debit line that pays it (bank.Service.Assign).
// Returns Unauthenticated, Forbidden, Invalid, NotFound,
// InvalidState (also while a valid receipt names it), InsufficientFunds
// (when the money is already committed).
func (s *Service) Refund(ctx context.Context, actor fundus.Actor, id string, in Refund) (commit.Outcome[*Donation], error) {
	const op errs.Op = "donations.Refund"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return donationOutcome{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	var f check.Fields
	if f.Required("reason", reason) {
		f.Text("reason", reason, 400, false)
	}
	if err := f.Err(op); err != nil {
		return donationOutcome{}, err
	}
	return s.transition(ctx, op, id, func(tx *commit.Tx, d *Donation) error {
		if d.Status != Received {
			return errs.Errorf(op, errs.InvalidState, "only a received donation can be refunded; this one is %s", d.Status)
		}
		// A donation given back may not stay on a valid receipt: the
		// donor would deduct money they did not give.
		if n, err := validReceiptOf(tx.Context(), tx.Reader(), d.ID); err != nil || n != "" {
			if err != nil {
				return err
			}
			return errs.Errorf(op, errs.InvalidState, "the donation is on the valid receipt %s; cancel the receipt first", n)
		}
		e, err := ledger.Post(tx, ledger.NewEntry{
			Kind: KindRefund, Memo: "Refund of donation " + d.Reference, Actor: actor.ActorID(),
			Ref:      &ledger.Ref{Type: "donation", ID: d.ID},
			Postings: []ledger.NewPosting{{Account: incomeAccount(d), Amount: d.Arrived()}, {Account: ledger.RefundsPayable, Amount: -d.Arrived()}},
		})
		if err != nil {
			return err
		}
		at := db.Time(tx.Now())
		d.Status, d.RefundedAt, d.RefundReason, d.RefundEntryID = Refunded, &at, reason, e.ID
		d.EndToEndID, d.RefundStatus = refundEndToEndID(d.ID), RefundOwed
		return audit.Add(tx, actor.ActorID(), "donation.refund", "donation", d.ID, map[string]any{
			"from": Received, "to": Refunded, "reason": reason, "refund_entry_id": e.ID,
		})
	})
}

// transition runs a change of a donation's state in the write path: it
// loads the donation, lets change check and change it (and post), and
// stores it, all in one function of the write path.
func (s *Service) transition(ctx context.Context, op errs.Op, id string, change func(tx *commit.Tx, d *Donation) error) (commit.Outcome[*Donation], error) {
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Donation, error) {
		d, err := findDonation(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		if err := change(tx, d); err != nil {
			return nil, err
		}
		return d, updateDonation(tx.Context(), tx, d)
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// parseReceivedAt reads when money arrived: a date or an RFC 3339 time, not
// before the fund's first day (FundStart) and not more than ReceivedAhead
// after now. Empty is nil (now). Returns Invalid naming received_at.
func (s *Service) parseReceivedAt(op errs.Op, v string, now time.Time) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		if t, err = time.Parse(time.DateOnly, v); err != nil {
			return nil, errs.FieldCode(op, "received_at", "time", "", "must be a date (2026-01-31) or an RFC 3339 time")
		}
	}
	start := s.fundStart()
	// The day as the treasurer wrote it (in the time's own offset) is
	// compared with the fund's first day.
	day := t.Format(time.DateOnly)
	t = db.Time(t)
	switch {
	case day < start.Format(time.DateOnly):
		return nil, errs.FieldCode(op, "received_at", "before_fund_start", start.Format(time.DateOnly), "must not be before the fund's first day, "+start.Format(time.DateOnly))
	case t.After(now.Add(ReceivedAhead)):
		return nil, errs.FieldCode(op, "received_at", "future", "", "must not lie in the future")
	}
	return &t, nil
}

// MaxQuery is the longest search text, in characters: longer than any
// reference, name, email or amount it can find.
const MaxQuery = 200

// Filter selects donations for the treasurer. Query finds a reference
// (any spelling, even partial), a donor's name or email, or an amount; it
// has at most MaxQuery characters.
type Filter struct {
	Status   Status
	From, To time.Time
	Query    string
	AfterSeq int64
	Limit    int
}

// List returns up to f.Limit donations, newest last, and the position to
// continue after (0 when there are no more).
// Returns Unauthenticated, Forbidden, Invalid.
func (s *Service) List(ctx context.Context, actor fundus.Actor, f Filter) ([]*Donation, int64, error) {
	const op errs.Op = "donations.List"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, 0, err
	}
	var invalid check.Fields
	switch f.Status {
	case "", Pledged, Received, Cancelled, Refunded:
	default:
		invalid.Add("status", "oneof", "pledged received cancelled refunded", "must be one of: pledged, received, cancelled, refunded")
	}
	invalid.Text("q", f.Query, MaxQuery, false)
	if err := invalid.Err(op); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	f.Limit++
	ds, err := findDonations(ctx, s.DB, f)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(ds) > limit {
		return ds[:limit], ds[limit-1].seq, nil
	}
	return ds, 0, nil
}

// Find returns one donation. Returns Unauthenticated, Forbidden, NotFound.
func (s *Service) Find(ctx context.Context, actor fundus.Actor, id string) (*Donation, error) {
	const op errs.Op = "donations.Find"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, err
	}
	d, err := findDonation(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return d, nil
}

// FindByReference returns the donation with a reference as the treasurer
// types it from a bank statement. Returns Unauthenticated, Forbidden,
// Invalid (a typo the check character catches), NotFound.
func (s *Service) FindByReference(ctx context.Context, actor fundus.Actor, ref string) (*Donation, error) {
	const op errs.Op = "donations.FindByReference"
	if err := fundus.Authorize(op, actor, fundus.ReadDonations); err != nil {
		return nil, err
	}
	canonical, err := ParseReference(ref)
	if err != nil {
		return nil, err
	}
	d, err := findDonationByReference(ctx, s.DB, canonical)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return d, nil
}

// Totals are the public figures of the donations.
type Totals struct {
	ReceivedCount int64
	Received      int64 // cents, net of refunds
}

func (t Totals) String() string {
	return fmt.Sprintf("%d donations, %d cents", t.ReceivedCount, t.Received)
}

// ReceivedTotals returns how many donations arrived and were not refunded,
// and their sum, as q sees them (package figures reads them in the
// snapshot of its other figures). They need no role: they are public.
func ReceivedTotals(ctx context.Context, q sqlx.QueryerContext) (Totals, error) {
	t, err := receivedTotals(ctx, q)
	if err != nil {
		return t, errs.E(errs.Op("donations.ReceivedTotals"), err)
	}
	return t, nil
}

// RefundAccount is the account a refund is paid to: the holder's name as
// the bank knows it, and the IBAN.
type RefundAccount struct {
	Name string `json:"name"`
	IBAN string `json:"iban"`
}

// SetRefundAccount sets the account an owed refund is paid to, for a
// refund whose donation came with no bank line naming the payer's IBAN
// (confirmed by hand) or that the donor's bank sent back (then it goes
// into no payment file before this). The name must have Latin letters
// (payment files write names in the SEPA character set); the IBAN must
// be valid. Who sets it may not make the payment file that pays it
// (bank.Service.CreatePaymentFile): a second treasurer does. Audited with
// the old and the new IBAN. Returns Unauthenticated, Forbidden, Invalid,
// NotFound, InvalidState (not refunded, the refund is in a payment file
// or paid, or was paid out of the bank before the bank loop).
func (s *Service) SetRefundAccount(ctx context.Context, actor fundus.Actor, id string, in RefundAccount) (commit.Outcome[*Donation], error) {
	const op errs.Op = "donations.SetRefundAccount"
	if err := fundus.Authorize(op, actor, fundus.HandleDonations); err != nil {
		return donationOutcome{}, err
	}
	name, iban := strings.Join(strings.Fields(in.Name), " "), fundus.NormalizeIBAN(in.IBAN)
	var f check.Fields
	if f.Required("name", name) {
		f.Text("name", name, pain.MaxNameLen, false)
		if !strings.ContainsFunc(pain.Latin(name), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			f.Add("name", "latin", "", "needs Latin letters: give the name as the bank knows it")
		}
	}
	if f.Required("iban", iban) && !fundus.ValidIBAN(iban) {
		f.Add("iban", "iban", "", "must be an IBAN with a valid checksum")
	}
	if err := f.Err(op); err != nil {
		return donationOutcome{}, err
	}
	return s.transition(ctx, op, id, func(tx *commit.Tx, d *Donation) error {
		if d.Status != Refunded || (d.RefundStatus != RefundOwed && d.RefundStatus != RefundReturned) {
			return errs.Errorf(op, errs.InvalidState, "only an owed refund not in a payment file takes an account; this donation is %s, its refund %s", d.Status, orNone(d.RefundStatus))
		}
		if paid, err := paidAtOnce(tx.Context(), tx.Reader(), d); err != nil || paid {
			if err != nil {
				return err
			}
			return errs.Errorf(op, errs.InvalidState, "the refund of %s was paid out of the bank account before the bank loop; it takes no account, only its debit line (assigned)", d.Reference)
		}
		var oldName, oldIBAN string
		if d.RefundPayee != nil {
			oldName, oldIBAN = d.RefundPayee.Name, d.RefundPayee.IBAN
		}
		from := d.RefundStatus
		d.RefundPayee, d.refundPayeeBy, d.RefundStatus = &RefundPayee{Name: name, IBAN: iban}, actor.ActorID(), RefundOwed
		return audit.Add(tx, actor.ActorID(), "donation.refund-account", "donation", d.ID, map[string]any{
			"from": from, "to": RefundOwed, "old_name": oldName, "old_iban": oldIBAN, "name": name, "iban": iban,
		})
	})
}

// fundStart is the fund's first day (FundStart, else DefaultFundStart).
func (s *Service) fundStart() time.Time {
	if s.FundStart.IsZero() {
		return DefaultFundStart
	}
	return s.FundStart
}
