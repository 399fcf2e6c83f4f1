// Package grants holds grant applications and their way through the fund:
// draft -> submitted -> in_review -> approved | rejected | withdrawn,
// approved -> partially_paid -> paid -> reported -> closed. Each transition
// is one function that checks the actor's role and ownership, the state and
// its preconditions, writes the audit trail and posts to the ledger where
// money moves; all of it runs in the ledger's write path, so it commits
// together or not at all.
package grants

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
	"fundus/mail"
)

// Status is where an application stands.
type Status string

// The states of an application.
const (
	Draft         Status = "draft"
	Submitted     Status = "submitted"
	InReview      Status = "in_review"
	Approved      Status = "approved"
	Rejected      Status = "rejected"
	Withdrawn     Status = "withdrawn"
	PartiallyPaid Status = "partially_paid"
	Paid          Status = "paid"
	Reported      Status = "reported"
	Closed        Status = "closed"
)

// Entry kinds this package posts.
const (
	KindApproval     = "grant-approval"
	KindDisbursement = "grant-disbursement"
	KindClose        = "grant-close"
)

// BudgetItem is one line of a budget.
type BudgetItem struct {
	Item   string       `json:"item"`
	Amount fundus.Money `json:"amount"`
}

// Payee is who receives the money.
type Payee struct {
	Holder string `json:"holder"`
	IBAN   string `json:"iban"`
	BIC    string `json:"bic,omitempty"`
}

// Application is a grant application.
type Application struct {
	ID              string        `json:"id"`
	Status          Status        `json:"status"`
	Title           string        `json:"title"`
	Organisation    string        `json:"organisation"`
	Summary         string        `json:"summary"`
	Description     string        `json:"description"`
	RequestedAmount fundus.Money  `json:"requested_amount"`
	ApprovedAmount  *fundus.Money `json:"approved_amount,omitempty"`
	PaidAmount      fundus.Money  `json:"paid_amount"`
	Currency        string        `json:"currency"`
	Budget          []BudgetItem  `json:"budget"`
	StartsOn        string        `json:"starts_on"`
	EndsOn          string        `json:"ends_on"`
	Payee           Payee         `json:"payee"`
	// Recognition is why the applicant may receive grants; nil on a draft
	// that has none yet and on applications from before it was asked for.
	Recognition *Recognition  `json:"recognition,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	SubmittedAt *time.Time    `json:"submitted_at,omitempty"`
	DecidedAt   *time.Time    `json:"decided_at,omitempty"`
	Conditions  string        `json:"conditions,omitempty"`
	Spent       *fundus.Money `json:"spent,omitempty"`
	Report      string        `json:"report,omitempty"`
	ReportedAt  *time.Time    `json:"reported_at,omitempty"`
	Returned    *fundus.Money `json:"returned,omitempty"`
	ClosedAt    *time.Time    `json:"closed_at,omitempty"`
	WithdrawnAt *time.Time    `json:"withdrawn_at,omitempty"`
	// Receipts are the files the group sent with its report (their
	// contents through Service.Receipt); pages only, for now.
	Receipts      []Receipt       `json:"-"`
	Reviews       []Review        `json:"reviews,omitempty"`
	Votes         []Vote          `json:"votes,omitempty"`
	Disbursements []*Disbursement `json:"disbursements,omitempty"`

	ownerID         string
	decidedBy       string
	decisionEntryID string
	closeEntryID    string
	returnedPaid    int64 // of Returned, what the group's bank lines brought back
	seq             int64
}

// Input is what an applicant writes: the body of POST and PATCH.
type Input struct {
	Title           string            `json:"title"`
	Organisation    string            `json:"organisation"`
	Summary         string            `json:"summary"`
	Description     string            `json:"description"`
	RequestedAmount fundus.AmountText `json:"requested_amount"`
	Currency        string            `json:"currency"`
	Budget          []BudgetInput     `json:"budget"`
	StartsOn        string            `json:"starts_on"`
	EndsOn          string            `json:"ends_on"`
	Payee           Payee             `json:"payee"`
	// Recognition may be left out of a draft; Submit needs it.
	Recognition *Recognition `json:"recognition,omitempty"`
}

// BudgetInput is one budget line as written.
type BudgetInput struct {
	Item   string            `json:"item"`
	Amount fundus.AmountText `json:"amount"`
}

// InputOf returns the input that would write a's fields as they are, so
// that a PATCH can change some and keep the rest.
func InputOf(a *Application) Input {
	in := Input{Title: a.Title, Organisation: a.Organisation, Summary: a.Summary, Description: a.Description,
		RequestedAmount: fundus.Amount(a.RequestedAmount.String()), Currency: a.Currency,
		StartsOn: a.StartsOn, EndsOn: a.EndsOn, Payee: a.Payee}
	if a.Recognition != nil {
		r := *a.Recognition
		in.Recognition = &r
	}
	for _, b := range a.Budget {
		in.Budget = append(in.Budget, BudgetInput{Item: b.Item, Amount: fundus.Amount(b.Amount.String())})
	}
	return in
}

// Service runs the use cases of this package.
type Service struct {
	DB        *db.DB
	Writer    *commit.Writer
	MaxAmount int64 // cents
	// MaxGrant is the largest amount a group may request (cents,
	// FUNDUS_MAX_GRANT); zero: only MaxAmount limits it.
	MaxGrant int64
	Quorum   int
	// MaySubmit, when set, refuses a group that may not submit yet (whose
	// address is not confirmed: auth.Service.MaySubmit).
	MaySubmit func(ctx context.Context, userID string) error
	Mail      *mail.Outbox // the groups' and the committee's mails (nil: none)
}

// MaxGrantCode is the code (errs.Code) of a field error for a requested
// amount above MaxGrant; its Param is the limit ("5000.00").
const MaxGrantCode = "max_grant"

// check validates in as of today (YYYY-MM-DD, Europe/Berlin) and fills
// the application's written fields.
func (s *Service) check(op errs.Op, in Input, a *Application, today string) error {
	var f check.Fields
	// text trims v, records it as required and free text, and returns it.
	text := func(field, v string, max int, lines bool) string {
		v = strings.TrimSpace(v)
		if f.Required(field, v) {
			f.Text(field, v, max, lines)
		}
		return v
	}
	a.Title = text("title", in.Title, 200, false)
	a.Organisation = text("organisation", in.Organisation, 200, false)
	a.Summary = text("summary", in.Summary, 1000, true)
	a.Description = text("description", in.Description, 10000, true)
	cur, err := fundus.LookupCurrency("currency", in.Currency)
	f.AddErr(err)
	a.Currency = cur.Code
	requested, err := fundus.ParseAmount("requested_amount", in.RequestedAmount, fundus.EUR, fundus.Positive, s.MaxAmount)
	f.AddErr(err)
	if err == nil && s.MaxGrant > 0 && requested > s.MaxGrant {
		limit := fundus.FormatMinor(s.MaxGrant, fundus.EUR)
		f.Add("requested_amount", MaxGrantCode, limit, "must not exceed the fund's maximum grant of "+limit+" EUR (FUNDUS_MAX_GRANT)")
	}
	a.RequestedAmount = fundus.EURCents(requested)

	a.Budget = nil
	var sum int64
	switch {
	case len(in.Budget) == 0:
		f.Add("budget", "required", "", "must have at least one item")
	case len(in.Budget) > 50:
		f.Add("budget", "max", "50", "must have at most 50 items")
	}
	budgetOK := true
	for i, b := range in.Budget {
		item := text(fmt.Sprintf("budget[%d].item", i), b.Item, 200, false)
		amount, err := fundus.ParseAmount(fmt.Sprintf("budget[%d].amount", i), b.Amount, fundus.EUR, fundus.Positive, s.MaxAmount)
		if err != nil {
			budgetOK = false
			f.AddErr(err)
		}
		sum += amount
		a.Budget = append(a.Budget, BudgetItem{Item: item, Amount: fundus.EURCents(amount)})
	}
	if budgetOK && requested > 0 && len(in.Budget) > 0 && sum != requested {
		f.Add("budget", "budget_sum", fundus.FormatMinor(sum, fundus.EUR),
			fmt.Sprintf("items sum to %s, but the requested amount is %s", fundus.FormatMinor(sum, fundus.EUR), fundus.FormatMinor(requested, fundus.EUR)))
	}

	starts, errS := time.Parse(time.DateOnly, strings.TrimSpace(in.StartsOn))
	ends, errE := time.Parse(time.DateOnly, strings.TrimSpace(in.EndsOn))
	if errS != nil {
		f.Add("starts_on", "date", "", "must be a date such as 2027-03-01")
	}
	if errE != nil {
		f.Add("ends_on", "date", "", "must be a date such as 2027-06-30")
	}
	if errS == nil && errE == nil && ends.Before(starts) {
		f.Add("ends_on", "ends_before_start", "", "must not be before starts_on")
	}
	a.StartsOn, a.EndsOn = strings.TrimSpace(in.StartsOn), strings.TrimSpace(in.EndsOn)

	a.Payee.Holder = text("payee.holder", in.Payee.Holder, 70, false)
	a.Payee.IBAN = fundus.NormalizeIBAN(in.Payee.IBAN)
	if !fundus.ValidIBAN(a.Payee.IBAN) {
		f.Add("payee.iban", "iban", "", "must be an IBAN with a valid checksum")
	}
	a.Payee.BIC = strings.ToUpper(strings.TrimSpace(in.Payee.BIC))
	if a.Payee.BIC != "" && !fundus.ValidBIC(a.Payee.BIC) {
		f.Add("payee.bic", "bic", "", "must have 8 or 11 characters")
	}
	a.Recognition = checkRecognition(&f, in.Recognition, today)
	return f.Err(op)
}

// Create starts a draft. Returns Unauthenticated, Forbidden, Invalid.
func (s *Service) Create(ctx context.Context, actor fundus.Actor, in Input) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Create"
	if err := fundus.Authorize(op, actor, fundus.ApplyForGrant); err != nil {
		return applicationOutcome{}, err
	}
	a := &Application{ID: db.NewID(), Status: Draft, ownerID: actor.ActorID()}
	return s.write(ctx, op, func(tx *commit.Tx) (*Application, error) {
		if err := s.check(op, in, a, fundus.DayOf(tx.Now())); err != nil {
			return nil, err
		}
		a.CreatedAt = db.Time(tx.Now())
		if err := insertApplication(tx.Context(), tx, a); err != nil {
			return nil, err
		}
		return a, audit.Add(tx, actor.ActorID(), "application.create", "application", a.ID, map[string]any{"to": Draft, "requested_amount": a.RequestedAmount})
	})
}

// Update changes a draft. Returns Unauthenticated, Forbidden, NotFound,
// InvalidState, Invalid.
func (s *Service) Update(ctx context.Context, actor fundus.Actor, id string, change func(*Input) error) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Update"
	return s.transition(ctx, op, actor, id, fundus.ApplyForGrant, true, func(tx *commit.Tx, a *Application) error {
		if a.Status != Draft {
			return errs.Errorf(op, errs.InvalidState, "only a draft can be changed; this application is %s", a.Status)
		}
		in := InputOf(a)
		if err := change(&in); err != nil {
			return err
		}
		if err := s.check(op, in, a, fundus.DayOf(tx.Now())); err != nil {
			return err
		}
		return audit.Add(tx, actor.ActorID(), "application.update", "application", a.ID, map[string]any{"requested_amount": a.RequestedAmount})
	})
}

// Submit sends a draft to the committee.
func (s *Service) Submit(ctx context.Context, actor fundus.Actor, id string) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Submit"
	return s.transition(ctx, op, actor, id, fundus.ApplyForGrant, true, func(tx *commit.Tx, a *Application) error {
		if a.Status != Draft {
			return errs.Errorf(op, errs.InvalidState, "only a draft can be submitted; this application is %s", a.Status)
		}
		// The recognition is checked again: a notice may have grown too
		// old since the draft was saved.
		var f check.Fields
		if a.Recognition == nil {
			f.Add("recognition.kind", "recognition_required", "", "is required before submitting: nonprofit or public_body, with the notice")
		} else {
			checkRecognition(&f, a.Recognition, fundus.DayOf(tx.Now()))
		}
		if err := f.Err(op); err != nil {
			return err
		}
		if s.MaySubmit != nil {
			if err := s.MaySubmit(tx.Context(), actor.ActorID()); err != nil {
				return err
			}
		}
		at := db.Time(tx.Now())
		a.Status, a.SubmittedAt = Submitted, &at
		if err := s.mailSubmitted(tx, a); err != nil {
			return err
		}
		return audit.Add(tx, actor.ActorID(), "application.submit", "application", a.ID, map[string]any{"from": Draft, "to": Submitted})
	})
}

// Withdraw takes an application back before the decision.
func (s *Service) Withdraw(ctx context.Context, actor fundus.Actor, id string) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Withdraw"
	return s.transition(ctx, op, actor, id, fundus.ApplyForGrant, true, func(tx *commit.Tx, a *Application) error {
		switch a.Status {
		case Draft, Submitted, InReview:
		default:
			return errs.Errorf(op, errs.InvalidState, "an application can be withdrawn only before the decision; this one is %s", a.Status)
		}
		from, at := a.Status, db.Time(tx.Now())
		a.Status, a.WithdrawnAt = Withdrawn, &at
		return audit.Add(tx, actor.ActorID(), "application.withdraw", "application", a.ID, map[string]any{"from": from, "to": Withdrawn})
	})
}

// The outcomes of this package's writes (see commit.Outcome).
type (
	applicationOutcome  = commit.Outcome[*Application]
	disbursementOutcome = commit.Outcome[*Disbursement]
)

// write runs fn in the write path.
func (s *Service) write(ctx context.Context, op errs.Op, fn func(tx *commit.Tx) (*Application, error)) (commit.Outcome[*Application], error) {
	out, err := commit.Do(ctx, s.Writer, fn)
	if err != nil {
		return out, errs.E(op, err)
	}
	return out, nil
}

// transition loads an application in the write path, checks the actor
// (the action's role; ownOnly: the owner only, others get NotFound), lets
// change check and change it, and stores it.
func (s *Service) transition(ctx context.Context, op errs.Op, actor fundus.Actor, id string, action fundus.Action, ownOnly bool,
	change func(tx *commit.Tx, a *Application) error) (commit.Outcome[*Application], error) {
	if err := fundus.Authorize(op, actor, action); err != nil {
		return applicationOutcome{}, err
	}
	return s.write(ctx, op, func(tx *commit.Tx) (*Application, error) {
		a, err := findApplication(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		if ownOnly && a.ownerID != actor.ActorID() {
			return nil, errs.E(op, errs.NotFound, "no such application")
		}
		if err := change(tx, a); err != nil {
			return nil, err
		}
		if err := updateApplication(tx.Context(), tx, a); err != nil {
			return nil, err
		}
		return withDetails(actor, a, tx.ReadTogether)
	})
}

// Find returns one application: to its owner, and to the committee,
// treasurers, auditors and admins; reviews and votes only to the committee
// and auditors. Returns Unauthenticated, Forbidden, NotFound (also for
// another group's application).
func (s *Service) Find(ctx context.Context, actor fundus.Actor, id string) (*Application, error) {
	const op errs.Op = "grants.Find"
	if err := fundus.Authorize(op, actor, fundus.ReadApplications); err != nil {
		return nil, err
	}
	a, err := findApplication(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if !actor.Allowed(fundus.ReadAllApplications) && a.ownerID != actor.ActorID() {
		return nil, errs.E(op, errs.NotFound, "no such application")
	}
	return withDetails(actor, a, func(stmts ...db.Statement) ([]db.StatementResult, error) {
		return db.ReadStatements(ctx, s.DB, stmts...)
	})
}

// withDetails adds what actor may see of reviews, votes, instalments and
// receipts; the one place that decides it for both paths. read runs the
// statements: in the write path all in one round trip
// (commit.Tx.ReadTogether; the batch waits for each of its round trips).
func withDetails(actor fundus.Actor, a *Application, read func(...db.Statement) ([]db.StatementResult, error)) (*Application, error) {
	reviews := actor.Allowed(fundus.ReadReviews)
	stmts := []db.Statement{disbursementsOf(a.ID), receiptsOf(a.ID)}
	if reviews {
		stmts = append(stmts, reviewsOf(a.ID), votesOf(a.ID))
	}
	res, err := read(stmts...)
	if err != nil {
		return nil, err
	}
	if a.Disbursements, err = readDisbursements(res[0].Scanner()); err != nil {
		return nil, err
	}
	if a.Receipts, err = readReceipts(res[1].Scanner()); err != nil {
		return nil, err
	}
	if reviews {
		if a.Reviews, err = readReviews(res[2].Scanner()); err != nil {
			return nil, err
		}
		if a.Votes, err = readVotes(res[3].Scanner()); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Filter selects applications.
type Filter struct {
	Status   Status
	AfterSeq int64
	Limit    int
}

// List returns applications: an applicant's own, or all for the other
// roles. Returns Unauthenticated, Forbidden, Invalid.
func (s *Service) List(ctx context.Context, actor fundus.Actor, f Filter) ([]*Application, int64, error) {
	const op errs.Op = "grants.List"
	if err := fundus.Authorize(op, actor, fundus.ReadApplications); err != nil {
		return nil, 0, err
	}
	var invalid check.Fields
	if f.Status != "" && !validStatus(f.Status) {
		invalid.Add("status", "oneof", "", "is not a status of an application")
	}
	if err := invalid.Err(op); err != nil {
		return nil, 0, err
	}
	owner := ""
	if !actor.Allowed(fundus.ReadAllApplications) {
		owner = actor.ActorID()
	}
	limit := f.Limit
	f.Limit++
	as, err := findApplications(ctx, s.DB, f, owner)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(as) > limit {
		return as[:limit], as[limit-1].seq, nil
	}
	return as, 0, nil
}

func validStatus(st Status) bool {
	switch st {
	case Draft, Submitted, InReview, Approved, Rejected, Withdrawn, PartiallyPaid, Paid, Reported, Closed:
		return true
	}
	return false
}
