package grants_test

import (
	"context"
	"testing"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger/ledgertest"
)

// people makes accounts the way admins do: the first from the command
// line, the others over the API with a second admin's confirmation.
type people struct {
	t testing.TB
	w *world
}

// cli creates a user from the command line (nobody's line).
func (p people) cli(email string, roles ...auth.Role) *auth.User {
	p.t.Helper()
	u, err := p.w.a.CreateUserFromCommandLine(context.Background(), auth.NewUser{Email: email, Name: "N", Password: "a long enough password", Roles: roles})
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// asked creates a user as asker, with its roles confirmed by confirmer.
func (p people) asked(asker, confirmer *auth.User, email string, role auth.Role) *auth.User {
	p.t.Helper()
	ctx := context.Background()
	a, err := p.w.a.CreateUser(ctx, asker, auth.NewUser{Email: email, Name: "N", Password: "a long enough password", Roles: []auth.Role{role}})
	if err != nil {
		p.t.Fatal(err)
	}
	if a.RoleGrantID != "" {
		if _, err := p.w.a.ConfirmRoleGrant(ctx, confirmer, a.RoleGrantID); err != nil {
			p.t.Fatal(err)
		}
	}
	u, err := p.w.a.FindUserByID(ctx, a.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// instalment approves an application of owner (decided by an account of no
// one's line) and has maker prepare an instalment of it.
func (w *world) instalment(owner, maker *auth.User) *grants.Disbursement {
	w.t.Helper()
	ctx := context.Background()
	a, err := ledgertest.Value(w.g.Create(ctx, owner, input("100.00")))
	if err != nil {
		w.t.Fatal(err)
	}
	w.g.Submit(ctx, owner, a.ID)
	if _, err := w.g.AddReview(ctx, w.members[0], a.ID, grants.ReviewInput{Score: 4}); err != nil {
		w.t.Fatal(err)
	}
	w.votes(a.ID, "approve", "approve", "approve")
	if _, err := w.g.Decide(ctx, w.members[0], a.ID, grants.DecisionInput{Decision: "approved"}); err != nil {
		w.t.Fatal(err)
	}
	d, err := ledgertest.Value(w.g.CreateDisbursement(ctx, maker, a.ID, grants.DisbursementInput{Amount: fundus.Amount("100.00")}))
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

// TestReleaseNeedsTwoLines checks each clause of the release rule
// (README, "No one pays alone"), and that two treasurers asked for by
// different admins pay.
func TestReleaseNeedsTwoLines(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.fund("1000.00")
		p := people{t, w}
		ada, bob := p.cli("ada@example.org", auth.Admin), p.cli("bob@example.org", auth.Admin)

		adasKasse := p.asked(ada, bob, "k1@example.org", auth.Treasurer)
		adasOtherKasse := p.asked(ada, bob, "k2@example.org", auth.Treasurer)
		bobsKasse := p.asked(bob, ada, "k3@example.org", auth.Treasurer)
		adasAdmin := p.asked(ada, bob, "a2@example.org", auth.Admin)
		adas2ndLineKasse := p.asked(adasAdmin, bob, "k4@example.org", auth.Treasurer)
		adasGroup := p.asked(ada, bob, "neu@example.org", auth.Applicant)

		for _, c := range []struct {
			name            string
			owner, maker, r *auth.User
		}{
			{"the releaser asked for the maker's account", w.group, adasKasse, ada},
			{"the releaser confirmed the maker's roles", w.group, adasKasse, bob},
			{"one admin asked for both", w.group, adasKasse, adasOtherKasse},
			{"one admin asked for both, one through an admin she asked for", w.group, adasKasse, adas2ndLineKasse},
			{"the releaser created the group's account", adasGroup, w.kasse[0], ada},
			{"one admin asked for the group's account and the releaser's", adasGroup, w.kasse[0], adasKasse},
		} {
			t.Run(c.name, func(t *testing.T) {
				dis := w.instalment(c.owner, c.maker)
				if _, err := w.g.Release(ctx, c.r, dis.ID); !errs.Match(errs.E(errs.Forbidden, grants.FourEyesLine), err) {
					t.Fatalf("release: %v (%s), want Forbidden, %s", err, errs.CodeOf(err), grants.FourEyesLine)
				}
			})
		}
		t.Run("the maker once asked for the releaser's account", func(t *testing.T) {
			// ada asked for k5, then stopped being an admin and became a
			// treasurer herself.
			k5 := p.asked(ada, bob, "k5@example.org", auth.Treasurer)
			g, err := w.a.UpdateUser(ctx, bob, ada.ID, auth.UserUpdate{Roles: []auth.Role{auth.Treasurer}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.a.ConfirmRoleGrant(ctx, adasAdmin, g.RoleGrantID); err != nil {
				t.Fatal(err)
			}
			adaNow, _ := w.a.FindUserByID(ctx, ada.ID)
			dis := w.instalment(w.group, adaNow)
			if _, err := w.g.Release(ctx, k5, dis.ID); !errs.Match(errs.E(errs.Forbidden, grants.FourEyesLine), err) {
				t.Fatalf("release: %v (%s), want Forbidden, %s", err, errs.CodeOf(err), grants.FourEyesLine)
			}
		})
		t.Run("two lines pay", func(t *testing.T) {
			dis := w.instalment(w.group, adasKasse)
			if r, err := ledgertest.Value(w.g.Release(ctx, bobsKasse, dis.ID)); err != nil || r.Status != grants.DisbursementReleased {
				t.Fatalf("release by a treasurer bob asked for: %+v, %v", r, err)
			}
			dis = w.instalment(adasGroup, w.kasse[0])
			if r, err := ledgertest.Value(w.g.Release(ctx, bobsKasse, dis.ID)); err != nil || r.Status != grants.DisbursementReleased {
				t.Fatalf("release for a group ada made, by a treasurer bob asked for: %+v, %v", r, err)
			}
		})
	})
}
