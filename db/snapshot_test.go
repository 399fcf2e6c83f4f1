package db_test

import (
	"context"
	"testing"
	"time"

	"fundus/db"
	"fundus/db/dbtest"

	"github.com/jmoiron/sqlx"
)

// TestWithSnapshotSeesWhatTheTransactionSees: a row committed after a read
// transaction began is not seen through any of WithSnapshot's Queriers
// either: on PostgreSQL as many connections of their own as the read pool
// can spare besides the transaction's (up to the two asked for), on SQLite
// or with a read pool of one connection the transaction itself.
func TestWithSnapshotSeesWhatTheTransactionSees(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		for _, c := range []struct{ conns, want int }{{16, 2}, {2, 1}, {1, 1}} {
			ctx := context.Background()
			d := dbtest.Open(t, e)
			d.SetMaxOpenConns(c.conns)
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
			read := func(q db.Querier, query string) (n int, err error) {
				rows, err := q.Query(ctx, query)
				if err != nil {
					return 0, err
				}
				defer rows.Close()
				for rows.Next() {
					if err := rows.Scan(&n); err != nil {
						return 0, err
					}
				}
				return n, rows.Err()
			}
			var txPID int
			if e == db.Postgres {
				if err := tx.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&txPID); err != nil {
					t.Fatal(err)
				}
			}
			var seen []int
			pids := map[int]bool{txPID: true}
			err = db.WithSnapshot(ctx, d, tx, 2, func(qs []db.Querier) error {
				want := c.want
				if e != db.Postgres {
					want = 1
				}
				if len(qs) != want {
					t.Errorf("read pool of %d: %d Queriers, want %d", c.conns, len(qs), want)
				}
				for _, q := range qs {
					n, err := read(q, count)
					if err != nil {
						return err
					}
					seen = append(seen, n)
					if e == db.Postgres && c.conns > 1 { // connections of their own
						pid, err := read(q, `SELECT pg_backend_pid()`)
						if err != nil {
							return err
						}
						if pids[pid] {
							t.Errorf("read pool of %d: backend %d serves two of the transaction and its Queriers", c.conns, pid)
						}
						pids[pid] = true
					}
				}
				return nil
			})
			tx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range seen {
				if n != before {
					t.Errorf("read pool of %d: %d users through WithSnapshot, want the %d the transaction saw", c.conns, n, before)
				}
			}
			var now int
			if err := d.QueryRowContext(ctx, count).Scan(&now); err != nil || now != before+1 {
				t.Fatalf("read pool of %d: %d users now, want %d: %v", c.conns, now, before+1, err)
			}
		}
	})
}

// TestWithSnapshotCallersDoNotWaitForEachOther: two callers, each holding
// its transaction, ask for two Queriers from a read pool of three. One
// gets a first connection and, the pool full, goes on with it alone
// instead of waiting for a second while the other waits for its first.
func TestWithSnapshotCallersDoNotWaitForEachOther(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		d := dbtest.Open(t, e)
		d.SetMaxOpenConns(3)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var txs [2]*sqlx.Tx
		for i := range txs {
			tx, err := db.ReadTx(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			txs[i] = tx
		}
		errs := make(chan error, len(txs))
		for _, tx := range txs {
			go func() {
				errs <- db.WithSnapshot(ctx, d, tx, 2, func(qs []db.Querier) error {
					rows, err := qs[0].Query(ctx, `SELECT count(*) FROM users`)
					if err != nil {
						return err
					}
					rows.Close()
					time.Sleep(50 * time.Millisecond) // hold the connections a while
					return nil
				})
			}()
		}
		for range txs {
			if err := <-errs; err != nil {
				t.Errorf("a caller: %v (waiting for the other?)", err)
			}
		}
	})
}
