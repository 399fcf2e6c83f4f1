package commit_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
)

// TestAReadThatFailsFailsOnlyItsFunction: a function whose read fails (on
// PostgreSQL that aborts the transaction) in a batch with functions that
// write and succeed fails alone, even when it drops the error; the others
// commit.
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
					// On PostgreSQL the second row fails, after the first was read.
					q := `WITH RECURSIVE x(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM x WHERE n < 3) SELECT 1/(n - 2) FROM x`
					if d.Engine == db.SQLite {
						q = `SELECT no_such_function()`
					}
					var ns []int
					err := sqlx.SelectContext(tx.Context(), tx.Reader(), &ns, q)
					if i%2 == 0 {
						return nil // the error is dropped: the function still fails
					}
					return err
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
