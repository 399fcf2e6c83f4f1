package db_test

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

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

// A database that a newer version migrated further is not ready for this
// one, and migrating it again refuses it (so does every command, through
// Migrate) and does not make it ready.
func TestMigratedRefusesADatabaseAhead(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, e db.Engine) {
		ctx := context.Background()
		d := dbtest.Open(t, e)
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, $2)`, 99999, true); err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"as found", "after Migrate"} {
			ok, err := d.Migrated(ctx)
			if ok || !errors.Is(err, db.ErrAhead) || !strings.Contains(err.Error(), "99999") {
				t.Fatalf("%s: migrated=%v err=%v, want ErrAhead naming 99999", step, ok, err)
			}
			if err := d.Migrate(ctx); !errors.Is(err, db.ErrAhead) {
				t.Fatalf("%s: Migrate = %v, want ErrAhead", step, err)
			}
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
		for name, pool := range map[string]*sqlx.DB{"writer": db.WriterPool(d), "reader": d.DB} {
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

// TestOnlyTheWritePathWrites: the read handle refuses every write on both
// engines, and the writer is handed out once (to the write path) until it
// is given back.
func TestOnlyTheWritePathWrites(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		insert := `INSERT INTO users (id, email, name, password_hash, created_at) VALUES ('x', 'x@example.org', 'n', 'h', $1)`
		if _, err := d.ExecContext(ctx, insert, db.Now()); err == nil {
			t.Error("the read handle accepted an INSERT")
		}
		if tx, err := d.BeginTxx(ctx, nil); err == nil {
			if _, err := tx.ExecContext(ctx, insert, db.Now()); err == nil {
				t.Error("a transaction of the read handle accepted an INSERT")
			}
			tx.Rollback()
		}
		var n int
		if err := d.Get(&n, `SELECT count(*) FROM users`); err != nil || n != 0 {
			t.Fatalf("%d users (%v), want 0", n, err)
		}
		w, err := d.TakeWriter()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.TakeWriter(); err == nil {
			t.Fatal("the writer was handed out twice")
		}
		conn, tx, err := w.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, insert, db.Now()); err != nil {
			t.Fatalf("the writer refused: %v", err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		w.Release()
		w, err = d.TakeWriter()
		if err != nil {
			t.Fatalf("the writer given back cannot be taken again: %v", err)
		}
		w.Release()
	})
}
