// Package ledgertest holds what tests of several packages need of the
// write path and the ledger.
package ledgertest

import (
	"context"
	"testing"
	"time"

	"fundus/audit"
	"fundus/commit"
	"fundus/db"
	"fundus/ledger"
)

// Value is the value of an outcome, for tests that need no more of it:
// v, err := ledgertest.Value(s.Confirm(...)).
func Value[T any](out commit.Outcome[T], err error) (T, error) { return out.Value, err }

// Writer starts the write path of d as the server does (the ledger and the
// audit trail take part), closed when the test ends. now is the clock
// (nil: time.Now).
func Writer(t testing.TB, d *db.DB, now func() time.Time) *commit.Writer {
	t.Helper()
	w, err := commit.NewWriter(d, now, ledger.Book, audit.Trail)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// Exec runs a statement through the write path w, for tests that seed rows
// no domain function writes (users without passwords, say).
func Exec(t testing.TB, w *commit.Writer, q string, args ...any) {
	t.Helper()
	_, err := commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
		_, err := tx.ExecContext(tx.Context(), q, args...)
		return 0, err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}
