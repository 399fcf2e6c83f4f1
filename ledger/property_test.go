package ledger_test

import (
	"context"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"fundus"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

var chart = []string{ledger.Bank, ledger.Clearing, ledger.GrantsPayable, ledger.OpeningBalance, ledger.Donations, ledger.Interest, ledger.GrantsExpense, ledger.BankFees}

// manualChart are the accounts a random manual entry draws from: not
// income:donations, which donations alone move (ledger.DonationsOnlyAsDonations).
var manualChart = slices.DeleteFunc(slices.Clone(chart), func(a string) bool { return a == ledger.Donations })

// model is what the ledger should hold, computed independently.
type model struct {
	balances map[string]int64
	entries  []*modelEntry
}

type modelEntry struct {
	id       string
	postings [][2]any // account, minor
	reversal bool
	reversed bool
	bank     bool // a bank line's entry
}

func (m *model) available() int64 {
	return m.balances[ledger.Bank] + m.balances[ledger.Clearing] + m.balances[ledger.GrantsPayable]
}

// allowed says whether postings may be posted by hand: an entry that
// lowers available money may not take it below zero.
func (m *model) allowed(postings [][2]any) bool {
	before := m.available()
	after := before
	for _, p := range postings {
		switch p[0].(string) {
		case ledger.Bank, ledger.Clearing, ledger.GrantsPayable:
			after += p[1].(int64)
		}
	}
	return !(after < before && after < 0)
}

// touchesBank says whether postings move assets:bank, which only a bank
// line's entry may.
func touchesBank(postings [][2]any) bool {
	for _, p := range postings {
		if p[0].(string) == ledger.Bank {
			return true
		}
	}
	return false
}

func (m *model) apply(id string, postings [][2]any, reversal bool) *modelEntry {
	for _, p := range postings {
		m.balances[p[0].(string)] += p[1].(int64)
	}
	e := &modelEntry{id: id, postings: postings, reversal: reversal}
	m.entries = append(m.entries, e)
	return e
}

func toManual(postings [][2]any) ledger.ManualEntry {
	in := ledger.ManualEntry{Memo: "property"}
	for _, p := range postings {
		in.Postings = append(in.Postings, ledger.ManualPosting{Account: p[0].(string), Amount: fundus.Amount(fundus.FormatMinor(p[1].(int64), fundus.EUR))})
	}
	return in
}

// TestLedgerProperties runs random sequences of postings, reversals and
// refused operations and checks after each step: the outcome is the one the
// model predicts; a refused operation changed no table; stored balances
// equal the model and the sums of postings; every entry balances and the
// chain verifies; the trial balance's debits equal its credits; available
// money is never below zero.
func TestLedgerProperties(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		rapid.Check(t, func(rt *rapid.T) {
			d := dbtest.Open(t, e)
			defer d.Close() // each run its own database; do not hoard connections
			s := ledgertest.Service(t, d)
			defer s.Writer.Close()
			ctx := context.Background()
			m := &model{balances: map[string]int64{}}
			amount := rapid.Int64Range(1, 50000)

			post := func(postings [][2]any) {
				bank := touchesBank(postings)
				want := m.allowed(postings) && !bank
				var before string
				if !want {
					before = ledgertest.Dump(rt, d)
				}
				got, err := ledgertest.Value(s.PostManual(ctx, treasurer, toManual(postings)))
				switch {
				case want && err != nil:
					rt.Fatalf("post %v: %v", postings, err)
				case bank && !errs.Is(errs.Invalid, err):
					rt.Fatalf("post %v by hand: err = %v, want Invalid (assets:bank moves only with bank lines)", postings, err)
				case !bank && !want && !errs.Is(errs.InsufficientFunds, err):
					rt.Fatalf("post %v with %d available: err = %v, want InsufficientFunds", postings, m.available(), err)
				case want:
					m.apply(got.ID, postings, false)
				default:
					if ledgertest.Dump(rt, d) != before {
						rt.Fatal("a refused posting changed the database")
					}
				}
			}
			// fromBank posts what a bank line books: never refused for
			// the money there is (the bank moved it already).
			fromBank := func(postings [][2]any) {
				var pairs []string
				for _, p := range postings {
					pairs = append(pairs, p[0].(string), fundus.FormatMinor(p[1].(int64), fundus.EUR))
				}
				e := ledgertest.PostBank(t, s.Writer, "", "bank line", pairs...)
				m.apply(e.ID, postings, false).bank = true
			}
			refused := func(kind errs.Kind, do func() error) {
				before := ledgertest.Dump(rt, d)
				if err := do(); !errs.Is(kind, err) {
					rt.Fatalf("err = %v, want %v", err, kind)
				}
				if ledgertest.Dump(rt, d) != before {
					rt.Fatal("a refused operation changed the database")
				}
			}

			steps := rapid.IntRange(1, 30).Draw(rt, "steps")
			for i := 0; i < steps; i++ {
				switch op := rapid.IntRange(0, 7).Draw(rt, "op"); op {
				case 0: // a donation arrives, by hand or with its bank line
					a := amount.Draw(rt, "amount")
					if rapid.Bool().Draw(rt, "bank line?") {
						fromBank([][2]any{{ledger.Bank, a}, {ledger.Donations, -a}})
					} else {
						post([][2]any{{ledger.Clearing, a}, {ledger.Interest, -a}})
					}
				case 1: // a grant is approved
					a := amount.Draw(rt, "amount")
					post([][2]any{{ledger.GrantsExpense, a}, {ledger.GrantsPayable, -a}})
				case 2: // a grant is paid out: its bank line; or someone tries it by hand
					a := amount.Draw(rt, "amount")
					if rapid.Bool().Draw(rt, "bank line?") {
						fromBank([][2]any{{ledger.GrantsPayable, a}, {ledger.Bank, -a}})
					} else {
						post([][2]any{{ledger.GrantsPayable, a}, {ledger.Bank, -a}})
					}
				case 3: // any balanced entry
					n := rapid.IntRange(2, 4).Draw(rt, "postings")
					var ps [][2]any
					var sum int64
					for j := 0; j < n-1; j++ {
						a := rapid.Int64Range(-50000, 50000).Filter(func(v int64) bool { return v != 0 }).Draw(rt, "amount")
						ps = append(ps, [2]any{rapid.SampledFrom(manualChart).Draw(rt, "account"), a})
						sum += a
					}
					if sum == 0 {
						continue
					}
					ps = append(ps, [2]any{rapid.SampledFrom(manualChart).Draw(rt, "account"), -sum})
					post(ps)
				case 4: // an entry that does not balance
					a := amount.Draw(rt, "amount")
					refused(errs.Invalid, func() error {
						_, err := s.PostManual(ctx, treasurer, toManual([][2]any{{ledger.Clearing, a}, {ledger.Interest, -a - 1}}))
						return err
					})
				case 5: // an account that does not exist
					refused(errs.Invalid, func() error {
						_, err := s.PostManual(ctx, treasurer, toManual([][2]any{{"assets:cash", int64(5)}, {ledger.Interest, int64(-5)}}))
						return err
					})
				case 6: // reverse an entry
					if len(m.entries) == 0 {
						continue
					}
					me := rapid.SampledFrom(m.entries).Draw(rt, "entry")
					var neg [][2]any
					for _, p := range me.postings {
						neg = append(neg, [2]any{p[0], -p[1].(int64)})
					}
					reverse := func() error {
						_, err := s.Reverse(ctx, treasurer, me.id, ledger.Reversal{Reason: "property"})
						return err
					}
					switch {
					case me.reversal || me.reversed || me.bank:
						refused(errs.InvalidState, reverse)
					case !m.allowed(neg):
						refused(errs.InsufficientFunds, reverse)
					default:
						rev, err := ledgertest.Value(s.Reverse(ctx, treasurer, me.id, ledger.Reversal{Reason: "property"}))
						if err != nil {
							rt.Fatalf("reverse: %v", err)
						}
						me.reversed = true
						m.apply(rev.ID, neg, true)
					}
				case 7: // reverse an entry that does not exist
					refused(errs.NotFound, func() error {
						_, err := s.Reverse(ctx, treasurer, "no-such-entry", ledger.Reversal{Reason: "x"})
						return err
					})
				}
				checkInvariants(rt, d, s, m)
			}
		})
	})
}

func checkInvariants(rt *rapid.T, d *db.DB, s *ledger.Service, m *model) {
	ctx := context.Background()
	b := ledgertest.Balances(rt, s)
	for _, code := range chart {
		if b[code] != m.balances[code] {
			rt.Fatalf("%s: stored %d, model %d", code, b[code], m.balances[code])
		}
	}
	if a := available(b); a < 0 {
		rt.Fatalf("available money is %d", a)
	}
	r, err := ledger.VerifyDB(ctx, d)
	if err != nil || !r.OK || r.EntriesChecked != int64(len(m.entries)) {
		rt.Fatalf("verify: %+v %v (model has %d entries)", r, err, len(m.entries))
	}
	tb, err := s.TrialBalance(ctx, auditor, "")
	if err != nil || tb.TotalDebit.Minor != tb.TotalCredit.Minor {
		rt.Fatalf("trial balance: %+v %v", tb, err)
	}
}
