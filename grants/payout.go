package grants

import (
	"context"
	"slices"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/ledger"
)

// Disbursement is one instalment of a grant.
type Disbursement struct {
	ID            string       `json:"id"`
	ApplicationID string       `json:"application_id"`
	Status        string       `json:"status"` // pending, released, sent, paid, returned
	Amount        fundus.Money `json:"amount"`
	EndToEndID    string       `json:"end_to_end_id"` // SEPA: the bank's debit line finds the instalment by it
	CreatedBy     string       `json:"created_by"`
	CreatedAt     time.Time    `json:"created_at"`
	ReleasedBy    string       `json:"released_by,omitempty"`
	ReleasedAt    *time.Time   `json:"released_at,omitempty"`
	PaymentFileID string       `json:"payment_file_id,omitempty"`
	SentAt        *time.Time   `json:"sent_at,omitempty"`
	PaidAt        *time.Time   `json:"paid_at,omitempty"`
	LedgerEntryID string       `json:"ledger_entry_id,omitempty"` // the entry of the bank's debit line
}

// The states of an instalment.
const (
	DisbursementPending  = "pending"  // prepared, waiting for a second person
	DisbursementReleased = "released" // approved, waiting for a payment file
	DisbursementSent     = "sent"     // in a payment file, waiting for the bank's debit line
	DisbursementPaid     = "paid"     // the bank's debit line was seen
	DisbursementReturned = "returned" // the payee's bank sent it back: the money is owed again
)

// endToEndID is an instalment's SEPA end-to-end id: its id's 32 hex
// digits behind an F, 33 characters of the SEPA id set.
func endToEndID(id string) string { return "F" + strings.ToUpper(strings.ReplaceAll(id, "-", "")) }

// DisbursementInput is the body of POST .../disbursements.
type DisbursementInput struct {
	Amount fundus.AmountText `json:"amount"`
}

// ReportInput is the body of POST .../report.
type ReportInput struct {
	Spent  fundus.AmountText `json:"spent"`
	Report string            `json:"report"`
	// Receipts are uploaded with the report from its page (receipt.go).
	Receipts []Upload `json:"-"`
}

// CloseInput is the body of POST .../close.
type CloseInput struct {
	Returned fundus.AmountText `json:"returned"`
}

// CreateDisbursement prepares an instalment (pending until a second person
// releases it). The instalments together may not exceed the approved
// amount. Returns Unauthenticated, Forbidden, Invalid, NotFound,
// InvalidState.
func (s *Service) CreateDisbursement(ctx context.Context, actor fundus.Actor, appID string, in DisbursementInput) (commit.Outcome[*Disbursement], error) {
	const op errs.Op = "grants.CreateDisbursement"
	if err := fundus.Authorize(op, actor, fundus.CreateDisbursement); err != nil {
		return disbursementOutcome{}, err
	}
	amount, err := fundus.ParseAmount("amount", in.Amount, fundus.EUR, fundus.Positive, s.MaxAmount)
	if err != nil {
		return disbursementOutcome{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Disbursement, error) {
		a, err := findApplication(tx.Context(), tx.Reader(), appID)
		if err != nil {
			return nil, err
		}
		if a.Status != Approved && a.Status != PartiallyPaid {
			return nil, errs.Errorf(op, errs.InvalidState, "instalments are paid on an approved application; this one is %s", a.Status)
		}
		if a.ownerID == actor.ActorID() {
			return nil, errs.E(op, errs.Forbidden, "a group cannot pay its own grant")
		}
		planned, err := disbursedTotal(tx.Context(), tx.Reader(), a.ID)
		if err != nil {
			return nil, err
		}
		if left := a.ApprovedAmount.Minor - planned; amount > left {
			return nil, errs.FieldCode(op, "amount", "amount_max", fundus.FormatMinor(left, fundus.EUR),
				"exceeds what is left of the approved amount: "+fundus.FormatMinor(left, fundus.EUR))
		}
		d := &Disbursement{ID: db.NewID(), ApplicationID: a.ID, Status: DisbursementPending, Amount: fundus.EURCents(amount),
			CreatedBy: actor.ActorID(), CreatedAt: db.Time(tx.Now())}
		d.EndToEndID = endToEndID(d.ID)
		if err := insertDisbursement(tx.Context(), tx, d); err != nil {
			return nil, err
		}
		return d, audit.Add(tx, actor.ActorID(), "disbursement.create", "disbursement", d.ID, map[string]any{"application_id": a.ID, "amount": d.Amount, "to": "pending"})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// Release approves a pending instalment for payment: it waits for a
// payment file (bank.Service.CreatePaymentFile) and is paid when the
// bank's debit line is seen (Settle); release books nothing. Four eyes: neither whoever created the instalment nor whoever took the
// decision may release it, nor anyone who stands in one line of account
// makers with them or with the group (checkDuties). Returns
// Unauthenticated, Forbidden, NotFound, InvalidState.
func (s *Service) Release(ctx context.Context, actor fundus.Actor, id string) (commit.Outcome[*Disbursement], error) {
	const op errs.Op = "grants.Release"
	if err := fundus.Authorize(op, actor, fundus.ReleaseDisbursement); err != nil {
		return disbursementOutcome{}, err
	}
	out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Disbursement, error) {
		d, err := findDisbursement(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		a, err := findApplication(tx.Context(), tx.Reader(), d.ApplicationID)
		if err != nil {
			return nil, err
		}
		switch {
		case d.Status != DisbursementPending:
			return nil, errs.Errorf(op, errs.InvalidState, "this instalment is already %s", d.Status)
		case a.Status != Approved && a.Status != PartiallyPaid:
			return nil, errs.Errorf(op, errs.InvalidState, "the application is %s", a.Status)
		case d.CreatedBy == actor.ActorID():
			return nil, errs.E(op, errs.Forbidden, FourEyesMaker, "four eyes: the one who prepared an instalment cannot release it")
		case a.decidedBy == actor.ActorID():
			return nil, errs.E(op, errs.Forbidden, FourEyesDecider, "four eyes: the one who approved the grant cannot release its payment")
		case a.ownerID == actor.ActorID():
			return nil, errs.E(op, errs.Forbidden, OwnGrant, "a group cannot release its own grant")
		}
		if err := checkDuties(tx.Context(), tx.Reader(), op, actor.ActorID(), []party{
			{d.CreatedBy, "prepared this instalment"}, {a.decidedBy, "approved the grant"}, {a.ownerID, "applied for it"},
		}); err != nil {
			return nil, err
		}
		// The money was committed at approval (liabilities:grants-payable);
		// it leaves the bank with the bank's debit line (Settle), so release
		// books nothing.
		at := db.Time(tx.Now())
		d.Status, d.ReleasedBy, d.ReleasedAt = DisbursementReleased, actor.ActorID(), &at
		if err := updateDisbursement(tx.Context(), tx, d); err != nil {
			return nil, err
		}
		return d, audit.Add(tx, actor.ActorID(), "disbursement.release", "disbursement", d.ID, map[string]any{"from": DisbursementPending, "to": DisbursementReleased})
	})
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// Report records how the group used the money, once paid at least in part.
// Returns Unauthenticated, Forbidden, Invalid, NotFound (also another
// group's), InvalidState.
func (s *Service) Report(ctx context.Context, actor fundus.Actor, id string, in ReportInput) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Report"
	if err := fundus.Authorize(op, actor, fundus.ApplyForGrant); err != nil {
		return applicationOutcome{}, err
	}
	spent, err := fundus.ParseAmount("spent", in.Spent, fundus.EUR, fundus.NotNegative, s.MaxAmount)
	if err != nil {
		return applicationOutcome{}, err
	}
	report := strings.TrimSpace(in.Report)
	var f check.Fields
	if f.Required("report", report) {
		f.Text("report", report, 10000, true)
	}
	if err := f.Err(op); err != nil {
		return applicationOutcome{}, err
	}
	receipts, err := checkReceipts(op, in.Receipts)
	if err != nil {
		return applicationOutcome{}, err
	}
	return s.transition(ctx, op, actor, id, fundus.ApplyForGrant, true, func(tx *commit.Tx, a *Application) error {
		if a.Status != PartiallyPaid && a.Status != Paid {
			return errs.Errorf(op, errs.InvalidState, "a report follows a payment; this application is %s", a.Status)
		}
		if pending, err := hasUnpaidDisbursement(tx.Context(), tx.Reader(), a.ID, false); err != nil || pending {
			if err != nil {
				return err
			}
			return errs.E(op, errs.InvalidState, "an instalment is still waiting to be released")
		}
		at := db.Time(tx.Now())
		m := fundus.EURCents(spent)
		from := a.Status
		a.Status, a.Spent, a.Report, a.ReportedAt = Reported, &m, report, &at
		if err := storeReceipts(tx, actor, a.ID, receipts, in.Receipts); err != nil {
			return err
		}
		hashes := make([]string, len(receipts))
		for i, r := range receipts {
			hashes[i] = r.SHA256
		}
		return audit.Add(tx, actor.ActorID(), "application.report", "application", a.ID, map[string]any{"from": from, "to": Reported, "spent": m, "receipts": hashes})
	})
}

// Close ends a reported grant: the part of the approved amount that was
// not paid is released (liabilities:grants-payable / expenses:grants); what
// the group says it returns is recorded, and booked when its bank line
// comes (bank.Service.Book to expenses:grants).
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) Close(ctx context.Context, actor fundus.Actor, id string, in CloseInput) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Close"
	if err := fundus.Authorize(op, actor, fundus.CloseApplication); err != nil {
		return applicationOutcome{}, err
	}
	var returned int64
	if in.Returned.Set {
		var err error
		if returned, err = fundus.ParseAmount("returned", in.Returned, fundus.EUR, fundus.NotNegative, s.MaxAmount); err != nil {
			return applicationOutcome{}, err
		}
	}
	return s.transition(ctx, op, actor, id, fundus.CloseApplication, false, func(tx *commit.Tx, a *Application) error {
		if a.Status != Reported {
			return errs.Errorf(op, errs.InvalidState, "an application is closed after its report; this one is %s", a.Status)
		}
		if returned > a.PaidAmount.Minor {
			return errs.FieldCode(op, "returned", "amount_max", a.PaidAmount.String(), "must not exceed what was paid: "+a.PaidAmount.String())
		}
		if inFlight, err := hasUnpaidDisbursement(tx.Context(), tx.Reader(), a.ID, true); err != nil || inFlight {
			if err != nil {
				return err
			}
			return errs.E(op, errs.InvalidState, "an instalment is released or sent and not yet paid by the bank")
		}
		// What was approved and not paid is released. What the group owes
		// back is only recorded: the money counts when its credit line
		// arrives and is booked (to expenses:grants), never on one person's
		// word.
		unpaid := a.ApprovedAmount.Minor - a.PaidAmount.Minor
		if unpaid > 0 {
			e, err := ledger.Post(tx, ledger.NewEntry{Kind: KindClose, Memo: "Grant closed: " + clip(a.Title, 200), Actor: actor.ActorID(),
				Ref: &ledger.Ref{Type: "application", ID: a.ID}, Postings: []ledger.NewPosting{
					{Account: ledger.GrantsPayable, Amount: unpaid}, {Account: ledger.GrantsExpense, Amount: -unpaid}}})
			if err != nil {
				return err
			}
			a.closeEntryID = e.ID
		}
		at := db.Time(tx.Now())
		r := fundus.EURCents(returned)
		a.Status, a.Returned, a.ClosedAt = Closed, &r, &at
		return audit.Add(tx, actor.ActorID(), "application.close", "application", a.ID, map[string]any{
			"from": Reported, "to": Closed, "released": fundus.EURCents(unpaid), "returned": r,
		})
	})
}

// The codes (errs.Code) of releases refused for four eyes, so that pages
// can say why in the visitor's language.
const (
	FourEyesMaker   errs.Code = "four_eyes_maker"   // the releaser prepared the instalment
	FourEyesDecider errs.Code = "four_eyes_decider" // the releaser approved the grant
	OwnGrant        errs.Code = "own_grant"         // the releaser's group applied for it
	FourEyesLine    errs.Code = "four_eyes_line"    // the releaser's account and a party's go back to one admin
)

// party is someone on the other side of a release, and what they did.
type party struct{ id, did string }

// checkDuties refuses a release whose releaser and one of the parties owe
// their accounts to one person (README, "No one pays alone"). The line of
// an account is the account itself, every admin who asked for it (created
// it over the API or asked for one of its confirmed role grants), the
// admins who asked for those admins' admin role, and so on up. A release is
// refused when the releaser's line and a party's line meet, or when one of
// the two confirmed a role grant of the other. The command line and
// self-registration are nobody's line. Returns Forbidden.
func checkDuties(ctx context.Context, q queryer, op errs.Op, releaser string, parties []party) error {
	line, confirmers, err := lineOf(ctx, q, releaser)
	if err != nil {
		return err
	}
	for _, p := range parties {
		if p.id == "" {
			continue
		}
		theirs, theirConfirmers, err := lineOf(ctx, q, p.id)
		if err != nil {
			return err
		}
		switch {
		case slices.Contains(line, p.id) || slices.Contains(confirmers, p.id):
			return errs.E(op, errs.Forbidden, FourEyesLine, "four eyes: the one who "+p.did+" made your account or gave you your roles")
		case slices.Contains(theirs, releaser) || slices.Contains(theirConfirmers, releaser):
			return errs.E(op, errs.Forbidden, FourEyesLine, "four eyes: you made the account of the one who "+p.did+" or gave them their roles")
		case slices.ContainsFunc(line, func(id string) bool { return slices.Contains(theirs, id) }):
			return errs.E(op, errs.Forbidden, FourEyesLine, "four eyes: your account and that of the one who "+p.did+" were asked for by the same admin")
		}
	}
	return nil
}

// lineOf returns userID's line (see checkDuties) and the admins who
// confirmed its role grants.
func lineOf(ctx context.Context, q queryer, userID string) (line, confirmers []string, err error) {
	line = []string{userID}
	for i := 0; i < len(line); i++ {
		asked, confirmed, err := accountMakers(ctx, q, line[i], i > 0)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			confirmers = confirmed
		}
		for _, id := range asked {
			if !slices.Contains(line, id) {
				line = append(line, id)
			}
		}
	}
	return line, confirmers, nil
}
