package figures_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"fundus"
	"fundus/auth"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/donations"
	"fundus/figures"
	"fundus/grants"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

const maxAmount = 100000000

// world is a fund whose writer's clock the test sets, with its people.
type world struct {
	d    *db.DB
	l    *ledger.Service
	dons *donations.Service
	g    *grants.Service

	mu  sync.Mutex
	now time.Time

	group, k1, k2, auditor *auth.User
	members                []*auth.User

	// What the test expects of the donations: the day each confirm and
	// refund is dated, computed here from received_at and the clock.
	received map[string]bool   // donation id -> received and not refunded
	dated    map[string]string // donation id -> the day its confirm is dated
	counts   map[string]int64  // year -> confirms less refunds dated in it
	apps     []string
	titles   int
}

func newWorld(t testing.TB, d *db.DB) *world {
	w := &world{d: d, now: time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC),
		received: map[string]bool{}, dated: map[string]string{}, counts: map[string]int64{}}
	wr := ledgertest.Writer(t, d, func() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.now })
	w.l = &ledger.Service{DB: d, Writer: wr, MaxAmount: maxAmount}
	w.dons = &donations.Service{DB: d, Writer: wr, MaxAmount: maxAmount,
		Bank: donations.BankAccount{IBAN: "DE89370400440532013000", BIC: "COBADEFFXXX", Holder: "Fonds"}}
	w.g = &grants.Service{DB: d, Writer: wr, MaxAmount: maxAmount, Quorum: 3}
	// Users are inserted directly: no one signs in here.
	user := func(name string, role auth.Role) *auth.User {
		u := &auth.User{ID: "user-" + name, Email: name + "@example.org", Name: name, Roles: []auth.Role{role}}
		ledgertest.Exec(t, wr, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'none', $4)`, u.ID, u.Email, u.Name, db.Now())
		ledgertest.Exec(t, wr, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, role)
		return u
	}
	w.group, w.k1, w.k2, w.auditor = user("verein", auth.Applicant), user("kasse1", auth.Treasurer), user("kasse2", auth.Treasurer), user("pruefer", auth.Auditor)
	for i := 0; i < 3; i++ {
		w.members = append(w.members, user(fmt.Sprint("member", i), auth.Committee))
	}
	return w
}

var berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

func berlinDay(t time.Time) string { return t.In(berlin).Format(time.DateOnly) }

func amount(rt *rapid.T, max int64) fundus.AmountText {
	return fundus.Amount(fundus.FormatMinor(rapid.Int64Range(1, max).Draw(rt, "amount"), fundus.EUR))
}

// TestPublishedFiguresFollowThePostings runs random operations around the
// turn of a year (donations confirmed with random times of receipt,
// refunds, grants approved, paid, closed with money returned, manual
// entries) and then checks every published figure against sums the test
// makes itself from the raw postings and from what it did.
func TestPublishedFiguresFollowThePostings(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close()
			w := newWorld(t, d)
			ctx := context.Background()
			for range rapid.IntRange(1, 25).Draw(rt, "steps") {
				w.mu.Lock()
				w.now = w.now.Add(time.Duration(rapid.IntRange(0, 180).Draw(rt, "minutes")) * time.Minute)
				now := w.now
				w.mu.Unlock()
				switch rapid.IntRange(0, 5).Draw(rt, "op") {
				case 0: // a donation, confirmed with a time of receipt or none
					p, err := ledgertest.Value(w.dons.Pledge(ctx, donations.Pledge{Amount: amount(rt, 50000), Anonymous: true}))
					if err != nil {
						rt.Fatal(err)
					}
					at := now.Add(-time.Duration(rapid.IntRange(0, 48*60).Draw(rt, "received_minutes_ago")) * time.Minute)
					var in donations.Confirmation
					day := berlinDay(now)
					switch rapid.IntRange(0, 2).Draw(rt, "received_at") {
					case 1:
						in.ReceivedAt, day = at.UTC().Format(time.DateOnly), at.UTC().Format(time.DateOnly)
					case 2:
						in.ReceivedAt, day = at.In(time.FixedZone("", 3600*rapid.IntRange(-5, 5).Draw(rt, "zone"))).Format(time.RFC3339), berlinDay(at)
					}
					if _, err := w.dons.Confirm(ctx, w.k1, p.ID, in); err != nil {
						rt.Fatalf("confirm %+v: %v", in, err)
					}
					w.received[p.ID], w.dated[p.ID] = true, day
					w.counts[day[:4]]++
				case 1: // a refund
					var ids []string
					for id, ok := range w.received {
						if ok {
							ids = append(ids, id)
						}
					}
					if len(ids) == 0 {
						continue
					}
					slices.Sort(ids) // map order is random; the draw must not be
					id := rapid.SampledFrom(ids).Draw(rt, "refund")
					if _, err := w.dons.Refund(ctx, w.k1, id, donations.Refund{Reason: "asked"}); err == nil {
						w.received[id] = false
						w.counts[berlinDay(now)[:4]]--
					}
				case 2: // a grant approved
					w.approve(rt, amount(rt, 40000))
				case 3: // an instalment paid
					if a := w.pick(rt, grants.Approved, grants.PartiallyPaid); a != nil {
						left := a.ApprovedAmount.Minor - a.PaidAmount.Minor
						if ds, err := ledgertest.Value(w.g.CreateDisbursement(ctx, w.k1, a.ID, grants.DisbursementInput{Amount: amount(rt, left)})); err == nil {
							w.g.Release(ctx, w.k2, ds.ID) // refused when the money is in clearing, not yet in the bank
						}
					}
				case 4: // a report and the closing, with money returned
					if a := w.pick(rt, grants.PartiallyPaid, grants.Paid); a != nil {
						if _, err := w.g.Report(ctx, w.group, a.ID, grants.ReportInput{Spent: fundus.Amount("1.00"), Report: "done"}); err != nil {
							continue // an instalment is still waiting (its release was refused)
						}
						returned := fundus.Amount(fundus.FormatMinor(rapid.Int64Range(0, a.PaidAmount.Minor).Draw(rt, "returned"), fundus.EUR))
						if _, err := w.g.Close(ctx, w.k1, a.ID, grants.CloseInput{Returned: returned}); err != nil {
							rt.Fatalf("close: %v", err)
						}
					}
				case 5: // a manual entry (one to the bank or to income:donations is refused: tried anyway)
					pair := rapid.SampledFrom([][2]string{{ledger.Bank, ledger.OpeningBalance}, {ledger.Bank, ledger.Donations},
						{ledger.BankFees, ledger.Bank}, {ledger.GrantsExpense, ledger.Bank}, {ledger.Clearing, ledger.Interest}, {ledger.Clearing, ledger.Donations}}).Draw(rt, "pair")
					a := amount(rt, 30000)
					w.l.PostManual(ctx, w.k1, ledger.ManualEntry{Memo: "by hand", Postings: []ledger.ManualPosting{
						{Account: pair[0], Amount: a}, {Account: pair[1], Amount: fundus.Amount("-" + a.Text)}}})
				}
			}
			w.check(rt)
		})
	})
}

// approve takes a new application through review and votes to approval;
// the decision may be refused for want of money.
func (w *world) approve(rt *rapid.T, amount fundus.AmountText) {
	ctx := context.Background()
	w.titles++
	a, err := ledgertest.Value(w.g.Create(ctx, w.group, grants.Input{Title: fmt.Sprint("Projekt ", w.titles), Organisation: "Verein", Summary: "s",
		Description: "d", RequestedAmount: amount, Budget: []grants.BudgetInput{{Item: "Miete", Amount: amount}},
		StartsOn: "2026-01-01", EndsOn: "2026-06-30", Payee: grants.Payee{Holder: "Verein", IBAN: "DE89370400440532013000"},
		Recognition: &grants.Recognition{Kind: grants.PublicBody, Authority: "Schulträger: Stadt"}}))
	if err != nil {
		rt.Fatal(err)
	}
	if _, err := w.g.Submit(ctx, w.group, a.ID); err != nil {
		rt.Fatal(err)
	}
	if _, err := w.g.AddReview(ctx, w.members[0], a.ID, grants.ReviewInput{Score: 4}); err != nil {
		rt.Fatal(err)
	}
	for _, m := range w.members {
		if _, err := w.g.CastVote(ctx, m, a.ID, grants.VoteInput{Vote: "approve"}); err != nil {
			rt.Fatal(err)
		}
	}
	if _, err := w.g.Decide(ctx, w.members[0], a.ID, grants.DecisionInput{Decision: "approved"}); err == nil {
		w.apps = append(w.apps, a.ID)
	}
}

// pick returns an application in one of states, or nil.
func (w *world) pick(rt *rapid.T, states ...grants.Status) *grants.Application {
	var in []*grants.Application
	for _, id := range w.apps {
		a, err := w.g.Find(context.Background(), w.auditor, id)
		if err != nil {
			rt.Fatal(err)
		}
		for _, s := range states {
			if a.Status == s {
				in = append(in, a)
			}
		}
	}
	if len(in) == 0 {
		return nil
	}
	return rapid.SampledFrom(in).Draw(rt, "application")
}

// raw is the ledger as plain SQL reads it: every posting with its entry's
// date and the application it belongs to (through the entry's reference
// to the application or to one of its instalments).
type rawPosting struct {
	date, kind, refType, refID, project, account string
	amount                                       int64
}

func (w *world) raw(rt *rapid.T) []rawPosting {
	rows, err := w.d.Query(`SELECT e.date, e.kind, e.ref_type, e.ref_id, p.account, p.amount FROM entries e JOIN postings p ON p.seq = e.seq ORDER BY e.seq, p.line`)
	if err != nil {
		rt.Fatal(err)
	}
	defer rows.Close()
	var out []rawPosting
	for rows.Next() {
		var p rawPosting
		if err := rows.Scan(&p.date, &p.kind, &p.refType, &p.refID, &p.account, &p.amount); err != nil {
			rt.Fatal(err)
		}
		out = append(out, p)
	}
	titles := map[string]string{}
	for _, q := range []string{`SELECT id, title FROM applications`, `SELECT d.id, a.title FROM disbursements d JOIN applications a ON a.id = d.application_id`} {
		rs, err := w.d.Query(q)
		if err != nil {
			rt.Fatal(err)
		}
		for rs.Next() {
			var id, title string
			rs.Scan(&id, &title)
			titles[id] = title
		}
		rs.Close()
	}
	for i, p := range out {
		if p.refType == "application" || p.refType == "disbursement" {
			out[i].project = titles[p.refID]
		}
	}
	return out
}

// sums adds the postings that keep says to keep, per account, and per
// project and account.
func sums(ps []rawPosting, keep func(rawPosting) bool) (map[string]int64, map[string]map[string]int64) {
	acc, proj := map[string]int64{}, map[string]map[string]int64{}
	for _, p := range ps {
		if !keep(p) {
			continue
		}
		acc[p.account] += p.amount
		if p.project != "" {
			if proj[p.project] == nil {
				proj[p.project] = map[string]int64{}
			}
			proj[p.project][p.account] += p.amount
		}
	}
	return acc, proj
}

func (w *world) check(rt *rapid.T) {
	ctx := context.Background()
	ps := w.raw(rt)
	for id, day := range w.dated {
		var got string
		if err := w.d.Get(&got, `SELECT date FROM entries WHERE ref_type = 'donation' AND ref_id = $1 AND kind = $2`, id, donations.KindDonation); err != nil || got != day {
			rt.Fatalf("donation %s dated %q (%v), received on %s", id, got, err, day)
		}
	}
	var count int64
	for _, ok := range w.received {
		if ok {
			count++
		}
	}

	eq := func(what string, got fundus.Money, want int64) {
		if got.Minor != want {
			rt.Fatalf("%s: published %s, the postings say %s", what, got, fundus.FormatMinor(want, fundus.EUR))
		}
	}
	all := func(rawPosting) bool { return true }
	tot, proj := sums(ps, all)
	f, err := figures.OfFund(ctx, w.d)
	if err != nil {
		rt.Fatal(err)
	}
	eq("received", f.Received, -tot[ledger.Donations])
	eq("granted", f.Granted, tot[ledger.GrantsExpense])
	eq("paid", f.Paid, tot[ledger.GrantsExpense]+tot[ledger.GrantsPayable])
	eq("available", f.Available, tot[ledger.Bank]+tot[ledger.Clearing]+tot[ledger.GrantsPayable]+tot[ledger.RefundsPayable])
	if f.DonationsCount != count {
		rt.Fatalf("donations: published %d, received and not refunded %d", f.DonationsCount, count)
	}
	if len(f.Projects) != len(proj) {
		rt.Fatalf("%d projects published, %d with entries", len(f.Projects), len(proj))
	}
	for _, p := range f.Projects {
		eq("approved_amount of "+p.Title, p.ApprovedAmount, proj[p.Title][ledger.GrantsExpense])
	}

	for _, year := range []int{2025, 2026} {
		y := fmt.Sprint(year)
		in, projIn := sums(ps, func(p rawPosting) bool { return strings.HasPrefix(p.date, y+"-") })
		until, _ := sums(ps, func(p rawPosting) bool { return p.date <= y+"-12-31" })
		r, err := figures.OfYear(ctx, w.d, year)
		if err != nil {
			rt.Fatal(err)
		}
		eq(y+" donations", r.DonationsSum, -in[ledger.Donations])
		if r.DonationsCount != w.counts[y] {
			rt.Fatalf("%s: %d donations published, %d dated in it", y, r.DonationsCount, w.counts[y])
		}
		eq(y+" approved", r.GrantsApproved, in[ledger.GrantsExpense])
		eq(y+" paid", r.GrantsPaid, in[ledger.GrantsExpense]+in[ledger.GrantsPayable])
		eq(y+" available at year end", r.AvailableAtYearEnd, until[ledger.Bank]+until[ledger.Clearing]+until[ledger.GrantsPayable]+until[ledger.RefundsPayable])
		if len(r.Projects) != len(projIn) {
			rt.Fatalf("%s: %d projects published, %d with entries", y, len(r.Projects), len(projIn))
		}
		for _, p := range r.Projects {
			eq(y+" approved of "+p.Title, p.Approved, projIn[p.Title][ledger.GrantsExpense])
			eq(y+" paid of "+p.Title, p.Paid, projIn[p.Title][ledger.GrantsExpense]+projIn[p.Title][ledger.GrantsPayable])
		}
	}

	for _, day := range []string{"2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"} {
		want, _ := sums(ps, func(p rawPosting) bool { return p.date <= day })
		tb, err := w.l.TrialBalance(ctx, w.auditor, day)
		if err != nil {
			rt.Fatal(err)
		}
		for _, l := range tb.Items {
			eq("trial balance at "+day+" of "+l.Code, l.Balance, want[l.Code])
		}
	}
}
