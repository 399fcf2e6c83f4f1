package bank

import (
	"context"
	"slices"
	"strings"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/donations"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger"
)

// Statements lists the imported files, oldest first, and the position to
// continue after (0 when there are no more). Returns Unauthenticated,
// Forbidden.
func (s *Service) Statements(ctx context.Context, actor fundus.Actor, afterSeq int64, limit int) ([]*Statement, int64, error) {
	const op errs.Op = "bank.Statements"
	if err := fundus.Authorize(op, actor, fundus.ReadBank); err != nil {
		return nil, 0, err
	}
	sts, err := findStatements(ctx, s.DB, afterSeq, limit+1)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(sts) > limit {
		return sts[:limit], sts[limit-1].seq, nil
	}
	return sts, 0, nil
}

// Lines lists bank lines, oldest first, and the position to continue
// after. Returns Unauthenticated, Forbidden, Invalid.
func (s *Service) Lines(ctx context.Context, actor fundus.Actor, f LineFilter) ([]*Line, int64, error) {
	const op errs.Op = "bank.Lines"
	if err := fundus.Authorize(op, actor, fundus.ReadBank); err != nil {
		return nil, 0, err
	}
	var fe check.Fields
	switch f.Status {
	case "", Pending, Queued, Matched, Booked:
	default:
		fe.Add("status", "oneof", "pending queued matched booked", "must be pending, queued, matched or booked")
	}
	for name, d := range map[string]string{"from": f.From, "to": f.To} {
		if d != "" && !fundus.IsDay(d) {
			fe.Add(name, "date", "", "must be a date (2026-01-31)")
		}
	}
	if err := fe.Err(op); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	f.Limit++
	ls, err := findLines(ctx, s.DB, f)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(ls) > limit {
		return ls[:limit], ls[limit-1].seq, nil
	}
	return ls, 0, nil
}

// Line returns one bank line, with suggestions while it is queued.
// Returns Unauthenticated, Forbidden, NotFound.
func (s *Service) Line(ctx context.Context, actor fundus.Actor, id string) (*Line, error) {
	const op errs.Op = "bank.Line"
	if err := fundus.Authorize(op, actor, fundus.ReadBank); err != nil {
		return nil, err
	}
	l, err := findLine(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if l.Suggestions, err = suggest(ctx, s.DB, l); err != nil {
		return nil, errs.E(op, err)
	}
	return l, nil
}

// Reconcile compares the last statement's closing balance with the
// ledger's assets:bank on its day. Returns Unauthenticated, Forbidden,
// NotFound when no statement with a closing balance was imported.
func (s *Service) Reconcile(ctx context.Context, actor fundus.Actor) (*Reconciliation, error) {
	const op errs.Op = "bank.Reconcile"
	if err := fundus.Authorize(op, actor, fundus.ReadBank); err != nil {
		return nil, err
	}
	tx, err := db.ReadTx(ctx, s.DB) // one snapshot: the statement, the ledger, the queue
	if err != nil {
		return nil, errs.E(op, err)
	}
	defer tx.Rollback()
	st, err := lastClosing(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if st == nil {
		return nil, errs.E(op, errs.NotFound, "no statement with a closing balance has been imported yet")
	}
	balances, err := ledger.SumPostings(ctx, tx, "e.date <= $1 AND p.account = $2", st.closingDate, ledger.Bank)
	if err != nil {
		return nil, errs.E(op, err)
	}
	n, queued, err := queuedThrough(ctx, tx, st.closingDate)
	if err != nil {
		return nil, errs.E(op, err)
	}
	book := balances[ledger.Bank]
	return &Reconciliation{
		StatementDate: st.closingDate, StatementBalance: *st.ClosingBalance, LedgerBalance: fundus.EURCents(book),
		Difference: fundus.EURCents(st.ClosingBalance.Minor - book), QueuedLines: n, QueuedAmount: fundus.EURCents(queued),
	}, nil
}

// Assignment names what a queued line is: a donation or an instalment.
type Assignment struct {
	DonationID     string `json:"donation_id"`
	DisbursementID string `json:"disbursement_id"`
}

// Assign records that a queued credit is the money of a donation (a
// pledged one of that amount is confirmed with the line's booking day, one
// confirmed by hand is linked and its money moved from assets:clearing to
// assets:bank), or, once that money has its line and the donation's
// refund was paid, the refund coming back from the donor's bank (owed
// again); that a queued debit paid a refunded donation back; or that a
// debit paid an instalment, a credit brought a paid one back.
// Returns Unauthenticated, Forbidden,
// Invalid, NotFound, InvalidState.
func (s *Service) Assign(ctx context.Context, actor fundus.Actor, id string, in Assignment) (commit.Outcome[*Line], error) {
	const op errs.Op = "bank.Assign"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return lineOutcome{}, err
	}
	var f check.Fields
	switch {
	case in.DonationID != "" && in.DisbursementID != "":
		f.Add("disbursement_id", "excluded_with", "donation_id", "name a donation or an instalment, not both")
	case in.DisbursementID == "":
		f.Required("donation_id", in.DonationID)
	}
	if err := f.Err(op); err != nil {
		return lineOutcome{}, err
	}
	if in.DisbursementID != "" {
		return s.resolve(ctx, op, actor, id, "bank.line.assign", func(tx *commit.Tx, l *Line) error {
			d, err := grants.FindDisbursement(tx.Context(), tx.Reader(), in.DisbursementID)
			if err != nil {
				return err
			}
			entry, err := payout(tx, actor.ActorID(), s.Mail, l, d)
			if err != nil {
				return err
			}
			l.Status, l.Match, l.EntryID = Matched, &Match{Type: "disbursement", ID: d.ID}, entry
			return nil
		})
	}
	return s.resolve(ctx, op, actor, id, "bank.line.assign", func(tx *commit.Tx, l *Line) error {
		d, err := donations.Lookup(tx.Context(), tx.Reader(), in.DonationID)
		if err != nil {
			return err
		}
		line := donations.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: actor.ActorID(), Mail: s.Mail, Bands: s.Bands}
		kind, pay := "donation", func(tx *commit.Tx, d *donations.Donation, line donations.BankLine) (string, error) {
			return donations.Arrive(tx, d, line, true) // a person saw the amount: what arrived counts
		}
		linked, err := matched(tx.Context(), tx.Reader(), "donation", d.ID)
		if err != nil {
			return err
		}
		switch {
		case l.Direction == "debit": // the money of a refund left the bank
			kind, pay = "refund", donations.PayRefund
		case linked && d.Status == donations.Refunded && d.RefundStatus == donations.RefundPaid:
			// The donation's money has its line: a credit now is the paid
			// refund coming back from the donor's bank.
			kind, pay = "refund", donations.ReturnRefund
		case linked && d.Status == donations.Refunded:
			return errs.Errorf(op, errs.InvalidState, "the donation %s already has its bank line, and its refund is %s, not paid: a credit brings back only a paid refund", d.Reference, d.RefundStatus)
		case linked:
			return errs.Errorf(op, errs.InvalidState, "the donation %s already has its bank line", d.Reference)
		}
		entry, err := pay(tx, d, line)
		if err != nil {
			return err
		}
		l.Status, l.Match, l.EntryID = Matched, &Match{Type: kind, ID: d.ID}, entry
		return nil
	})
}

// DonationBooking says how a transfer without a pledge is recorded.
type DonationBooking struct {
	Anonymous bool `json:"anonymous"`
}

// BookDonation records a queued credit as a donation that came without a
// pledge: a new received donation of the line's amount, from the payer.
// Returns Unauthenticated, Forbidden, NotFound, InvalidState.
func (s *Service) BookDonation(ctx context.Context, actor fundus.Actor, id string, in DonationBooking) (commit.Outcome[*Line], error) {
	const op errs.Op = "bank.BookDonation"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return lineOutcome{}, err
	}
	return s.resolve(ctx, op, actor, id, "bank.line.book-donation", func(tx *commit.Tx, l *Line) error {
		if l.Direction != "credit" {
			return errs.E(op, errs.InvalidState, "only a credit can be a donation; this line is a debit")
		}
		d, entry, err := donations.BookTransfer(tx, donations.BankLine{ID: l.ID, BookingDate: l.BookingDate, Minor: l.Amount.Minor, Actor: actor.ActorID(), Bands: s.Bands},
			l.CounterpartyName, in.Anonymous)
		if err != nil {
			return err
		}
		l.Status, l.Match, l.EntryID = Matched, &Match{Type: "donation", ID: d.ID}, entry
		return nil
	})
}

// Bookable are the accounts a line may be booked to: what the bank
// charges, what it pays, and the money the fund started with. Donations,
// instalments, refunds and grant money paid back have their own actions,
// which keep their records and the projects' figures in step.
var Bookable = []string{ledger.BankFees, ledger.Interest, ledger.OpeningBalance}

// Booking books a queued line to an account of the chart.
type Booking struct {
	Account string `json:"account"`
	Memo    string `json:"memo"`
}

// Book books a queued line to an account: the bank posting's other side
// (bank fees, interest, the opening balance). Returns
// Unauthenticated, Forbidden, Invalid, NotFound, InvalidState,
// InsufficientFunds.
func (s *Service) Book(ctx context.Context, actor fundus.Actor, id string, in Booking) (commit.Outcome[*Line], error) {
	const op errs.Op = "bank.Book"
	if err := fundus.Authorize(op, actor, fundus.HandleBank); err != nil {
		return lineOutcome{}, err
	}
	account, memo := strings.TrimSpace(in.Account), strings.TrimSpace(in.Memo)
	var f check.Fields
	if f.Required("account", account) && !slices.Contains(Bookable, account) {
		f.Add("account", "oneof", strings.Join(Bookable, " "), "must be one of "+strings.Join(Bookable, ", ")+": a donation is assigned or booked as one, an instalment or a refund assigned")
	}
	if f.Required("memo", memo) {
		f.Text("memo", memo, ledger.MaxMemo-60, false)
	}
	if err := f.Err(op); err != nil {
		return lineOutcome{}, err
	}
	return s.resolve(ctx, op, actor, id, "bank.line.book", func(tx *commit.Tx, l *Line) error {
		if carriesPersonalData(memo, l) {
			return errs.FieldCode(op, "memo", "personal_data", "", "must not repeat the line's name, IBAN or remittance text: the ledger is never erased, personal data stays in the bank line")
		}
		amount := l.signed()
		e, err := ledger.Post(tx, ledger.NewEntry{
			Kind: "bank", Memo: memo + " (bank line " + l.BookingDate + ")", Actor: actor.ActorID(), Date: l.BookingDate, FromBank: true,
			Ref:      &ledger.Ref{Type: "bank_line", ID: l.ID},
			Postings: []ledger.NewPosting{{Account: ledger.Bank, Amount: amount}, {Account: account, Amount: -amount}},
		})
		if err != nil {
			if fields := errs.FieldsOf(err); len(fields) > 0 && strings.HasPrefix(fields[0].Field, "postings[1]") {
				return errs.Field(op, "account", "is not an account of the chart")
			}
			return err
		}
		l.Status, l.Match, l.EntryID = Booked, &Match{Type: "entry", ID: e.ID}, e.ID
		return nil
	})
}

// resolve runs what a person does with a queued line in the write path:
// it loads the line, lets do match or book it, stores it and audits.
func (s *Service) resolve(ctx context.Context, op errs.Op, actor fundus.Actor, id, action string, do func(tx *commit.Tx, l *Line) error) (commit.Outcome[*Line], error) {
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Line, error) {
		l, err := findLine(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		if l.Status != Queued {
			return nil, errs.Errorf(op, errs.InvalidState, "only a queued line can be resolved; this one is %s", l.Status)
		}
		if err := do(tx, l); err != nil {
			return nil, err
		}
		if err := resolveLine(tx.Context(), tx, l, actor.ActorID(), db.Time(tx.Now())); err != nil {
			return nil, err
		}
		return l, audit.Add(tx, actor.ActorID(), action, "bank_line", l.ID, map[string]any{
			"from": Queued, "to": l.Status, "match": l.Match, "ledger_entry_id": l.EntryID,
		})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// carriesPersonalData reports whether memo repeats the counterparty's
// name or IBAN or the remittance text of l (four characters or more,
// ignoring case and spaces), which a ledger memo must never hold: the ledger keeps
// its entries for ever, while the line's personal data is erased when its
// retention period ends (package retention).
func carriesPersonalData(memo string, l *Line) bool {
	m := strings.ToUpper(strings.Join(strings.Fields(memo), ""))
	has := func(s string) bool {
		s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
		return len([]rune(s)) >= 4 && strings.Contains(m, s)
	}
	// A line without a counterparty's account is the bank's own (fees,
	// interest): its text names no one and may be repeated.
	return has(l.CounterpartyIBAN) || has(l.CounterpartyName) || (l.CounterpartyIBAN != "" && has(l.Remittance))
}
