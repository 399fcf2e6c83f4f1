package ledger

import (
	"fundus"
	"fundus/errs"
)

// MaxBalance is the largest absolute balance, in minor units, that an
// account may have: 10,000,000,000,000.00 EUR, which is also the largest
// FUNDUS_MAX_AMOUNT. Post refuses a posting that would take a balance
// beyond it, so every sum the ledger keeps or derives from balances (the
// available money, trial-balance totals) stays far inside int64 and never
// wraps; verification reports a balance beyond it.
const MaxBalance int64 = 1_000_000_000_000_000

// addMinor returns a+b and whether the sum fits in int64 (no wrap).
func addMinor(a, b int64) (int64, bool) {
	s := a + b
	return s, (b >= 0) == (s >= a)
}

// AddMinor returns a+b, or InvalidState when the sum would not fit in
// int64: a total of amounts never wraps around.
func AddMinor(a, b int64) (int64, error) {
	s, ok := addMinor(a, b)
	if !ok {
		return 0, errs.E(errs.Op("ledger.AddMinor"), errs.InvalidState, "a total does not fit in 64-bit cents")
	}
	return s, nil
}

// checkBalances returns InvalidState when a balance of accts is beyond
// ±MaxBalance, which only a tampered ledger holds: sums of balances are
// safe from wrapping once this passed (for up to 9,000 accounts).
func checkBalances(op errs.Op, accts []Account) error {
	for _, a := range accts {
		if !withinBalance(a.Balance.Minor) {
			return errs.Errorf(op, errs.InvalidState, "the balance of %s, %s, is beyond ±%s, which Fundus never writes; run fundus verify",
				a.Code, a.Balance, fundus.FormatMinor(MaxBalance, a.Balance.Unit()))
		}
	}
	return nil
}

// CheckBalance returns InvalidState when minor, a balance or a sum of
// account's postings, is beyond ±MaxBalance.
func CheckBalance(account string, minor int64) error {
	if !withinBalance(minor) {
		return errs.Errorf("ledger.CheckBalance", errs.InvalidState, "the sum of %s is beyond ±%s, which Fundus never writes; run fundus verify",
			account, fundus.FormatMinor(MaxBalance, fundus.EUR))
	}
	return nil
}

// withinBalance reports whether minor is a balance an account may have.
func withinBalance(minor int64) bool { return minor >= -MaxBalance && minor <= MaxBalance }
