package grants_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"fundus"
	"fundus/auth"
	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/figures"
	"fundus/grants"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

const maxAmount = 100000000

type world struct {
	t       testing.TB
	d       *db.DB
	g       *grants.Service
	l       *ledger.Service
	a       *auth.Service
	group   *auth.User   // an applicant
	other   *auth.User   // another group
	members []*auth.User // committee
	kasse   []*auth.User // treasurers
	admin   *auth.User
	auditor *auth.User
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	w := ledgertest.Writer(t, d, nil)
	wd := &world{t: t, d: d, g: &grants.Service{DB: d, Writer: w, MaxAmount: maxAmount, Quorum: 3},
		l: &ledger.Service{DB: d, Writer: w, MaxAmount: maxAmount}, a: auth.NewService(d, w, time.Hour)}
	// Users are inserted directly: these tests never sign in, and hashing
	// ten passwords per property run would dominate its time.
	user := func(name string, roles ...auth.Role) *auth.User {
		u := &auth.User{ID: "user-" + name, Email: name + "@example.org", Name: name, Roles: roles}
		ledgertest.Exec(t, w, `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, 'none', $4)`, u.ID, u.Email, u.Name, db.Now())
		for _, r := range roles {
			ledgertest.Exec(t, w, `INSERT INTO user_roles (user_id, role) VALUES ($1, $2)`, u.ID, r)
		}
		return u
	}
	wd.group, wd.other = user("verein", auth.Applicant), user("andere", auth.Applicant)
	for i := 0; i < 4; i++ {
		wd.members = append(wd.members, user(fmt.Sprint("member", i), auth.Committee))
	}
	wd.kasse = []*auth.User{user("kasse1", auth.Treasurer), user("kasse2", auth.Treasurer)}
	wd.admin, wd.auditor = user("admin", auth.Admin), user("pruefer", auth.Auditor)
	return wd
}

// fund puts money into the fund as the bank's lines do (money enters
// assets:bank only with a bank line; package bank books real ones).
func (w *world) fund(amount string) {
	w.t.Helper()
	ledgertest.PostBank(w.t, w.g.Writer, "", "donations (bank line)", ledger.Bank, amount, ledger.Donations, "-"+amount)
}

// bankPays settles a released instalment as the bank's debit line does
// (package bank matches it by its end-to-end id).
func (w *world) bankPays(id string) *grants.Disbursement {
	w.t.Helper()
	ctx := context.Background()
	d, err := ledgertest.Value(commit.Do(ctx, w.g.Writer, func(tx *commit.Tx) (*grants.Disbursement, error) {
		d, err := grants.FindDisbursement(tx.Context(), tx.Reader(), id)
		if err != nil {
			return nil, err
		}
		_, err = grants.Settle(tx, d, grants.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: d.Amount.Minor, Actor: "bank"})
		return d, err
	}))
	if err != nil {
		w.t.Fatalf("the bank pays %s: %v", id, err)
	}
	return d
}

func input(amount string) grants.Input {
	return grants.Input{Title: "Sprachcafé Schinkel", Organisation: "Café Lingua e.V.", Summary: "Wöchentliches Sprachcafé",
		Description: "Ehrenamtliche treffen Neuankömmlinge.", RequestedAmount: fundus.Amount(amount),
		Budget:   []grants.BudgetInput{{Item: "Miete", Amount: fundus.Amount(amount)}},
		StartsOn: "2027-01-01", EndsOn: "2027-06-30", Payee: grants.Payee{Holder: "Café Lingua e.V.", IBAN: "DE89 3704 0044 0532 0130 00"},
		Recognition: &grants.Recognition{Kind: grants.Nonprofit, Authority: "Finanzamt Osnabrück-Stadt",
			Notice: "Freistellungsbescheid, St.-Nr. 66/123/45678", NoticeDate: recentNotice()}}
}

// recentNotice is the date of a notice a year old: recent enough today.
func recentNotice() string { return time.Now().AddDate(-1, 0, 0).Format(time.DateOnly) }

// inReview creates, submits and reviews an application.
func (w *world) inReview(amount string) *grants.Application {
	w.t.Helper()
	ctx := context.Background()
	a, err := ledgertest.Value(w.g.Create(ctx, w.group, input(amount)))
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.g.Submit(ctx, w.group, a.ID); err != nil {
		w.t.Fatal(err)
	}
	if a, err = ledgertest.Value(w.g.AddReview(ctx, w.members[0], a.ID, grants.ReviewInput{Score: 4, Comment: "gut"})); err != nil || a.Status != grants.InReview {
		w.t.Fatalf("review: %v", err)
	}
	return a
}

func (w *world) votes(id string, vs ...string) {
	w.t.Helper()
	for i, v := range vs {
		if _, err := w.g.CastVote(context.Background(), w.members[i], id, grants.VoteInput{Vote: v}); err != nil {
			w.t.Fatalf("vote %d: %v", i, err)
		}
	}
}

// answerIsRead fails the test unless a write's answer a, made in the write
// path, shows actor what reading the application afterwards shows.
func (w *world) answerIsRead(a *grants.Application, actor *auth.User, what string) {
	w.t.Helper()
	read, err := w.g.Find(context.Background(), actor, a.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	got, _ := json.Marshal(a)
	want, _ := json.Marshal(read)
	if string(got) != string(want) {
		w.t.Fatalf("%s answered\n%s\nand reading it afterwards gives\n%s", what, got, want)
	}
	if !reflect.DeepEqual(a.Receipts, read.Receipts) { // not in the JSON
		w.t.Fatalf("%s answered receipts %+v, and reading it afterwards gives %+v", what, a.Receipts, read.Receipts)
	}
}

func (w *world) balance(code string) int64 {
	w.t.Helper()
	accts, err := w.l.Accounts(context.Background(), w.auditor)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range accts {
		if a.Code == code {
			return a.Balance.Minor
		}
	}
	return 0
}

func TestWholeStory(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.fund("1000.00")
		a := w.inReview("600.00")

		t.Run("ErrQuorum", func(t *testing.T) {
			w.votes(a.ID, "approve", "approve")
			if _, err := w.g.Decide(ctx, w.members[0], a.ID, grants.DecisionInput{Decision: "approved"}); !errs.Is(errs.InvalidState, err) {
				t.Fatalf("two votes: %v", err)
			}
		})
		t.Run("ErrConflictCannotVote", func(t *testing.T) {
			if _, err := w.g.AddReview(ctx, w.members[3], a.ID, grants.ReviewInput{Score: 1, ConflictOfInterest: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.g.CastVote(ctx, w.members[3], a.ID, grants.VoteInput{Vote: "approve"}); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("vote with a conflict: %v", err)
			}
			// A later review cannot take the conflict back.
			w.g.AddReview(ctx, w.members[3], a.ID, grants.ReviewInput{Score: 5})
			if _, err := w.g.CastVote(ctx, w.members[3], a.ID, grants.VoteInput{Vote: "approve"}); !errs.Is(errs.Forbidden, err) {
				t.Fatalf("conflict withdrawn: %v", err)
			}
		})
		w.votes(a.ID, "approve", "approve", "reject")
		if _, err := w.g.Decide(ctx, w.members[1], a.ID, grants.DecisionInput{Decision: "rejected"}); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("rejecting against the votes: %v", err)
		}
		tooMuch := errs.E(errs.Invalid, errs.FieldError{Field: "amount", Code: "amount_max"})
		if _, err := w.g.Decide(ctx, w.members[1], a.ID, grants.DecisionInput{Decision: "approved", Amount: fundus.Amount("600.01")}); !errs.Match(tooMuch, err) {
			t.Fatalf("more than requested: %v", err)
		}
		a, err := ledgertest.Value(w.g.Decide(ctx, w.members[1], a.ID, grants.DecisionInput{Decision: "approved", Amount: fundus.Amount("500.00")}))
		if err != nil || a.Status != grants.Approved || a.ApprovedAmount.Minor != 50000 {
			t.Fatalf("approve: %+v %v", a, err)
		}
		w.answerIsRead(a, w.members[1], "the decision")
		if len(a.Reviews) != 2 || len(a.Votes) != 3 {
			t.Fatalf("the decision's answer: %d reviews, %d votes", len(a.Reviews), len(a.Votes))
		}
		if w.balance(ledger.GrantsPayable) != -50000 || w.balance(ledger.GrantsExpense) != 50000 {
			t.Fatal("approval did not post")
		}

		d1, err := ledgertest.Value(w.g.CreateDisbursement(ctx, w.kasse[0], a.ID, grants.DisbursementInput{Amount: fundus.Amount("300.00")}))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.g.CreateDisbursement(ctx, w.kasse[0], a.ID, grants.DisbursementInput{Amount: fundus.Amount("200.01")}); !errs.Match(tooMuch, err) {
			t.Fatalf("beyond approved: %v", err)
		}
		if _, err := w.g.Release(ctx, w.kasse[0], d1.ID); !errs.Match(errs.E(errs.Forbidden, grants.FourEyesMaker), err) {
			t.Fatalf("four eyes: %v", err)
		}
		if _, err := w.g.Release(ctx, w.members[0], d1.ID); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("committee releasing: %v", err)
		}
		if r, err := ledgertest.Value(w.g.Release(ctx, w.kasse[1], d1.ID)); err != nil || r.Status != grants.DisbursementReleased {
			t.Fatalf("release: %+v, %v", r, err)
		}
		if _, err := w.g.Release(ctx, w.kasse[1], d1.ID); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("released twice: %v", err)
		}
		// Released, the money waits for the bank: nothing is paid yet.
		if a, _ = w.g.Find(ctx, w.group, a.ID); a.Status != grants.Approved || a.PaidAmount.Minor != 0 {
			t.Fatalf("after the release: %s %v", a.Status, a.PaidAmount)
		}
		if p := w.bankPays(d1.ID); p.Status != grants.DisbursementPaid {
			t.Fatalf("paid by the bank: %+v", p)
		}
		if a, _ = w.g.Find(ctx, w.group, a.ID); a.Status != grants.PartiallyPaid || a.PaidAmount.Minor != 30000 {
			t.Fatalf("after the first instalment: %s %v", a.Status, a.PaidAmount)
		}
		d2, _ := ledgertest.Value(w.g.CreateDisbursement(ctx, w.kasse[1], a.ID, grants.DisbursementInput{Amount: fundus.Amount("150.00")}))
		if _, err := w.g.Release(ctx, w.admin, d2.ID); err != nil {
			t.Fatal(err)
		}
		w.bankPays(d2.ID)
		if _, err := w.g.Report(ctx, w.other, a.ID, grants.ReportInput{Spent: fundus.Amount("400"), Report: "x"}); !errs.Is(errs.NotFound, err) {
			t.Fatalf("another group reports: %v", err)
		}
		a, err = ledgertest.Value(w.g.Report(ctx, w.group, a.ID, grants.ReportInput{Spent: fundus.Amount("420.00"), Report: "Zwölf Treffen, 30 Teilnehmende.",
			Receipts: []grants.Upload{{Name: "quittung.pdf", Data: []byte("%PDF-1.7\n...\n%%EOF\n")}}}))
		if err != nil || a.Status != grants.Reported {
			t.Fatalf("report: %v", err)
		}
		w.answerIsRead(a, w.group, "the report")
		if len(a.Receipts) != 1 || len(a.Disbursements) != 2 || a.Reviews != nil || a.Votes != nil {
			t.Fatalf("the report's answer to the group: %d receipts, %d instalments, reviews %v, votes %v", len(a.Receipts), len(a.Disbursements), a.Reviews, a.Votes)
		}
		a, err = ledgertest.Value(w.g.Close(ctx, w.kasse[0], a.ID, grants.CloseInput{Returned: fundus.Amount("30.00")}))
		if err != nil || a.Status != grants.Closed {
			t.Fatalf("close: %v", err)
		}
		w.answerIsRead(a, w.kasse[0], "the closing")
		if a.Reviews != nil || a.Votes != nil {
			t.Fatalf("the closing's answer shows a treasurer %d reviews and %d votes", len(a.Reviews), len(a.Votes))
		}
		// The 30.00 the group returns count when their bank line comes
		// (package bank assigns it to an instalment of the closed grant).
		if w.balance(ledger.GrantsExpense) != 45000 {
			t.Fatalf("after closing: expense %d, want 45000 until the return's bank line", w.balance(ledger.GrantsExpense))
		}
		_, err = commit.Do(ctx, w.g.Writer, func(tx *commit.Tx) (string, error) {
			d, err := grants.FindDisbursement(tx.Context(), tx.Reader(), d1.ID)
			if err != nil {
				return "", err
			}
			line := grants.BankLine{ID: db.NewID(), BookingDate: fundus.DayOf(tx.Now()), Minor: 3000, Actor: "bank"}
			if _, err := grants.ReturnOrPayBack(tx, d, grants.BankLine{ID: db.NewID(), BookingDate: line.BookingDate, Minor: 3001, Actor: "bank"}); !errs.Is(errs.InvalidState, err) {
				return "", fmt.Errorf("paying back more than owed: %v", err)
			}
			return grants.ReturnOrPayBack(tx, d, line)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Approved 500, paid 450, returned 30: the fund spent 420.
		if w.balance(ledger.GrantsExpense) != 42000 || w.balance(ledger.GrantsPayable) != 0 || w.balance(ledger.Bank) != 100000-45000+3000 {
			t.Fatalf("after closing: expense %d, payable %d, bank %d", w.balance(ledger.GrantsExpense), w.balance(ledger.GrantsPayable), w.balance(ledger.Bank))
		}
		if r, err := ledger.VerifyDB(ctx, d); err != nil || !r.OK {
			t.Fatalf("verify %+v %v", r, err)
		}
		f, _ := figures.OfFund(ctx, d)
		if len(f.Projects) != 1 || f.Projects[0].Status != string(grants.Closed) || f.Projects[0].ApprovedAmount.Minor != 42000 {
			t.Fatalf("projects %+v", f.Projects)
		}
		full, _ := w.g.Find(ctx, w.auditor, a.ID)
		own, _ := w.g.Find(ctx, w.group, a.ID)
		if len(full.Votes) != 3 || len(full.Reviews) != 2 || own.Votes != nil || own.Reviews != nil {
			t.Fatalf("who sees votes: auditor %d, group %d", len(full.Votes), len(own.Votes))
		}
		for _, u := range []*auth.User{w.kasse[1], w.admin} { // they read every application, not the deliberation
			if read, err := w.g.Find(ctx, u, a.ID); err != nil || read.Votes != nil || read.Reviews != nil {
				t.Fatalf("%s reads reviews %v and votes %v (%v)", u.Name, read.Reviews, read.Votes, err)
			}
		}
		if _, err := w.g.Find(ctx, w.other, a.ID); !errs.Is(errs.NotFound, err) {
			t.Fatalf("another group reads: %v", err)
		}
	})
}

func TestApplicationValidation(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		for name, c := range map[string]struct {
			edit func(*grants.Input)
			want errs.FieldError // the only field refused
		}{
			"budget sum":   {func(in *grants.Input) { in.Budget[0].Amount = fundus.Amount("99.99") }, errs.FieldError{Field: "budget", Code: "budget_sum"}},
			"ends first":   {func(in *grants.Input) { in.EndsOn = "2026-12-31" }, errs.FieldError{Field: "ends_on", Code: "ends_before_start"}},
			"bad IBAN":     {func(in *grants.Input) { in.Payee.IBAN = "DE89370400440532013001" }, errs.FieldError{Field: "payee.iban", Code: "iban"}},
			"bad BIC":      {func(in *grants.Input) { in.Payee.BIC = "NOPE" }, errs.FieldError{Field: "payee.bic", Code: "bic"}},
			"bad amount":   {func(in *grants.Input) { in.RequestedAmount = fundus.Amount("1.005") }, errs.FieldError{Field: "requested_amount", Code: "amount_decimals"}},
			"no title":     {func(in *grants.Input) { in.Title = " " }, errs.FieldError{Field: "title", Code: "required"}},
			"bad date":     {func(in *grants.Input) { in.StartsOn = "1.1.2027" }, errs.FieldError{Field: "starts_on", Code: "date"}},
			"empty budget": {func(in *grants.Input) { in.Budget = nil }, errs.FieldError{Field: "budget", Code: "required"}},
		} {
			t.Run(name, func(t *testing.T) {
				in := input("100.00")
				c.edit(&in)
				_, err := w.g.Create(ctx, w.group, in)
				if !errs.Match(errs.E(errs.Invalid, c.want), err) || len(errs.FieldsOf(err)) != 1 {
					t.Errorf("%v %+v, want Invalid naming only %s (%s)", err, errs.FieldsOf(err), c.want.Field, c.want.Code)
				}
			})
		}
		if _, err := w.g.Create(ctx, w.members[0], input("100.00")); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("committee applies: %v", err)
		}
		a, _ := ledgertest.Value(w.g.Create(ctx, w.group, input("100.00")))
		if _, err := w.g.Update(ctx, w.other, a.ID, func(in *grants.Input) error { return nil }); !errs.Is(errs.NotFound, err) {
			t.Fatalf("another group edits: %v", err)
		}
		a, err := ledgertest.Value(w.g.Update(ctx, w.group, a.ID, func(in *grants.Input) error { in.Title = "Neuer Titel"; return nil }))
		if err != nil || a.Title != "Neuer Titel" || a.RequestedAmount.Minor != 10000 {
			t.Fatalf("update: %+v %v", a, err)
		}
		w.g.Submit(ctx, w.group, a.ID)
		if _, err := w.g.Update(ctx, w.group, a.ID, func(in *grants.Input) error { return nil }); !errs.Is(errs.InvalidState, err) {
			t.Fatalf("edit after submit: %v", err)
		}
	})
}

// TestParallelApprovals: 24 applications each ask for an eighth of the
// money; 24 goroutines approve them at once; exactly 8 are approved.
func TestParallelApprovals(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		w.fund("800.00")
		var ids []string
		for i := 0; i < 24; i++ {
			a := w.inReview("100.00")
			w.votes(a.ID, "approve", "approve", "approve")
			ids = append(ids, a.ID)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		approved, refused := 0, 0
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := w.g.Decide(context.Background(), w.members[i%3], id, grants.DecisionInput{Decision: "approved"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					approved++
				case errs.Is(errs.InsufficientFunds, err):
					refused++
				default:
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if approved != 8 || refused != 16 {
			t.Fatalf("%d approved, %d refused; want 8 and 16", approved, refused)
		}
		if avail := w.balance(ledger.Bank) + w.balance(ledger.GrantsPayable); avail != 0 {
			t.Fatalf("available %d", avail)
		}
	})
}

// TestOwnApplicationIsAConflict: a member of the committee who also
// applies cannot review, vote on or decide the own application.
func TestOwnApplicationIsAConflict(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		w.fund("1000.00")
		both := &auth.User{ID: w.members[0].ID, Roles: []auth.Role{auth.Committee, auth.Applicant}}
		ledgertest.Exec(t, w.g.Writer, `INSERT INTO user_roles (user_id, role) VALUES ($1, 'applicant')`, both.ID)
		a, err := ledgertest.Value(w.g.Create(ctx, both, input("100.00")))
		if err != nil {
			t.Fatal(err)
		}
		w.g.Submit(ctx, both, a.ID)
		if _, err := w.g.AddReview(ctx, both, a.ID, grants.ReviewInput{Score: 5}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("own review: %v", err)
		}
		w.g.AddReview(ctx, w.members[1], a.ID, grants.ReviewInput{Score: 3})
		if _, err := w.g.CastVote(ctx, both, a.ID, grants.VoteInput{Vote: "approve"}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("own vote: %v", err)
		}
		for _, m := range w.members[1:4] {
			w.g.CastVote(ctx, m, a.ID, grants.VoteInput{Vote: "approve"})
		}
		if _, err := w.g.Decide(ctx, both, a.ID, grants.DecisionInput{Decision: "approved"}); !errs.Is(errs.Forbidden, err) {
			t.Fatalf("own decision: %v", err)
		}
	})
}

// TestDecisionReportsEveryBadField: a decision that is neither approved nor
// rejected and conditions with a control character are refused together,
// each field with its own code.
func TestDecisionReportsEveryBadField(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		a := w.inReview("100.00")
		_, err := w.g.Decide(context.Background(), w.members[1], a.ID, grants.DecisionInput{Decision: "maybe", Conditions: "a\x00b"})
		want := errs.E(errs.Invalid, []errs.FieldError{{Field: "decision", Code: "oneof"}, {Field: "conditions", Code: "control"}})
		if !errs.Match(want, err) {
			t.Fatalf("%v %+v", err, errs.FieldsOf(err))
		}
	})
}
