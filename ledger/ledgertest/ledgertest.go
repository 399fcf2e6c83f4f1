// Package ledgertest holds what tests of several packages need of the
// ledger.
package ledgertest

import "fundus/ledger"

// Value is the value of an outcome, for tests that need no more of it:
// v, err := ledgertest.Value(s.Confirm(...)).
func Value[T any](out ledger.Outcome[T], err error) (T, error) { return out.Value, err }
