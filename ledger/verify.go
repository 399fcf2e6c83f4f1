package ledger

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"fundus"
	"fundus/db"
	"fundus/errs"
)

// VerifyResult is what verification found.
type VerifyResult struct {
	OK             bool      `json:"ok"`
	EntriesChecked int64     `json:"entries_checked"`
	FirstBadEntry  *BadEntry `json:"first_bad_entry,omitempty"`
	Account        string    `json:"account,omitempty"` // an account whose stored balance is wrong
	Problem        string    `json:"problem,omitempty"`
}

// BadEntry names an entry that failed verification. ID is empty when the
// entry is missing (a gap in the sequence).
type BadEntry struct {
	ID  string `json:"id,omitempty"`
	Seq int64  `json:"seq"`
}

// Verify checks the whole ledger. Returns Unauthenticated, Forbidden.
func (s *Service) Verify(ctx context.Context, actor fundus.Actor) (*VerifyResult, error) {
	const op errs.Op = "ledger.Verify"
	if err := fundus.Authorize(op, actor, fundus.VerifyLedger); err != nil {
		return nil, err
	}
	return VerifyDB(ctx, s.DB)
}

// VerifyDB walks the ledger in sequence order in one consistent snapshot and
// checks, for every entry: its sequence number follows the one before
// without a gap; its prev_hash is the hash before it; its hash is the hash
// of its canonical bytes; it has two or more postings that sum to zero per
// currency. It checks that every posting belongs to an entry. Then it
// checks that the stored balance of every account equals the sum of its
// postings, and that the chain head is the last entry. It reports the first
// problem found.
func VerifyDB(ctx context.Context, d *db.DB) (*VerifyResult, error) {
	const op errs.Op = "ledger.VerifyDB"
	tx, err := db.ReadTx(ctx, d)
	if err != nil {
		return nil, errs.E(op, err)
	}
	defer tx.Rollback()

	v := newVerifier()
	err = eachChunk(ctx, d, tx, EntryFilter{}, 2, func(es []*Entry) error {
		for _, e := range es {
			if !v.check(e) {
				return errFound
			}
		}
		return nil
	})
	if err == nil {
		err = v.orphanPosting(ctx, tx)
	}
	if err == errFound {
		return v.result, nil
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	accts, err := loadAccounts(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if code := unknownAccount(v.sums, accts); code != "" {
		return v.fail(nil, code, fmt.Sprintf("postings name the account %s, which is not among the accounts", code)), nil
	}
	for _, a := range accts {
		if sum := v.sum(a.Code); sum.Cmp(big.NewInt(a.Balance.Minor)) != 0 {
			return v.fail(nil, a.Code, fmt.Sprintf("the stored balance of %s is %s, but its postings sum to %s",
				a.Code, a.Balance, formatBig(sum, currencyOf(a.Currency)))), nil
		}
	}
	h, err := readHead(ctx, tx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if h.Seq != v.seq || h.Hash != v.hash {
		return v.fail(nil, "", fmt.Sprintf("the chain head says entry %d with hash %.12s…, but the last entry is %d with hash %.12s…", h.Seq, h.Hash, v.seq, v.hash)), nil
	}
	v.result.OK = true
	return v.result, nil
}

// orphanPosting, after a walk that found entries 1 to v.seq without a gap
// (and so read every posting numbered among them), fails the verification
// with the first posting numbered outside them and returns errFound; nil
// when there is none. Such a posting can only be written past the foreign
// key's check, and counts in no entry's hash.
func (v *verifier) orphanPosting(ctx context.Context, q sqlx.QueryerContext) error {
	// Two ranges of the key, not one OR: SQLite scans the whole table for
	// "seq < 1 OR seq > $1".
	for _, r := range []struct {
		query string
		bound int64
	}{
		{`SELECT seq, line FROM postings WHERE seq < $1 ORDER BY seq, line LIMIT 1`, 1},
		{`SELECT seq, line FROM postings WHERE seq > $1 ORDER BY seq, line LIMIT 1`, v.seq},
	} {
		var seq int64
		var line int
		err := q.QueryRowxContext(ctx, r.query, r.bound).Scan(&seq, &line)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return err
		}
		v.fail(nil, "", fmt.Sprintf("posting %d numbered %d belongs to no entry of the chain, which holds entries 1 to %d", line, seq, v.seq))
		v.result.FirstBadEntry = &BadEntry{Seq: seq}
		return errFound
	}
	return nil
}

// verifier checks entries one by one, in sequence order; the file verifier
// of the exports uses it too. It adds in math/big, so no sum wraps.
type verifier struct {
	hasher entryHasher
	seq    int64
	hash   string
	sums   map[string]*big.Int // per account, of the postings checked
	// balances: the walk began at entry 1, so sums are the balances, each
	// of which must stay within ±MaxBalance after every entry.
	balances bool
	amount   big.Int // scratch
	result   *VerifyResult
}

func newVerifier() *verifier {
	return &verifier{hash: GenesisHash, sums: map[string]*big.Int{}, balances: true, result: &VerifyResult{}}
}

// sum returns the sum of the postings of account checked so far.
func (v *verifier) sum(account string) *big.Int {
	if s, ok := v.sums[account]; ok {
		return s
	}
	return new(big.Int)
}

// errFound ends a walk over the ledger at the first problem.
var errFound = errors.New("ledger: verification found a problem")

// formatBig writes minor units of cur, of any size, like FormatMinor.
func formatBig(minor *big.Int, cur fundus.Currency) string {
	return decimal.NewFromBigInt(minor, -cur.Digits).StringFixed(cur.Digits)
}

func (v *verifier) fail(e *Entry, account, problem string) *VerifyResult {
	if e != nil {
		v.result.FirstBadEntry = &BadEntry{ID: e.ID, Seq: e.Seq}
	}
	v.result.Account = account
	v.result.Problem = problem
	v.result.OK = false
	return v.result
}

// check checks e; it returns false (and fills the result) at the first
// problem.
func (v *verifier) check(e *Entry) bool {
	switch {
	case e.Seq != v.seq+1:
		if e.Seq > v.seq+1 {
			v.fail(e, "", fmt.Sprintf("entry %d is missing: entry %d follows entry %d", v.seq+1, e.Seq, v.seq))
			v.result.FirstBadEntry = &BadEntry{Seq: v.seq + 1}
		} else {
			v.fail(e, "", fmt.Sprintf("entry %d follows entry %d out of order", e.Seq, v.seq))
		}
		return false
	case e.PrevHash != v.hash:
		v.fail(e, "", fmt.Sprintf("the chain link is broken: prev_hash %.12s… is not the hash of entry %d (%.12s…)", e.PrevHash, v.seq, v.hash))
		return false
	}
	if want := v.hasher.hashBytes(e.PrevHash, e); e.Hash != string(want) {
		v.fail(e, "", fmt.Sprintf("the hash does not match the entry: stored %.12s…, computed %.12s… (the entry or its postings were altered)", e.Hash, want))
		return false
	}
	if len(e.Postings) < 2 {
		v.fail(e, "", fmt.Sprintf("the entry has %d posting(s); it needs at least two", len(e.Postings)))
		return false
	}
	if cur, sum := unbalanced(e.Postings); sum != nil {
		v.fail(e, "", fmt.Sprintf("the %s postings sum to %s, not zero", cur, formatBig(sum, currencyOf(cur))))
		return false
	}
	for _, p := range e.Postings {
		s, ok := v.sums[p.Account]
		if !ok {
			s = new(big.Int)
			v.sums[p.Account] = s
		}
		s.Add(s, v.amount.SetInt64(p.Amount.Minor))
	}
	if v.balances {
		for _, p := range e.Postings {
			if b := v.sums[p.Account]; b.CmpAbs(maxBalance) > 0 {
				v.fail(e, p.Account, fmt.Sprintf("the entry takes the balance of %s to %s, beyond ±%s, the largest balance Fundus allows (as 64-bit cents it may have wrapped around)",
					p.Account, formatBig(b, p.Amount.Unit()), fundus.FormatMinor(MaxBalance, p.Amount.Unit())))
				return false
			}
		}
	}
	v.seq, v.hash = e.Seq, e.Hash
	v.result.EntriesChecked++
	return true
}

// maxBalance is MaxBalance as a big.Int, only ever read.
var maxBalance = big.NewInt(MaxBalance)

// unbalanced returns a currency whose postings do not sum to zero and
// their sum, or nil. Postings of one currency whose sum fits 64 bits (an
// entry of Fundus's) are added without allocating; any other entry is
// added per currency in math/big, so no sum wraps.
func unbalanced(ps []Posting) (string, *big.Int) {
	var sum int64
	for _, p := range ps {
		next, ok := addMinor(sum, p.Amount.Minor)
		if !ok || p.Currency != ps[0].Currency {
			return unbalancedBig(ps)
		}
		sum = next
	}
	if sum != 0 {
		return ps[0].Currency, big.NewInt(sum)
	}
	return "", nil
}

// unbalancedBig is unbalanced in math/big, per currency, in the order in
// which the currencies first appear.
func unbalancedBig(ps []Posting) (string, *big.Int) {
	var curs []string
	per := map[string]*big.Int{}
	var a big.Int
	for _, p := range ps {
		if per[p.Currency] == nil {
			per[p.Currency] = new(big.Int)
			curs = append(curs, p.Currency)
		}
		per[p.Currency].Add(per[p.Currency], a.SetInt64(p.Amount.Minor))
	}
	for _, cur := range curs {
		if per[cur].Sign() != 0 {
			return cur, per[cur]
		}
	}
	return "", nil
}

// unknownAccount returns the first account (in order) that postings name
// but accts does not hold, or "". Only a tampered database has one: its
// postings would count in no stored balance.
func unknownAccount(sums map[string]*big.Int, accts []Account) string {
	known := make(map[string]bool, len(accts))
	for _, a := range accts {
		known[a.Code] = true
	}
	var unknown []string
	for code := range sums {
		if !known[code] {
			unknown = append(unknown, code)
		}
	}
	if len(unknown) == 0 {
		return ""
	}
	return slices.Min(unknown)
}
