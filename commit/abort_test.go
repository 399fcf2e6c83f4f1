package commit_test

import (
	"fmt"
	"sync"
	"testing"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
)

// TestAReadThatFailsFailsOnlyItsFunction: a function whose read fails (on
// PostgreSQL that aborts the transaction) in a batch with functions that
// write and succeed fails alone; the others commit.
func TestAReadThatFailsFailsOnlyItsFunction(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWriter(t, d)
		const good, bad = 40, 40
		var wg sync.WaitGroup
		errsGood := make([]error, good)
		for i := range good + bad {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i < good {
					errsGood[i] = do(w, func(tx *commit.Tx) error { return insertUser(tx, fmt.Sprint("u", i)) })
					return
				}
				err := do(w, func(tx *commit.Tx) error {
					var n int
					return tx.Reader().QueryRowxContext(tx.Context(), `SELECT 1/(count(*) - count(*)) FROM users`).Scan(&n)
				})
				if err == nil {
					t.Error("a division by zero succeeded")
				}
			}()
		}
		wg.Wait()
		for i, err := range errsGood {
			if err != nil {
				t.Errorf("good function %d failed: %v", i, err)
			}
		}
		if n := users(t, d); n != good {
			t.Errorf("%d users, want %d", n, good)
		}
	})
}
