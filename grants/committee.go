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
	"fundus/ledger"
)

// Review is a committee member's assessment.
type Review struct {
	MemberID           string    `json:"member_id"`
	Score              int       `json:"score"`
	Comment            string    `json:"comment"`
	ConflictOfInterest bool      `json:"conflict_of_interest"`
	CreatedAt          time.Time `json:"created_at"`
}

// ReviewInput is the body of POST .../reviews.
type ReviewInput struct {
	Score              int    `json:"score"`
	Comment            string `json:"comment"`
	ConflictOfInterest bool   `json:"conflict_of_interest"`
}

// Vote is a committee member's vote.
type Vote struct {
	MemberID  string        `json:"member_id"`
	Vote      string        `json:"vote"`
	Amount    *fundus.Money `json:"amount,omitempty"`
	Comment   string        `json:"comment,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
}

// VoteInput is the body of POST .../votes.
type VoteInput struct {
	Vote    string            `json:"vote"`
	Amount  fundus.AmountText `json:"amount"`
	Comment string            `json:"comment"`
}

// DecisionInput is the body of POST .../decision.
type DecisionInput struct {
	Decision   string            `json:"decision"`
	Amount     fundus.AmountText `json:"amount"`
	Conditions string            `json:"conditions"`
}

// AddReview records a member's review; a second review by the same member
// replaces the first, but a declared conflict of interest stays declared.
// The first review moves a submitted application to in_review.
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) AddReview(ctx context.Context, actor fundus.Actor, id string, in ReviewInput) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.AddReview"
	if err := fundus.Authorize(op, actor, fundus.ReviewApplications); err != nil {
		return applicationOutcome{}, err
	}
	comment := strings.TrimSpace(in.Comment)
	var f check.Fields
	if in.Score < 1 || in.Score > 5 {
		f.Add("score", "score", "", "must be from 1 to 5")
	}
	f.Text("comment", comment, 5000, true)
	if err := f.Err(op); err != nil {
		return applicationOutcome{}, err
	}
	return s.transition(ctx, op, actor, id, fundus.ReviewApplications, false, func(tx *commit.Tx, a *Application) error {
		if a.Status != Submitted && a.Status != InReview {
			return errs.Errorf(op, errs.InvalidState, "only a submitted application can be reviewed; this one is %s", a.Status)
		}
		if a.ownerID == actor.ActorID() {
			return errs.E(op, errs.Forbidden, "this is your own application")
		}
		r := Review{MemberID: actor.ActorID(), Score: in.Score, Comment: comment, ConflictOfInterest: in.ConflictOfInterest, CreatedAt: db.Time(tx.Now())}
		if err := upsertReview(tx.Context(), tx, a.ID, r); err != nil {
			return err
		}
		from := a.Status
		a.Status = InReview
		return audit.Add(tx, actor.ActorID(), "application.review", "application", a.ID, map[string]any{
			"from": from, "to": a.Status, "score": r.Score, "conflict_of_interest": in.ConflictOfInterest,
		})
	})
}

// CastVote records a member's vote; a second vote replaces the first. A
// member who declared a conflict of interest cannot vote.
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) CastVote(ctx context.Context, actor fundus.Actor, id string, in VoteInput) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.CastVote"
	if err := fundus.Authorize(op, actor, fundus.ReviewApplications); err != nil {
		return applicationOutcome{}, err
	}
	var f check.Fields
	switch in.Vote {
	case "approve", "reject", "abstain":
	default:
		f.Add("vote", "oneof", "", "must be approve, reject or abstain")
	}
	var amount *fundus.Money
	if in.Amount.Set {
		minor, err := fundus.ParseAmount("amount", in.Amount, fundus.EUR, fundus.Positive, s.MaxAmount)
		f.AddErr(err)
		m := fundus.EURCents(minor)
		amount = &m
	}
	comment := strings.TrimSpace(in.Comment)
	f.Text("comment", comment, 5000, true)
	if err := f.Err(op); err != nil {
		return applicationOutcome{}, err
	}
	return s.transition(ctx, op, actor, id, fundus.ReviewApplications, false, func(tx *commit.Tx, a *Application) error {
		if a.Status != InReview {
			return errs.Errorf(op, errs.InvalidState, "votes are cast on an application in review; this one is %s", a.Status)
		}
		conflict, err := hasConflict(tx.Context(), tx.Reader(), a.ID, actor.ActorID())
		if err != nil {
			return err
		}
		if conflict || a.ownerID == actor.ActorID() {
			return errs.E(op, errs.Forbidden, ConflictDeclared, "you have a conflict of interest on this application and cannot vote on it")
		}
		if amount != nil && amount.Minor > a.RequestedAmount.Minor {
			return errs.FieldCode(op, "amount", "amount_max", a.RequestedAmount.String(), "must not exceed the requested amount")
		}
		v := Vote{MemberID: actor.ActorID(), Vote: in.Vote, Amount: amount, Comment: comment, CreatedAt: db.Time(tx.Now())}
		if err := upsertVote(tx.Context(), tx, a.ID, v); err != nil {
			return err
		}
		return audit.Add(tx, actor.ActorID(), "application.vote", "application", a.ID, map[string]any{"vote": in.Vote})
	})
}

// Decide takes the committee's decision. It needs the quorum (votes of
// members without a conflict), must follow the votes (approved only with
// more approve than reject votes, rejected otherwise), and an approval's
// amount (default: the requested amount) may not exceed the request. An
// approval posts expenses:grants / liabilities:grants-payable and is
// refused when available money would go below zero. The member deciding
// may not have declared a conflict.
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState,
// InsufficientFunds.
func (s *Service) Decide(ctx context.Context, actor fundus.Actor, id string, in DecisionInput) (commit.Outcome[*Application], error) {
	const op errs.Op = "grants.Decide"
	if err := fundus.Authorize(op, actor, fundus.ReviewApplications); err != nil {
		return applicationOutcome{}, err
	}
	var f check.Fields
	if in.Decision != string(Approved) && in.Decision != string(Rejected) {
		f.Add("decision", "oneof", "", "must be approved or rejected")
	}
	conditions := strings.TrimSpace(in.Conditions)
	f.Text("conditions", conditions, 5000, true)
	if err := f.Err(op); err != nil {
		return applicationOutcome{}, err
	}
	var amount int64
	if in.Amount.Set {
		var err error
		if amount, err = fundus.ParseAmount("amount", in.Amount, fundus.EUR, fundus.Positive, s.MaxAmount); err != nil {
			return applicationOutcome{}, err
		}
	}
	return s.transition(ctx, op, actor, id, fundus.ReviewApplications, false, func(tx *commit.Tx, a *Application) error {
		if a.Status != InReview {
			return errs.Errorf(op, errs.InvalidState, "a decision is taken on an application in review; this one is %s", a.Status)
		}
		conflict, err := hasConflict(tx.Context(), tx.Reader(), a.ID, actor.ActorID())
		if err != nil {
			return err
		}
		if conflict || a.ownerID == actor.ActorID() {
			return errs.E(op, errs.Forbidden, ConflictDeclared, "you have a conflict of interest on this application and cannot decide it")
		}
		t, err := tally(tx.Context(), tx.Reader(), a.ID)
		if err != nil {
			return err
		}
		if t.counted() < s.Quorum {
			return errs.E(op, errs.InvalidState, QuorumMissing, fmt.Sprintf("the quorum is %d votes of members without a conflict; there are %d", s.Quorum, t.counted()))
		}
		at := db.Time(tx.Now())
		a.DecidedAt, a.decidedBy, a.Conditions = &at, actor.ActorID(), conditions
		if in.Decision == string(Rejected) {
			if t.Approve > t.Reject {
				return errs.E(op, errs.InvalidState, VotesApprove, fmt.Sprintf("the votes approve (%d approve, %d reject)", t.Approve, t.Reject))
			}
			a.Status = Rejected
			return audit.Add(tx, actor.ActorID(), "application.reject", "application", a.ID, map[string]any{"from": InReview, "to": Rejected, "votes": t})
		}
		if t.Approve <= t.Reject {
			return errs.E(op, errs.InvalidState, VotesReject, fmt.Sprintf("an approval needs more approve than reject votes (%d approve, %d reject)", t.Approve, t.Reject))
		}
		if !in.Amount.Set {
			amount = a.RequestedAmount.Minor
		}
		if amount > a.RequestedAmount.Minor {
			return errs.FieldCode(op, "amount", "amount_max", a.RequestedAmount.String(), "must not exceed the requested amount "+a.RequestedAmount.String())
		}
		e, err := ledger.Post(tx, ledger.NewEntry{
			Kind: KindApproval, Memo: "Grant approved: " + clip(a.Title, 200), Actor: actor.ActorID(),
			Ref:      &ledger.Ref{Type: "application", ID: a.ID},
			Postings: []ledger.NewPosting{{Account: ledger.GrantsExpense, Amount: amount}, {Account: ledger.GrantsPayable, Amount: -amount}},
		})
		if err != nil {
			return err
		}
		approved := fundus.EURCents(amount)
		a.Status, a.ApprovedAmount, a.decisionEntryID = Approved, &approved, e.ID
		return audit.Add(tx, actor.ActorID(), "application.approve", "application", a.ID, map[string]any{
			"from": InReview, "to": Approved, "amount": approved, "votes": t, "ledger_entry_id": e.ID,
		})
	})
}

// The codes of the committee's refusals, so that pages can say why in the
// visitor's language.
const (
	ConflictDeclared errs.Code = "conflict_declared" // the member declared a conflict (or applied)
	QuorumMissing    errs.Code = "quorum_missing"    // too few votes of members without a conflict
	VotesApprove     errs.Code = "votes_approve"     // a rejection against a majority for approval
	VotesReject      errs.Code = "votes_reject"      // an approval without a majority for it
)

// votes is the count of the votes that count.
// Only members without a declared conflict count.
type votes struct {
	Approve int `json:"approve"`
	Reject  int `json:"reject"`
	Abstain int `json:"abstain"`
}

func (v votes) counted() int { return v.Approve + v.Reject + v.Abstain }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
