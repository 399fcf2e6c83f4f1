package db_test

import (
	"context"
	"testing"
	"time"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestWithSnapshotSeesWhatTheTransactionSees: a row committed after a read
// transaction began is not seen through WithSnapshot either, on
// PostgreSQL's second connection as on the transaction itself; nor with a
// read pool of one connection, where it falls back to the transaction.
func TestWithSnapshotSeesWhatTheTransactionSees(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		for _, conns := range []int{16, 1} {
			ctx := context.Background()
			d := dbtest.Open(t, e)
			d.SetMaxOpenConns(conns)
			count := `SELECT count(*) FROM users`
			tx, err := db.ReadTx(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			var before int
			if err := tx.QueryRowContext(ctx, count).Scan(&before); err != nil { // the snapshot begins
				t.Fatal(err)
			}
			if _, err := dbtest.Raw(t, d).Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', $3)`,
				db.NewID(), db.NewID()+"@example.org", time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			var seen int
			err = db.WithSnapshot(ctx, d, tx, func(q db.Querier) error {
				rows, err := q.Query(ctx, count)
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					if err := rows.Scan(&seen); err != nil {
						return err
					}
				}
				return rows.Err()
			})
			tx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			if seen != before {
				t.Errorf("read pool of %d: %d users through WithSnapshot, want the %d the transaction saw", conns, seen, before)
			}
			var now int
			if err := d.QueryRowContext(ctx, count).Scan(&now); err != nil || now != before+1 {
				t.Fatalf("read pool of %d: %d users now, want %d: %v", conns, now, before+1, err)
			}
		}
	})
}
