package grants

import (
	"context"
	"slices"
	"time"

	"fundus"
	"fundus/errs"
)

// This file is the committee's view of its own work: who reviewed and
// voted, whether the quorum is reached or can still be reached, what waits
// for whom. The pages show it; the rules it reports are those Decide and
// CastVote enforce.

// Member is a committee member as people name them.
type Member struct {
	ID   string `db:"id" json:"id"`
	Name string `db:"name" json:"name"`
}

// QuorumState says whether the committee can decide an application.
type QuorumState string

// The quorum states.
const (
	// QuorumReached: enough votes of members without a conflict; a
	// member without a conflict may decide.
	QuorumReached QuorumState = "reached"
	// QuorumReachable: not yet, but members without a conflict who have
	// not voted can still bring it.
	QuorumReachable QuorumState = "reachable"
	// QuorumUnreachable: even if every member without a conflict voted,
	// the quorum would not be reached. Only another committee member (an
	// admin adds one) or a change of the rules of procedure
	// (FUNDUS_QUORUM) helps.
	QuorumUnreachable QuorumState = "unreachable"
)

// quorum says where counted votes stand against the quorum when
// outstanding members may still vote, and how many votes are missing.
func quorum(need, counted, outstanding int) (QuorumState, int) {
	missing := max(need-counted, 0)
	switch {
	case missing == 0:
		return QuorumReached, 0
	case outstanding >= missing:
		return QuorumReachable, missing
	default:
		return QuorumUnreachable, missing
	}
}

// NamedReview is a review with its member's name.
type NamedReview struct {
	Review
	Name string
}

// NamedVote is a vote with its member's name. Counts is false for the vote
// of a member who declared a conflict after voting: it is shown but not
// counted.
type NamedVote struct {
	Vote
	Name   string
	Counts bool
}

// Deliberation is what one committee member sees of the committee's work
// on an application.
type Deliberation struct {
	Quorum     int // votes needed (FUNDUS_QUORUM)
	Members    int // active committee members
	Conflicted int // of them, those who declared a conflict or applied themselves
	Eligible   int // Members - Conflicted: who may vote

	Approve, Reject, Abstain int // the votes that count
	Counted                  int // their sum
	Outstanding              int // members who may vote and have not
	Missing                  int // votes still missing to the quorum
	State                    QuorumState
	// Allows is, with the quorum reached, the one decision the votes
	// allow: approved with more approve than reject votes, else rejected.
	Allows Status

	Tally     []NamedVote // every vote, by name
	NotVoted  []string    // names of members who may vote and have not
	Conflicts []string    // names of members who declared a conflict

	Own      *Review // the viewer's review, if any
	OwnVote  *Vote   // the viewer's vote, if any
	Conflict bool    // the viewer declared a conflict (or applied)

	// ReviewsShown: the viewer has written a review without a conflict and
	// so sees the others'. Before that (and after declaring a conflict)
	// Reviews is empty and ReviewsHidden says how many there are.
	ReviewsShown  bool
	Reviews       []NamedReview // the other members' reviews
	ReviewsHidden int

	CanReview, CanVote, CanDecide bool
	Open                          bool // submitted or in review
}

// Deliberation returns the committee's work on application id as the
// committee member actor sees it. Returns Unauthenticated, Forbidden,
// NotFound.
func (s *Service) Deliberation(ctx context.Context, actor fundus.Actor, id string) (*Deliberation, error) {
	const op errs.Op = "grants.Deliberation"
	if err := fundus.Authorize(op, actor, fundus.ReviewApplications); err != nil {
		return nil, err
	}
	a, err := findApplication(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	members, err := committeeMembers(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	d, err := s.deliberate(ctx, a, members, actor.ActorID())
	if err != nil {
		return nil, errs.E(op, err)
	}
	return d, nil
}

// deliberate works out viewer's Deliberation on a.
func (s *Service) deliberate(ctx context.Context, a *Application, members []Member, viewer string) (*Deliberation, error) {
	reviews, err := findReviews(ctx, s.DB, a.ID)
	if err != nil {
		return nil, err
	}
	votes, err := findVotes(ctx, s.DB, a.ID)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, r := range reviews {
		ids = append(ids, r.MemberID)
	}
	for _, v := range votes {
		ids = append(ids, v.MemberID)
	}
	names, err := userNames(ctx, s.DB, ids)
	if err != nil {
		return nil, err
	}
	conflicted := map[string]bool{a.ownerID: true}
	for _, r := range reviews {
		if r.ConflictOfInterest {
			conflicted[r.MemberID] = true
		}
	}
	voted := map[string]bool{}
	d := &Deliberation{Quorum: s.Quorum, Members: len(members), Open: a.Status == Submitted || a.Status == InReview}
	for _, v := range votes {
		voted[v.MemberID] = true
		counts := !conflicted[v.MemberID]
		d.Tally = append(d.Tally, NamedVote{Vote: v, Name: names[v.MemberID], Counts: counts})
		if v.MemberID == viewer {
			own := v
			d.OwnVote = &own
		}
		if !counts {
			continue
		}
		switch v.Vote {
		case "approve":
			d.Approve++
		case "reject":
			d.Reject++
		case "abstain":
			d.Abstain++
		}
	}
	d.Counted = d.Approve + d.Reject + d.Abstain
	for _, m := range members {
		switch {
		case conflicted[m.ID]:
			d.Conflicted++
		case !voted[m.ID]:
			d.Outstanding++
			d.NotVoted = append(d.NotVoted, m.Name)
		}
	}
	d.Eligible = d.Members - d.Conflicted
	d.State, d.Missing = quorum(s.Quorum, d.Counted, d.Outstanding)
	if d.State == QuorumReached {
		d.Allows = Rejected
		if d.Approve > d.Reject {
			d.Allows = Approved
		}
	}
	d.Conflict = conflicted[viewer]
	for _, r := range reviews {
		if r.ConflictOfInterest {
			d.Conflicts = append(d.Conflicts, names[r.MemberID])
		}
		if r.MemberID == viewer {
			own := r
			d.Own = &own
		}
	}
	d.ReviewsShown = d.Own != nil && !d.Conflict
	for _, r := range reviews {
		if r.MemberID == viewer {
			continue
		}
		if d.ReviewsShown {
			d.Reviews = append(d.Reviews, NamedReview{Review: r, Name: names[r.MemberID]})
		} else {
			d.ReviewsHidden++
		}
	}
	d.CanReview = d.Open && !d.Conflict
	d.CanVote = a.Status == InReview && !d.Conflict
	d.CanDecide = a.Status == InReview && !d.Conflict && d.State == QuorumReached
	return d, nil
}

// QueueItem is an application in a committee member's queue.
type QueueItem struct {
	*Application
	D *Deliberation
}

// Queue is what waits for one committee member.
type Queue struct {
	Review  []QueueItem    // open, without the member's review
	Vote    []QueueItem    // in review, reviewed, without the member's vote
	Decide  []QueueItem    // the quorum is reached: waiting for a decision
	Waiting []QueueItem    // open, nothing for the member to do now (voted, or a conflict)
	Close   []*Application // reported: waiting to be closed
	Decided []*Application // decided, newest decision first (at most 50)
}

// Queue returns what waits for the committee member actor. Returns
// Unauthenticated, Forbidden.
func (s *Service) Queue(ctx context.Context, actor fundus.Actor) (*Queue, error) {
	const op errs.Op = "grants.Queue"
	if err := fundus.Authorize(op, actor, fundus.ReviewApplications); err != nil {
		return nil, err
	}
	list := func(states ...Status) ([]*Application, error) {
		var out []*Application
		for _, st := range states {
			as, err := findApplications(ctx, s.DB, Filter{Status: st, Limit: 500}, "")
			if err != nil {
				return nil, err
			}
			out = append(out, as...)
		}
		return out, nil
	}
	members, err := committeeMembers(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	open, err := list(Submitted, InReview)
	if err != nil {
		return nil, errs.E(op, err)
	}
	slices.SortFunc(open, func(x, y *Application) int { return int(x.seq - y.seq) })
	q := &Queue{}
	for _, a := range open {
		d, err := s.deliberate(ctx, a, members, actor.ActorID())
		if err != nil {
			return nil, errs.E(op, err)
		}
		it := QueueItem{a, d}
		switch {
		case d.Conflict:
			q.Waiting = append(q.Waiting, it)
		case d.CanDecide:
			q.Decide = append(q.Decide, it)
		case d.Own == nil:
			q.Review = append(q.Review, it)
		case d.CanVote && d.OwnVote == nil:
			q.Vote = append(q.Vote, it)
		default:
			q.Waiting = append(q.Waiting, it)
		}
	}
	if q.Close, err = list(Reported); err != nil {
		return nil, errs.E(op, err)
	}
	decided, err := list(Approved, PartiallyPaid, Paid, Closed, Rejected)
	if err != nil {
		return nil, errs.E(op, err)
	}
	at := func(a *Application) time.Time {
		if a.DecidedAt == nil {
			return time.Time{}
		}
		return *a.DecidedAt
	}
	slices.SortStableFunc(decided, func(x, y *Application) int { return at(y).Compare(at(x)) })
	q.Decided = decided[:min(len(decided), 50)]
	return q, nil
}

// Earlier returns the group's other applications that left the draft
// stage, newest first: with their outcome, report, spent and returned
// amounts, for the committee to weigh a new one. Returns Unauthenticated,
// Forbidden, NotFound.
func (s *Service) Earlier(ctx context.Context, actor fundus.Actor, id string) ([]*Application, error) {
	const op errs.Op = "grants.Earlier"
	if err := fundus.Authorize(op, actor, fundus.ReadAllApplications); err != nil {
		return nil, err
	}
	a, err := findApplication(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out, err := findEarlier(ctx, s.DB, a.ownerID, a.ID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return out, nil
}

// BudgetTotal is the sum of the budget's items.
func (a *Application) BudgetTotal() fundus.Money {
	var sum int64
	for _, b := range a.Budget {
		sum += b.Amount.Minor
	}
	return fundus.EURCents(sum)
}
