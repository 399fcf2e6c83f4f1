package db_test

import (
	"context"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestReadPoolCannotBeTurnedWritable: a statement on a read connection that
// switches its session back to writing (SQLite's PRAGMA query_only = 0,
// PostgreSQL's SET default_transaction_read_only = off) does not make the
// connection, or the next user of the pool, able to write.
func TestReadPoolCannotBeTurnedWritable(t *testing.T) {
	unlock := map[db.Engine][]string{
		db.SQLite:   {`PRAGMA query_only = 0`},
		db.Postgres: {`SET default_transaction_read_only = off`, `SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE`},
	}
	insert := `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('x', 'x@example.org', 'n', 'h', $1)`
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		for _, stmt := range unlock[e] {
			t.Run(stmt, func(t *testing.T) {
				ctx := context.Background()
				d := dbtest.Open(t, e)
				d.SetMaxOpenConns(1) // the next statement gets the same connection
				c, err := d.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				_, err = c.ExecContext(ctx, stmt)
				if err == nil && e == db.SQLite {
					if _, err := c.ExecContext(ctx, insert, db.Now()); err == nil {
						t.Error("the read connection wrote after " + stmt)
					}
				}
				c.Close()
				if _, err := d.ExecContext(ctx, insert, db.Now()); err == nil {
					t.Error("the read pool wrote after " + stmt)
				}
				var n int
				if err := dbtest.Raw(t, d).Get(&n, `SELECT count(*) FROM users`); err != nil || n != 0 {
					t.Fatalf("%d users (%v), want 0", n, err)
				}
			})
		}
	})
}
