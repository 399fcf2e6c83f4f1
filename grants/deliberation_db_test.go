package grants_test

import (
	"context"
	"testing"

	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger/ledgertest"
)

// TestDeliberation: what a committee member sees is what Decide enforces.
// Four members, two of them with a conflict: the quorum of three cannot be
// reached and Decide refuses; once an admin adds a fifth member it can,
// and when that member has voted the decision goes through. Others'
// reviews show only after one's own, and never to a member with a
// conflict.
func TestDeliberation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.fund("1000.00")
		ctx := context.Background()
		a := w.inReview("500.00") // members[0] reviewed
		m := w.members
		for _, c := range m[2:] {
			if _, err := w.g.AddReview(ctx, c, a.ID, grants.ReviewInput{Score: 3, ConflictOfInterest: true}); err != nil {
				t.Fatal(err)
			}
		}
		w.votes(a.ID, "approve", "approve")
		see := func(u *auth.User) *grants.Deliberation {
			t.Helper()
			dl, err := w.g.Deliberation(ctx, u, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return dl
		}
		dl := see(m[0])
		if dl.State != grants.QuorumUnreachable || dl.Members != 4 || dl.Conflicted != 2 || dl.Eligible != 2 || dl.Counted != 2 || dl.Missing != 1 || dl.CanDecide {
			t.Fatalf("four members, two conflicts: %+v", dl)
		}
		if len(dl.Tally) != 2 || dl.Tally[0].Name == "" || !dl.ReviewsShown || len(dl.Reviews) != 2 {
			t.Fatalf("member 0 (reviewed): tally %+v, reviews %+v", dl.Tally, dl.Reviews)
		}
		if dl := see(m[1]); dl.ReviewsShown || len(dl.Reviews) != 0 || dl.ReviewsHidden != 3 || !dl.CanReview {
			t.Fatalf("member 1 (not reviewed) sees reviews: %+v", dl)
		}
		if dl := see(m[2]); !dl.Conflict || dl.CanReview || dl.CanVote || dl.CanDecide || len(dl.Reviews) != 0 {
			t.Fatalf("member 2 (conflict): %+v", dl)
		}
		if _, err := w.g.Decide(ctx, m[0], a.ID, grants.DecisionInput{Decision: "approved"}); errs.CodeOf(err) != grants.QuorumMissing {
			t.Fatalf("decided without a reachable quorum: %v", err)
		}
		if _, err := w.g.Deliberation(ctx, w.group, a.ID); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("the group reads the deliberation: %v", err)
		}

		// An admin adds a committee member: the quorum can be reached.
		fifth := &auth.User{ID: "user-fifth", Email: "fifth@example.org", Name: "Fünfte", Roles: []auth.Role{auth.Committee}}
		ledgertest.Exec(t, w.g.Writer, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'none', $4)`, fifth.ID, fifth.Email, fifth.Name, db.Now())
		ledgertest.Exec(t, w.g.Writer, `INSERT INTO user_roles (user_id, role) VALUES ($1, 'committee')`, fifth.ID)
		if dl := see(m[0]); dl.State != grants.QuorumReachable || dl.Missing != 1 || dl.Outstanding != 1 || len(dl.NotVoted) != 1 || dl.NotVoted[0] != "Fünfte" {
			t.Fatalf("with a fifth member: %+v", dl)
		}
		q, err := w.g.Queue(ctx, fifth)
		if err != nil || len(q.Review) != 1 || q.Review[0].ID != a.ID {
			t.Fatalf("the fifth member's queue: %+v, %v", q, err)
		}
		if _, err := w.g.CastVote(ctx, fifth, a.ID, grants.VoteInput{Vote: "reject"}); err != nil {
			t.Fatal(err)
		}
		if dl := see(m[0]); dl.State != grants.QuorumReached || !dl.CanDecide || dl.Allows != grants.Approved {
			t.Fatalf("after the fifth vote: %+v", dl)
		}
		if q, err := w.g.Queue(ctx, m[1]); err != nil || len(q.Decide) != 1 {
			t.Fatalf("member 1's queue: %+v, %v", q, err)
		}
		if _, err := w.g.Decide(ctx, m[0], a.ID, grants.DecisionInput{Decision: "approved"}); err != nil {
			t.Fatal(err)
		}
		if q, err := w.g.Queue(ctx, m[1]); err != nil || len(q.Decided) != 1 || len(q.Decide)+len(q.Review)+len(q.Vote)+len(q.Waiting) != 0 {
			t.Fatalf("after the decision: %+v, %v", q, err)
		}
	})
}
