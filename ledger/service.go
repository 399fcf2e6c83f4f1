package ledger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fundus"
	"fundus/audit"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Service runs the ledger's use cases.
type Service struct {
	DB     *db.DB
	Writer *commit.Writer
	// MaxAmount is the ceiling of any amount, in cents (FUNDUS_MAX_AMOUNT).
	MaxAmount int64
	// Now is the clock.
	Now func() time.Time
}

// Accounts returns the chart with stored balances.
// Returns Unauthenticated, Forbidden.
func (s *Service) Accounts(ctx context.Context, actor fundus.Actor) ([]Account, error) {
	const op errs.Op = "ledger.Accounts"
	if err := fundus.Authorize(op, actor, fundus.ReadLedger); err != nil {
		return nil, err
	}
	accts, err := loadAccounts(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return accts, nil
}

// MaxQuery is the longest text an entry search takes, in characters.
const MaxQuery = 200

// Entries returns up to f.Limit entries after f.AfterSeq in sequence order,
// and the sequence number to continue after (0 when there are no more).
// Returns Unauthenticated, Forbidden.
func (s *Service) Entries(ctx context.Context, actor fundus.Actor, f EntryFilter) ([]*Entry, int64, error) {
	const op errs.Op = "ledger.Entries"
	if err := fundus.Authorize(op, actor, fundus.ReadLedger); err != nil {
		return nil, 0, err
	}
	var invalid check.Fields
	if f.Account != "" {
		accts, err := loadAccounts(ctx, s.DB)
		if err != nil {
			return nil, 0, errs.E(op, err)
		}
		if !slices.ContainsFunc(accts, func(a Account) bool { return a.Code == f.Account }) {
			invalid.Add("account", "", "", "is not an account of the chart")
		}
	}
	invalid.Text("q", f.Text, MaxQuery, false)
	if err := invalid.Err(op); err != nil {
		return nil, 0, err
	}
	limit := f.Limit
	f.Limit++
	es, err := findEntries(ctx, db.SQL(s.DB), f)
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	if len(es) > limit {
		return es[:limit], es[limit-1].Seq, nil
	}
	return es, 0, nil
}

// Entry returns one entry. Returns Unauthenticated, Forbidden, NotFound.
func (s *Service) Entry(ctx context.Context, actor fundus.Actor, id string) (*Entry, error) {
	const op errs.Op = "ledger.Entry"
	if err := fundus.Authorize(op, actor, fundus.ReadLedger); err != nil {
		return nil, err
	}
	e, err := findEntry(ctx, s.DB, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return e, nil
}

// ManualEntry is a correction the treasurer posts by hand. It never
// posts to assets:bank: that account moves only with the bank's lines
// (package bank), so that it follows the bank's statements.
type ManualEntry struct {
	Memo     string          `json:"memo"`
	Postings []ManualPosting `json:"postings"`
}

// ManualPosting is one line of a ManualEntry: a signed amount, debit
// positive.
type ManualPosting struct {
	Account string            `json:"account"`
	Amount  fundus.AmountText `json:"amount"`
}

// PostManual posts a manual entry.
// Returns Unauthenticated, Forbidden, Invalid (naming the field, also
// "postings[i].account" for assets:bank, liabilities:donations-pending and
// income:donations), InsufficientFunds.
func (s *Service) PostManual(ctx context.Context, actor fundus.Actor, in ManualEntry) (commit.Outcome[*Entry], error) {
	const op errs.Op = "ledger.PostManual"
	if err := fundus.Authorize(op, actor, fundus.PostLedger); err != nil {
		return commit.Outcome[*Entry]{}, err
	}
	ne := NewEntry{Kind: KindManual, Memo: strings.TrimSpace(in.Memo), Actor: actor.ActorID()}
	var f check.Fields
	if ne.Memo == "" {
		f.Add("memo", "", "", "is required")
	}
	if len(in.Postings) < 2 || len(in.Postings) > 100 {
		f.Add("postings", "", "", "must have between 2 and 100 postings")
	}
	for i, p := range in.Postings {
		minor, err := fundus.ParseAmount(fmt.Sprintf("postings[%d].amount", i), p.Amount, fundus.EUR, fundus.NonZero, s.MaxAmount)
		f.AddErr(err)
		account := strings.TrimSpace(p.Account)
		switch account {
		case Bank:
			f.Add(fmt.Sprintf("postings[%d].account", i), "bank_line", "", BankOnlyWithLines)
		case DonationsPending:
			f.Add(fmt.Sprintf("postings[%d].account", i), "acceptance", "", PendingOnlyByDecision)
		case Donations:
			f.Add(fmt.Sprintf("postings[%d].account", i), "donations_only", "", DonationsOnlyAsDonations)
		}
		ne.Postings = append(ne.Postings, NewPosting{Account: account, Amount: minor})
	}
	if err := f.Err(op); err != nil {
		return commit.Outcome[*Entry]{}, err
	}
	return commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Entry, error) {
		e, err := Post(tx, ne)
		if err != nil {
			return nil, err
		}
		// The entry itself (memo, postings) is in the ledger, unchangeable
		// and hash-chained: the record says who posted which one.
		return e, audit.Add(tx, actor.ActorID(), "ledger.entry.post", "ledger_entry", e.ID, map[string]any{"seq": e.Seq})
	})
}

// Reversal says why an entry is reversed.
type Reversal struct {
	Reason string `json:"reason"`
}

// Reverse posts the reversing entry of the entry with id: only a manual
// entry, and none that moves money in assets:bank (reversed, it would
// un-book what the bank booked while the bank's line stays).
// Returns Unauthenticated, Forbidden, Invalid, NotFound, InvalidState.
func (s *Service) Reverse(ctx context.Context, actor fundus.Actor, id string, in Reversal) (commit.Outcome[*Entry], error) {
	const op errs.Op = "ledger.Reverse"
	if err := fundus.Authorize(op, actor, fundus.PostLedger); err != nil {
		return commit.Outcome[*Entry]{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	var f check.Fields
	if reason == "" {
		f.Add("reason", "", "", "is required")
	}
	if err := f.Err(op); err != nil {
		return commit.Outcome[*Entry]{}, err
	}
	return commit.Do(ctx, s.Writer, func(tx *commit.Tx) (*Entry, error) {
		e, err := Reverse(tx, id, actor.ActorID(), reason)
		if err != nil {
			return nil, err
		}
		return e, audit.Add(tx, actor.ActorID(), "ledger.entry.reverse", "ledger_entry", id, map[string]any{"reversed_by": e.ID, "seq": e.Seq, "reason": reason})
	})
}

// TrialBalance lists every account's balance in a debit or a credit column.
type TrialBalance struct {
	At          string             `json:"at"`
	Items       []TrialBalanceLine `json:"items"`
	TotalDebit  fundus.Money       `json:"total_debit"`
	TotalCredit fundus.Money       `json:"total_credit"`
}

// TrialBalanceLine is one account in a TrialBalance.
type TrialBalanceLine struct {
	Code    string       `json:"code"`
	Type    string       `json:"type"`
	Debit   fundus.Money `json:"debit"`
	Credit  fundus.Money `json:"credit"`
	Balance fundus.Money `json:"balance"`
}

// TrialBalance returns the balances at the end of the day at (YYYY-MM-DD):
// the sums of the postings of the entries dated at or before, whenever
// they were written. With at empty, the balances now, as stored, and at is
// today. Returns Unauthenticated, Forbidden.
func (s *Service) TrialBalance(ctx context.Context, actor fundus.Actor, at string) (*TrialBalance, error) {
	const op errs.Op = "ledger.TrialBalance"
	if err := fundus.Authorize(op, actor, fundus.ReadLedger); err != nil {
		return nil, err
	}
	accts, err := loadAccounts(ctx, s.DB)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if at == "" {
		at = fundus.DayOf(s.now())
	} else {
		sums, err := balancesThrough(ctx, s.DB, at)
		if err != nil {
			return nil, errs.E(op, err)
		}
		for i := range accts {
			accts[i].Balance.Minor = sums[accts[i].Code]
		}
	}
	if err := checkBalances(op, accts); err != nil {
		return nil, err
	}
	tb := &TrialBalance{At: at, Items: []TrialBalanceLine{}, TotalDebit: fundus.EURCents(0), TotalCredit: fundus.EURCents(0)}
	for _, a := range accts {
		line := TrialBalanceLine{Code: a.Code, Type: a.Type, Balance: a.Balance, Debit: fundus.EURCents(0), Credit: fundus.EURCents(0)}
		if a.Balance.Minor > 0 {
			line.Debit.Minor = a.Balance.Minor
		} else {
			line.Credit.Minor = -a.Balance.Minor
		}
		tb.TotalDebit.Minor += line.Debit.Minor
		tb.TotalCredit.Minor += line.Credit.Minor
		tb.Items = append(tb.Items, line)
	}
	return tb, nil
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}
