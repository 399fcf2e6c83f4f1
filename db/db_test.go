package db_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
)

func TestMigrationsMatch(t *testing.T) {
	list := func(dir string) []string {
		t.Helper()
		entries, err := fs.ReadDir(db.Migrations, dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	s, p := list("migrations/sqlite"), list("migrations/postgres")
	if len(s) == 0 || !slices.Equal(s, p) {
		t.Fatalf("migrations differ between engines:\nsqlite:   %v\npostgres: %v", s, p)
	}
}

func TestMigrate(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		d := dbtest.OpenUnmigrated(t, e)
		ok, err := d.Migrated(ctx)
		if err == nil && ok {
			t.Fatal("a fresh database reports itself migrated")
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if ok, err := d.Migrated(ctx); err != nil || !ok {
			t.Fatalf("after Migrate: migrated=%v err=%v", ok, err)
		}
		// Migrating again is a no-op.
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestOpenRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"", "mysql://x", "sqlite://", "sqlite://:memory:", "fundus.db"} {
		if _, err := db.Open(context.Background(), u, db.Options{}); !errs.Is(errs.Invalid, err) {
			t.Errorf("Open(%q) = %v, want an Invalid error", u, err)
		}
	}
}

func TestSQLitePragmas(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
	} {
		for name, pool := range map[string]*sqlx.DB{"writer": d.Writer, "reader": d.DB} {
			var got string
			if err := pool.Get(&got, "PRAGMA "+c.pragma); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, c.pragma, got, c.want)
			}
		}
	}
	if _, err := d.DB.Exec(`DELETE FROM users`); err == nil {
		t.Error("the read pool accepted a write")
	}
}

func TestInTx(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := func(tx *sqlx.Tx, id string) error {
			_, err := tx.Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', $3)`, id, id+"@example.org", db.Now())
			return err
		}
		count := func() int {
			var n int
			if err := d.Get(&n, `SELECT count(*) FROM users`); err != nil {
				t.Fatal(err)
			}
			return n
		}
		t.Run("commits", func(t *testing.T) {
			if err := db.InTx(ctx, d, func(tx *sqlx.Tx) error { return insert(tx, "a") }); err != nil {
				t.Fatal(err)
			}
			if count() != 1 {
				t.Fatal("row not committed")
			}
		})
		t.Run("rolls back on error", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.InTx(ctx, d, func(tx *sqlx.Tx) error {
				if err := insert(tx, "b"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if count() != 1 {
				t.Fatal("row of a failed transaction was kept")
			}
		})
		t.Run("rolls back on panic", func(t *testing.T) {
			func() {
				defer func() {
					if recover() == nil {
						t.Fatal("panic was swallowed")
					}
				}()
				db.InTx(ctx, d, func(tx *sqlx.Tx) error {
					insert(tx, "c")
					panic("boom")
				})
			}()
			if count() != 1 {
				t.Fatal("row of a panicking transaction was kept")
			}
		})
		t.Run("unique violation", func(t *testing.T) {
			err := db.InTx(ctx, d, func(tx *sqlx.Tx) error { return insert(tx, "a") })
			if !db.IsUniqueViolation(err) {
				t.Fatalf("err = %v, want a unique violation", err)
			}
		})
	})
}

// TestInTxRetries checks that InTx runs a function again after a
// serialization failure, and gives up after MaxAttempts.
func TestInTxRetries(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var calls int
		err := db.InTx(ctx, d, func(tx *sqlx.Tx) error {
			calls++
			if _, err := tx.Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', $3)`, "r", "r@example.org", db.Now()); err != nil {
				return err
			}
			if calls < 3 {
				return errs.E(errs.Op("test"), &pgconn.PgError{Code: "40001"})
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Fatalf("err = %v after %d calls, want success after 3", err, calls)
		}
		var n int
		d.Get(&n, `SELECT count(*) FROM users`)
		if n != 1 {
			t.Fatalf("%d rows after retries, want 1 (each failed attempt must roll back)", n)
		}

		calls = 0
		err = db.InTx(ctx, d, func(tx *sqlx.Tx) error {
			calls++
			return &pgconn.PgError{Code: "40P01"}
		})
		if err == nil || calls != db.MaxAttempts {
			t.Fatalf("err = %v after %d calls, want failure after %d", err, calls, db.MaxAttempts)
		}
	})
}

// TestInTxWaitsForAnotherProcess holds SQLite's write lock from a second
// handle on the same file (as `fundus user add` does next to a running
// server): InTx must wait for it, not fail with "database is locked".
func TestInTxWaitsForAnotherProcess(t *testing.T) {
	ctx := context.Background()
	u := dbtest.URL(t, db.SQLite)
	open := func() *db.DB {
		d, err := db.Open(ctx, u, db.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	d, other := open(), open()
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err := other.Writer.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('x', 'x@example.org', 'n', 'h', $1)`, db.Now()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() {
		done <- db.InTx(ctx, d, func(tx *sqlx.Tx) error {
			_, err := tx.Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('y', 'y@example.org', 'n', 'h', $1)`, db.Now())
			return err
		})
	}()
	select {
	case err := <-done:
		t.Fatalf("InTx finished while another process held the write lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("InTx failed after the lock was released: %v", err)
	}
	var n int
	d.Get(&n, `SELECT count(*) FROM users`)
	if n != 2 {
		t.Fatalf("%d users, want 2", n)
	}
}
