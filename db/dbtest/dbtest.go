// Package dbtest opens fresh, migrated databases for tests, on every engine
// the environment offers.
//
// SQLite always runs, in a file under t.TempDir(). PostgreSQL runs when
// FUNDUS_TEST_POSTGRES_URL is set, each test in a schema of its own that is
// dropped afterwards. Without that variable the PostgreSQL half is skipped
// loudly; when FUNDUS_TEST_REQUIRE_POSTGRES=1 (as in CI) it fails instead.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// PostgresURLVar names the variable that holds the test server's URL.
const PostgresURLVar = "FUNDUS_TEST_POSTGRES_URL"

// RequirePostgresVar names the variable that turns a missing PostgreSQL
// into a failure.
const RequirePostgresVar = "FUNDUS_TEST_REQUIRE_POSTGRES"

// Engines runs fn as a subtest once per engine ("sqlite", "postgres"), each
// with a fresh migrated database.
func Engines(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	EachEngine(t, func(t *testing.T, e db.Engine) { fn(t, Open(t, e)) })
}

// EachEngine runs fn as a subtest once per engine, leaving the database to
// fn (see URL, Open, OpenUnmigrated).
func EachEngine(t *testing.T, fn func(t *testing.T, e db.Engine)) {
	t.Helper()
	for _, e := range []db.Engine{db.SQLite, db.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			if e == db.Postgres {
				requirePostgres(t)
			}
			fn(t, e)
		})
	}
}

// Open returns a fresh migrated database of engine e, closed (and on
// PostgreSQL dropped) when the test ends.
func Open(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	d := OpenUnmigrated(t, e)
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	return d
}

// URL returns a database URL for a fresh, empty database of engine e, and
// arranges for its removal when the test ends.
func URL(t testing.TB, e db.Engine) string {
	t.Helper()
	switch e {
	case db.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "fundus.db")
	case db.Postgres:
		return postgresSchema(t)
	}
	t.Fatalf("unknown engine %q", e)
	return ""
}

// OpenUnmigrated is Open without the migrations.
func OpenUnmigrated(t testing.TB, e db.Engine) *db.DB {
	t.Helper()
	u := URL(t, e)
	d, err := db.Open(context.Background(), u, db.Options{MaxReadConns: 8})
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { d.Close() })
	urls.Store(d, u)
	return d
}

// urls holds the URL each database of OpenUnmigrated was opened with.
var urls sync.Map

// Raw returns a pool of its own on the database d (opened by this
// package) that can write: for tests that play someone with direct access
// to the database (a tamperer), or need a table of their own. Fundus itself
// writes only through its write path (package commit); seed rows through
// it too (ledgertest.Exec).
func Raw(t testing.TB, d *db.DB) *sqlx.DB {
	t.Helper()
	u, ok := urls.Load(d)
	if !ok {
		t.Fatal("dbtest.Raw: the database was not opened by dbtest")
	}
	return RawURL(t, u.(string))
}

// RawURL is Raw for the database that rawURL names.
func RawURL(t testing.TB, rawURL string) *sqlx.DB {
	t.Helper()
	key := rawKey{t, rawURL}
	if p, ok := raws.Load(key); ok {
		return p.(*sqlx.DB)
	}
	p, err := openRaw(rawURL)
	if err != nil {
		t.Fatalf("dbtest.Raw: %v", err)
	}
	p.SetMaxOpenConns(1)
	raws.Store(key, p)
	t.Cleanup(func() { raws.Delete(key); p.Close() })
	return p
}

// SecondRaw is a raw connection to d apart from Raw's (which holds one),
// for tests of two transactions at once; it is closed when t ends.
func SecondRaw(t testing.TB, d *db.DB) *sqlx.Conn {
	t.Helper()
	u, ok := urls.Load(d)
	if !ok {
		t.Fatal("dbtest.SecondRaw: the database was not opened by dbtest")
	}
	second, err := openRaw(u.(string))
	if err != nil {
		t.Fatalf("dbtest.SecondRaw: %v", err)
	}
	t.Cleanup(func() { second.Close() })
	c, err := second.Connx(context.Background())
	if err != nil {
		t.Fatalf("dbtest.SecondRaw: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openRaw opens a pool for the database that rawURL names.
func openRaw(rawURL string) (*sqlx.DB, error) {
	if path, ok := strings.CutPrefix(rawURL, "sqlite://"); ok {
		return sqlx.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite")
	}
	return sqlx.Open("pgx", rawURL)
}

// raws holds the pools of Raw, one per test and database.
var raws sync.Map

type rawKey struct {
	t   testing.TB
	url string
}

var warnOnce sync.Once

// requirePostgres returns the test server's URL, or skips t loudly (or
// fails it, when required) without one.
func requirePostgres(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLVar)
	if base == "" {
		if os.Getenv(RequirePostgresVar) == "1" {
			t.Fatalf("%s is not set, but %s=1 requires the PostgreSQL tests to run", PostgresURLVar, RequirePostgresVar)
		}
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "\n*** %s is not set: PostgreSQL tests are SKIPPED (set it to run them) ***\n\n", PostgresURLVar)
		})
		t.Skipf("PostgreSQL tests SKIPPED: %s is not set", PostgresURLVar)
	}
	return base
}

// postgresSchema creates a schema of its own for t and returns a URL whose
// connections use it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := requirePostgres(t)
	admin, err := sqlx.Open("pgx", base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLVar, err)
	}
	defer admin.Close()
	var b [8]byte
	rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema on %s: %v", PostgresURLVar, err)
	}
	t.Cleanup(func() {
		admin, err := sqlx.Open("pgx", base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresURLVar, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Dump renders every row of tables, sorted, so that a test can check that a
// refused operation changed nothing: compare a Dump before and after.
func Dump(t interface{ Fatal(...any) }, d *db.DB, tables ...string) string {
	var b strings.Builder
	for _, table := range tables {
		rows, err := d.Queryx("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprint(vals...))
		}
		rows.Close()
		sort.Strings(lines)
		fmt.Fprintf(&b, "%s:\n%s\n", table, strings.Join(lines, "\n"))
	}
	return b.String()
}

// FewerChecks divides rapid's number of checks by n for the rest of t: a
// run on PostgreSQL (a schema of its own, migrated) takes several times
// as long as one on SQLite.
func FewerChecks(t *testing.T, n int) {
	f := flag.Lookup("rapid.checks")
	if f == nil {
		t.Fatal("dbtest.FewerChecks: the test does not use rapid")
	}
	was := f.Value.String()
	checks, err := strconv.Atoi(was)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Value.Set(strconv.Itoa(max(1, checks/n))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Value.Set(was) })
}
