package grants_test

import (
	"context"
	"testing"

	"pgregory.net/rapid"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/grants"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// dump renders every row of the tables a grant operation may touch.
func dump(t interface{ Fatal(...any) }, d *db.DB) string {
	return dbtest.Dump(t, d, "applications", "reviews", "votes", "disbursements", "entries", "postings", "accounts", "ledger_head", "audit_log")
}

// TestGrantProperties runs random grant operations by random actors and
// checks after each: a refused operation changed nothing; available money
// is never below zero; no application has more paid than approved nor
// more planned in instalments than approved; the ledger verifies.
func TestGrantProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close()
			w := newWorld(t, d)
			defer w.g.Writer.Close()
			ctx := context.Background()
			w.fund(fundus.FormatMinor(rapid.Int64Range(1, 300000).Draw(rt, "fund"), fundus.EUR))
			actors := append([]*auth.User{w.group, w.other, w.admin, w.auditor}, append(w.members, w.kasse...)...)
			var apps []string
			var disbs []string
			steps := rapid.IntRange(5, 40).Draw(rt, "steps")
			// Mostly the role an operation is meant for, sometimes anyone.
			roleFor := [][]*auth.User{
				{w.group, w.other}, {w.group, w.other}, {w.group}, w.members, w.members, w.members,
				w.kasse, append([]*auth.User{w.admin}, w.kasse...), {w.group}, append(w.kasse, w.members[0]), {w.group},
			}
			for i := 0; i < steps; i++ {
				op := rapid.IntRange(0, 13).Draw(rt, "op")
				if op > 10 { // take an application a step further, as its people would
					if len(apps) > 0 {
						advance(rt, w, rapid.SampledFrom(apps).Draw(rt, "advance"), amount(rt))
						check(rt, w)
					}
					continue
				}
				actor := rapid.SampledFrom(roleFor[op]).Draw(rt, "actor")
				if rapid.IntRange(0, 4).Draw(rt, "anyone") == 0 {
					actor = rapid.SampledFrom(actors).Draw(rt, "actor")
				}
				pick := func(ids []string) string {
					if len(ids) == 0 {
						return "none"
					}
					return rapid.SampledFrom(ids).Draw(rt, "id")
				}
				amount := amount(rt)
				before := dump(rt, d)
				var err error
				switch op {
				case 0:
					var a *grants.Application
					in := input(amount.Text)
					if a, err = ledgertest.Value(w.g.Create(ctx, actor, in)); err == nil {
						apps = append(apps, a.ID)
					}
				case 1:
					_, err = w.g.Submit(ctx, actor, pick(apps))
				case 2:
					_, err = w.g.Withdraw(ctx, actor, pick(apps))
				case 3:
					_, err = w.g.AddReview(ctx, actor, pick(apps), grants.ReviewInput{Score: rapid.IntRange(0, 5).Draw(rt, "score"), ConflictOfInterest: rapid.IntRange(0, 5).Draw(rt, "coi") == 0})
				case 4:
					_, err = w.g.CastVote(ctx, actor, pick(apps), grants.VoteInput{Vote: rapid.SampledFrom([]string{"approve", "approve", "reject", "abstain", "maybe"}).Draw(rt, "vote")})
				case 5:
					in := grants.DecisionInput{Decision: rapid.SampledFrom([]string{"approved", "rejected"}).Draw(rt, "decision")}
					if rapid.Bool().Draw(rt, "amount?") {
						in.Amount = amount
					}
					_, err = w.g.Decide(ctx, actor, pick(apps), in)
				case 6:
					var dd *grants.Disbursement
					if dd, err = ledgertest.Value(w.g.CreateDisbursement(ctx, actor, pick(apps), grants.DisbursementInput{Amount: amount})); err == nil {
						disbs = append(disbs, dd.ID)
					}
				case 7:
					_, err = w.g.Release(ctx, actor, pick(disbs))
				case 8:
					_, err = w.g.Report(ctx, actor, pick(apps), grants.ReportInput{Spent: amount, Report: "done"})
				case 9:
					in := grants.CloseInput{}
					if rapid.Bool().Draw(rt, "returned?") {
						in.Returned = amount
					}
					_, err = w.g.Close(ctx, actor, pick(apps), in)
				case 10:
					_, err = w.g.Update(ctx, actor, pick(apps), func(in *grants.Input) error { in.Title = "changed"; return nil })
				}
				if err != nil {
					switch errs.KindOf(err) {
					case errs.Invalid, errs.Forbidden, errs.NotFound, errs.InvalidState, errs.InsufficientFunds, errs.Unauthenticated:
					default:
						rt.Fatalf("unexpected error: %v", err)
					}
					if dump(rt, d) != before {
						rt.Fatalf("a refused operation (%v) changed the database", err)
					}
				}
				check(rt, w)
			}
			reached(w)
		})
		t.Logf("states reached at the end of runs: %v", statesSeen)
	})
}

func check(rt *rapid.T, w *world) {
	ctx := context.Background()
	if avail := w.balance(ledger.Bank) + w.balance(ledger.Clearing) + w.balance(ledger.GrantsPayable); avail < 0 {
		rt.Fatalf("available money %d", avail)
	}
	as, _, err := w.g.List(ctx, w.auditor, grants.Filter{Limit: 500})
	if err != nil {
		rt.Fatal(err)
	}
	var owed int64
	for _, a := range as {
		full, err := w.g.Find(ctx, w.auditor, a.ID)
		if err != nil {
			rt.Fatal(err)
		}
		var planned int64
		for _, d := range full.Disbursements {
			planned += d.Amount.Minor
		}
		approved := int64(0)
		if a.ApprovedAmount != nil {
			approved = a.ApprovedAmount.Minor
		}
		if a.PaidAmount.Minor > approved || planned > approved {
			rt.Fatalf("%s: paid %d, planned %d, approved %d", a.ID, a.PaidAmount.Minor, planned, approved)
		}
		switch a.Status {
		case grants.Approved, grants.PartiallyPaid, grants.Paid, grants.Reported:
			owed += approved - a.PaidAmount.Minor
		}
	}
	if owed != -w.balance(ledger.GrantsPayable) {
		rt.Fatalf("owed on applications %d, liabilities:grants-payable %d", owed, -w.balance(ledger.GrantsPayable))
	}
	if r, err := ledger.VerifyDB(ctx, w.d); err != nil || !r.OK {
		rt.Fatalf("verify %+v %v", r, err)
	}
}

// statesSeen counts the states applications ended runs in, to show that
// the random operations reach the whole way (logged with -v).
var statesSeen = map[grants.Status]int{}

func reached(w *world) {
	as, _, _ := w.g.List(context.Background(), w.auditor, grants.Filter{Limit: 500})
	for _, a := range as {
		statesSeen[a.Status]++
	}
}

func amount(rt *rapid.T) fundus.AmountText {
	return fundus.Amount(fundus.FormatMinor(rapid.Int64Range(1, 100000).Draw(rt, "amount"), fundus.EUR))
}

// advance does the next step of an application with the people whose step
// it is; a refusal (not enough money, a conflict) is allowed but must
// change nothing, which check and the caller's invariants cover.
func advance(rt *rapid.T, w *world, id string, amount fundus.AmountText) {
	ctx := context.Background()
	a, err := w.g.Find(ctx, w.auditor, id)
	if err != nil {
		rt.Fatal(err)
	}
	ok := func(err error) {
		switch errs.KindOf(err) {
		case errs.Other, errs.Invalid, errs.InsufficientFunds, errs.InvalidState, errs.Forbidden:
			if err != nil && errs.KindOf(err) == errs.Other {
				rt.Fatalf("advance %s: %v", a.Status, err)
			}
		default:
			rt.Fatalf("advance %s: %v", a.Status, err)
		}
	}
	switch a.Status {
	case grants.Draft:
		if _, err = w.g.Submit(ctx, w.group, id); errs.Is(errs.NotFound, err) {
			_, err = w.g.Submit(ctx, w.other, id) // the other group's
		}
	case grants.Submitted:
		_, err = w.g.AddReview(ctx, w.members[3], id, grants.ReviewInput{Score: 3})
	case grants.InReview:
		for _, m := range w.members[:3] {
			w.g.CastVote(ctx, m, id, grants.VoteInput{Vote: "approve"})
		}
		_, err = w.g.Decide(ctx, w.members[0], id, grants.DecisionInput{Decision: "approved"})
	case grants.Approved, grants.PartiallyPaid:
		for _, d := range a.Disbursements {
			if d.Status == "pending" {
				_, err = w.g.Release(ctx, w.kasse[1], d.ID)
				ok(err)
				return
			}
		}
		_, err = w.g.CreateDisbursement(ctx, w.kasse[0], id, grants.DisbursementInput{Amount: amount})
		if errs.Is(errs.Invalid, err) { // more than is left: pay the rest
			left := a.ApprovedAmount.Minor - a.PaidAmount.Minor
			_, err = w.g.CreateDisbursement(ctx, w.kasse[0], id, grants.DisbursementInput{Amount: fundus.Amount(fundus.FormatMinor(left, fundus.EUR))})
		}
	case grants.Paid:
		if _, err = w.g.Report(ctx, w.group, id, grants.ReportInput{Spent: amount, Report: "done"}); errs.Is(errs.NotFound, err) {
			_, err = w.g.Report(ctx, w.other, id, grants.ReportInput{Spent: amount, Report: "done"})
		}
	case grants.Reported:
		_, err = w.g.Close(ctx, w.kasse[0], id, grants.CloseInput{})
	}
	ok(err)
}
