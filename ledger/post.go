package ledger

import (
	"fmt"
	"slices"

	"fundus"
	"fundus/check"
	"fundus/commit"
	"fundus/db"
	"fundus/errs"
)

// Post appends an entry: it checks the postings, gives the entry the next
// sequence number and its hash link, stores it, and updates the balances.
// An entry that lowers available money may not take it below zero, however
// many are posted at once: that is the rule that keeps approvals and refunds
// within the money there is (unless the entry records a bank line,
// FromBank: that money moved already). Only an entry that records a bank
// line may post to assets:bank: money enters and leaves the bank account
// with the bank's lines alone, so the ledger's bank account follows the
// bank's statements. No entry may take a balance beyond ±MaxBalance (so
// no sum of balances ever wraps).
// Returns Invalid (naming "postings[i].account" or "postings[i].amount", or
// "postings" for a set that does not balance), InsufficientFunds.
func Post(tx *commit.Tx, e NewEntry) (*Entry, error) {
	const op errs.Op = "ledger.Post"
	t, err := in(op, tx)
	if err != nil {
		return nil, err
	}
	return t.post(op, e)
}

func (t *bookPart) post(op errs.Op, e NewEntry) (*Entry, error) {
	if err := t.checkEntry(op, e); err != nil {
		return nil, err
	}
	when := entryTime(t.tx.Now())
	if when.Before(t.head.lastTime) {
		when = t.head.lastTime // entry times never go back, even if the clock does
	}
	date := e.Date
	if date == "" {
		date = fundus.DayOf(when)
	}
	id := e.ID
	if id == "" {
		id = db.NewID()
	}
	ref := e.Ref
	if ref != nil && *ref == (Ref{}) {
		// An empty cause is no cause, as the entry reads back: else its
		// hash ("ref=:") and its JSON would not be what it reads as.
		ref = nil
	}
	entry := &Entry{
		ID:       id,
		Seq:      t.head.seq + 1,
		Time:     when,
		Date:     date,
		Kind:     e.Kind,
		Memo:     e.Memo,
		Ref:      ref,
		Actor:    e.Actor,
		Reverses: e.Reverses,
		PrevHash: t.head.hash,
	}
	for _, p := range e.Postings {
		cur, _ := fundus.KnownCurrency(t.accounts[p.Account].Currency)
		entry.Postings = append(entry.Postings, Posting{Account: p.Account, Amount: fundus.Money{Minor: p.Amount, Currency: cur}, Currency: cur.Code})
	}
	entry.Hash = Hash(entry.PrevHash, entry)
	after, err := t.balancesAfter(op, e)
	if err != nil {
		return nil, err
	}
	// Pending donations are a liability: the account never holds more
	// than was booked to it, so no acceptance or decline moves money
	// that is not waiting there.
	if b, ok := after[DonationsPending]; ok && b > 0 {
		return nil, errs.Errorf(op, errs.InvalidState, "%s would hold %s EUR more than the donations waiting for acceptance",
			DonationsPending, fundus.FormatMinor(b, fundus.EUR))
	}
	before := t.available()
	old := t.setBalances(after)
	if after := t.available(); after < before && after < 0 && !e.FromBank {
		t.setBalances(old) // Post changes nothing when it fails
		return nil, errs.E(op, errs.InsufficientFunds, fmt.Sprintf(
			"%s EUR are available; this needs %s EUR", fundus.FormatMinor(before, fundus.EUR), fundus.FormatMinor(before-after, fundus.EUR)))
	}
	t.entries = append(t.entries, entry)
	t.head = head{seq: entry.Seq, hash: entry.Hash, lastTime: entry.Time}
	return entry, nil
}

func (t *bookPart) checkEntry(op errs.Op, e NewEntry) error {
	if e.Kind == "" || e.Actor == "" {
		return errs.E(op, errs.Internal, "an entry needs a kind and an actor")
	}
	if err := checkText(op, "memo", e.Memo, MaxMemo); err != nil {
		return err
	}
	if e.Date != "" && !fundus.IsDay(e.Date) {
		return errs.Errorf(op, errs.Internal, "an entry's date must be YYYY-MM-DD, not %q", e.Date)
	}
	if len(e.Postings) < 2 {
		return errs.Field(op, "postings", "must have at least two postings")
	}
	sums := map[string]int64{}
	var f check.Fields
	for i, p := range e.Postings {
		a, ok := t.accounts[p.Account]
		switch {
		case !ok:
			f.Add(fmt.Sprintf("postings[%d].account", i), "", "", "is not an account of the chart")
		case p.Account == Bank && !e.FromBank:
			f.Add(fmt.Sprintf("postings[%d].account", i), "bank_line", "", BankOnlyWithLines)
		case p.Amount == 0:
			f.Add(fmt.Sprintf("postings[%d].amount", i), "", "", "must not be zero")
		case !withinBalance(p.Amount):
			f.Add(fmt.Sprintf("postings[%d].amount", i), "", "", "must not exceed "+fundus.FormatMinor(MaxBalance, fundus.EUR))
		default:
			sum, ok := addMinor(sums[a.Currency], p.Amount)
			if !ok {
				return errs.Field(op, "postings", "must sum to zero; their sum does not fit in 64 bits")
			}
			sums[a.Currency] = sum
		}
	}
	if err := f.Err(op); err != nil {
		return err
	}
	for cur, sum := range sums {
		if sum != 0 {
			c, _ := fundus.KnownCurrency(cur)
			return errs.Field(op, "postings", fmt.Sprintf("must sum to zero; the %s postings sum to %s", cur, fundus.FormatMinor(sum, c)))
		}
	}
	return nil
}

// balancesAfter returns the balances of the accounts e posts to as they
// would be after it. Returns Invalid naming "postings[i].amount" (the last
// posting on that account) when a balance would go beyond ±MaxBalance.
func (t *bookPart) balancesAfter(op errs.Op, e NewEntry) (map[string]int64, error) {
	after := make(map[string]int64, len(e.Postings))
	last := make(map[string]int, len(e.Postings))
	for i, p := range e.Postings {
		b, ok := after[p.Account]
		if !ok {
			b = t.accounts[p.Account].minor
		}
		if after[p.Account], ok = addMinor(b, p.Amount); !ok {
			after[p.Account] = MaxBalance + 1 // beyond int64: refused below
		}
		last[p.Account] = i
	}
	for i, p := range e.Postings {
		if i == last[p.Account] && !withinBalance(after[p.Account]) {
			return nil, errs.FieldCode(op, fmt.Sprintf("postings[%d].amount", i), "balance_max", fundus.FormatMinor(MaxBalance, fundus.EUR),
				fmt.Sprintf("would take the balance of %s beyond ±%s EUR, the largest balance an account may have", p.Account, fundus.FormatMinor(MaxBalance, fundus.EUR)))
		}
	}
	return after, nil
}

// setBalances sets the balances of the accounts in b and returns what they
// were.
func (t *bookPart) setBalances(b map[string]int64) map[string]int64 {
	old := make(map[string]int64, len(b))
	for code, minor := range b {
		old[code], t.accounts[code].minor = t.accounts[code].minor, minor
	}
	return old
}

// Available returns the money the fund may still commit, in cents:
// assets:bank + assets:clearing - what liabilities:grants-payable,
// liabilities:refunds-payable and liabilities:donations-pending owe,
// including everything posted so far in this transaction. Because the
// transaction holds the chain head, no other transaction can see or change
// the same balances until this one ends.
func Available(tx *commit.Tx) (int64, error) {
	t, err := in("ledger.Available", tx)
	if err != nil {
		return 0, err
	}
	return t.available(), nil
}

func (t *bookPart) available() int64 {
	return t.balance(Bank) + t.balance(Clearing) + t.balance(GrantsPayable) + t.balance(RefundsPayable) + t.balance(DonationsPending)
}

func (t *bookPart) balance(code string) int64 {
	if a, ok := t.accounts[code]; ok {
		return a.minor
	}
	return 0
}

// Reverse posts the reversing entry of the entry with id: the same postings
// with opposite signs, pointing at the original.
// Returns NotFound, InvalidState when the entry is already reversed or is
// itself a reversal.
func Reverse(tx *commit.Tx, id, actor, reason string) (*Entry, error) {
	const op errs.Op = "ledger.Reverse"
	t, err := in(op, tx)
	if err != nil {
		return nil, err
	}
	return t.reverse(op, id, actor, reason)
}

func (t *bookPart) reverse(op errs.Op, id, actor, reason string) (*Entry, error) {
	if err := checkText(op, "reason", reason, MaxMemo-40); err != nil {
		return nil, err
	}
	orig, err := t.findEntry(id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if orig.Reverses != "" {
		return nil, errs.E(op, errs.InvalidState, "this entry is a reversal; post a new entry instead of reversing it")
	}
	if slices.ContainsFunc(orig.Postings, func(p Posting) bool { return p.Account == Bank }) {
		// Reversed, the entry would take the money out of assets:bank (or
		// put it back) while the bank's line stays as the bank booked it.
		return nil, errs.Errorf(op, errs.InvalidState, "entry %d moves money in %s, which records what the bank booked and moves only with the bank's lines; "+
			"correct where the money went with a manual entry between the other accounts, or undo a donation, refund or instalment through its own action", orig.Seq, Bank)
	}
	if orig.Kind != KindManual {
		// A donation's or a grant's entry is undone by that domain's own
		// action (a refund, a closing), which keeps its state in step.
		of := orig.Kind
		if orig.Ref != nil {
			of = orig.Ref.Type + " (" + orig.Kind + ")"
		}
		return nil, errs.Errorf(op, errs.InvalidState, "this entry belongs to a %s; undo it through that, not by reversing it", of)
	}
	by, err := t.findReversalOf(id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if by != nil {
		return nil, errs.Errorf(op, errs.InvalidState, "this entry is already reversed by entry %d", by.Seq)
	}
	ne := NewEntry{
		Kind:     KindReversal,
		Memo:     fmt.Sprintf("Reversal of entry %d: %s", orig.Seq, reason),
		Ref:      orig.Ref,
		Actor:    actor,
		Reverses: orig.ID,
	}
	for _, p := range orig.Postings {
		ne.Postings = append(ne.Postings, NewPosting{Account: p.Account, Amount: -p.Amount.Minor})
	}
	e, err := t.post(op, ne)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return e, nil
}

// findEntry finds an entry, also among those of this batch.
func (t *bookPart) findEntry(id string) (*Entry, error) {
	for _, e := range t.entries {
		if e.ID == id {
			return e, nil
		}
	}
	return findEntry(t.tx.Context(), t.tx.Reader(), id)
}

// findReversalOf finds the entry that reverses id, also among those of this
// batch, or nil.
func (t *bookPart) findReversalOf(id string) (*Entry, error) {
	for _, e := range t.entries {
		if e.Reverses == id {
			return e, nil
		}
	}
	return findReversalOf(t.tx.Context(), t.tx.Reader(), id)
}
