package commit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
)

func newWriter(t *testing.T, d *db.DB) *commit.Writer {
	t.Helper()
	w, err := commit.NewWriter(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

func insertUser(tx *commit.Tx, id string) error {
	_, err := tx.ExecContext(tx.Context(), `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, 'n', 'h', $3)`, id, id+"@example.org", db.Now())
	return err
}

func users(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Get(&n, `SELECT count(*) FROM users`); err != nil {
		t.Fatal(err)
	}
	return n
}

// do runs fn alone in the write path.
func do(w *commit.Writer, fn func(tx *commit.Tx) error) error {
	_, err := commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) { return 0, fn(tx) })
	return err
}

func TestDo(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWriter(t, d)
		cases := []struct {
			name  string
			fn    func(tx *commit.Tx) error
			check func(t *testing.T, err error)
			users int
		}{
			{"commits", func(tx *commit.Tx) error { return insertUser(tx, "a") },
				func(t *testing.T, err error) {
					if err != nil {
						t.Fatal(err)
					}
				}, 1},
			{"an error undoes what the function wrote", func(tx *commit.Tx) error {
				if err := insertUser(tx, "b"); err != nil {
					return err
				}
				return errs.E(errs.InvalidState, "boom")
			}, func(t *testing.T, err error) {
				if !errs.Is(errs.InvalidState, err) {
					t.Fatalf("err = %v, want the function's own", err)
				}
			}, 1},
			{"a panic is an internal error and undoes the function", func(tx *commit.Tx) error {
				insertUser(tx, "c")
				panic("boom")
			}, func(t *testing.T, err error) {
				if !errs.Is(errs.Internal, err) || !strings.Contains(err.Error(), "panic: boom") {
					t.Fatalf("err = %v, want an internal error naming the panic", err)
				}
			}, 1},
			{"a unique violation reaches the caller", func(tx *commit.Tx) error { return insertUser(tx, "a") },
				func(t *testing.T, err error) {
					if !db.IsUniqueViolation(err) {
						t.Fatalf("err = %v, want a unique violation", err)
					}
				}, 1},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.check(t, do(w, c.fn))
				if n := users(t, d); n != c.users {
					t.Fatalf("%d users, want %d", n, c.users)
				}
			})
		}
	})
}

// TestRetries: a batch that fails with a serialization failure or
// deadlock runs again, each failed run rolled back, and gives up after
// db.MaxAttempts.
func TestRetries(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWriter(t, d)
		var calls int
		err := do(w, func(tx *commit.Tx) error {
			calls++
			if err := insertUser(tx, "r"); err != nil {
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
		if n := users(t, d); n != 1 {
			t.Fatalf("%d rows after retries, want 1 (each failed attempt must roll back)", n)
		}
		calls = 0
		err = do(w, func(tx *commit.Tx) error {
			calls++
			return &pgconn.PgError{Code: "40P01"}
		})
		if err == nil || calls != db.MaxAttempts {
			t.Fatalf("err = %v after %d calls, want failure after %d", err, calls, db.MaxAttempts)
		}
	})
}

// TestWaitsForAnotherProcess holds SQLite's write lock from a second
// handle on the same file (as `fundus user add` does next to a running
// server): the write path must wait for it, not fail with "database is
// locked".
func TestWaitsForAnotherProcess(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, db.SQLite)
	w := newWriter(t, d)
	tx, err := dbtest.Raw(t, d).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('x', 'x@example.org', 'n', 'h', $1)`, db.Now()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- do(w, func(tx *commit.Tx) error { return insertUser(tx, "y") }) }()
	select {
	case err := <-done:
		t.Fatalf("the write path finished while another process held the write lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the write path failed after the lock was released: %v", err)
	}
	if n := users(t, d); n != 2 {
		t.Fatalf("%d users, want 2", n)
	}
}

// TestOneWriterPerDatabase: a second write path on the same database is
// refused while the first runs, and may start once it is closed.
func TestOneWriterPerDatabase(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w, err := commit.NewWriter(d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := commit.NewWriter(d, nil); err == nil {
		t.Fatal("a second write path started on the same database")
	}
	w.Close()
	w2, err := commit.NewWriter(d, nil)
	if err != nil {
		t.Fatalf("after Close: %v", err)
	}
	w2.Close()
	if err := do(w2, func(*commit.Tx) error { return nil }); !errs.Is(errs.Internal, err) {
		t.Fatalf("a closed writer ran a function: %v", err)
	}
}

// TestFailedReadInIsolatedBatch: when a batch runs with each function in a
// savepoint, a function whose read fails (on PostgreSQL that aborts the
// transaction) fails alone; the function before it in the batch commits.
func TestFailedReadInIsolatedBatch(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		w := newWriter(t, d)
		release := make(chan struct{})
		blocked, running := make(chan error), make(chan struct{})
		go func() { blocked <- do(w, func(*commit.Tx) error { close(running); <-release; return nil }) }()
		<-running // the next two queue behind it, as one batch
		wrote, read := make(chan error), make(chan error)
		go func() { wrote <- do(w, func(tx *commit.Tx) error { return insertUser(tx, "w") }) }()
		for w.Queued() != 1 {
			time.Sleep(time.Millisecond)
		}
		go func() {
			read <- do(w, func(tx *commit.Tx) error {
				var n int
				return tx.Reader().QueryRowxContext(tx.Context(), `SELECT count(*) FROM no_such_table`).Scan(&n)
			})
		}()
		for w.Queued() != 2 {
			time.Sleep(time.Millisecond)
		}
		close(release)
		if err := <-blocked; err != nil {
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatalf("the function that wrote failed with its batch: %v", err)
		}
		if err := <-read; err == nil || !strings.Contains(err.Error(), "no_such_table") {
			t.Fatalf("err = %v, want the failed read's own", err)
		}
		if n := users(t, d); n != 1 {
			t.Fatalf("%d users, want 1", n)
		}
	})
}
