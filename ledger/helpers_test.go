package ledger_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

var (
	treasurer = ledgertest.Treasurer
	auditor   = ledgertest.Auditor
	applicant = ledgertest.Actor{ID: "user-applicant"}
)

const maxAmount = ledgertest.MaxAmount

// dropAppendOnlyTriggers removes the triggers, as someone tampering with
// the database would.
func dropAppendOnlyTriggers(t testing.TB, d *db.DB) {
	t.Helper()
	stmts := []string{
		"DROP TRIGGER entries_append_only_update", "DROP TRIGGER entries_append_only_delete",
		"DROP TRIGGER postings_append_only_update", "DROP TRIGGER postings_append_only_delete",
	}
	if d.Engine == db.Postgres {
		stmts = []string{"DROP TRIGGER entries_append_only ON entries", "DROP TRIGGER postings_append_only ON postings"}
	}
	for _, s := range stmts {
		if _, err := dbtest.Raw(t, d).Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// dropForeignKeyChecks turns the checks of foreign keys off on the raw
// connection, as a tamperer with the database's superuser or its file can.
func dropForeignKeyChecks(t testing.TB, d *db.DB) {
	t.Helper()
	stmt := "PRAGMA foreign_keys = OFF"
	if d.Engine == db.Postgres {
		stmt = "SET session_replication_role = replica"
	}
	if _, err := dbtest.Raw(t, d).Exec(stmt); err != nil {
		t.Fatal(err)
	}
}

// rowCount counts table's rows through q.
func rowCount(t testing.TB, q sqlx.QueryerContext, table string) (n int) {
	t.Helper()
	if err := q.QueryRowxContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// foreignKeyRefused reports whether err is a foreign key's refusal, as
// either engine words it (PostgreSQL's 23503 also for the checks that
// replace its keys, migrations 00029 and 00030).
func foreignKeyRefused(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "23503") || strings.Contains(err.Error(), "FOREIGN KEY constraint failed"))
}

func available(b map[string]int64) int64 {
	return b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable]
}

// hashParam is the SQL of a query parameter holding a hash (64 hex
// characters) as the schema stores hashes: on PostgreSQL from migration
// 00028 on as bytes, else as the text. before00028 says the schema is
// migrated to an older version.
func hashParam(d *db.DB, param string, before00028 bool) string {
	if d.Engine == db.Postgres && !before00028 {
		return "decode(" + param + ", 'hex')"
	}
	return param
}

// acrossMigration runs check at the latest schema, after migrating down
// to version, and after migrating up again; step names the step, i numbers
// it, and latest says whether the schema is the latest.
func acrossMigration(t *testing.T, d *db.DB, version int64, check func(step string, i int, latest bool)) {
	t.Helper()
	ctx := context.Background()
	for i, step := range []struct {
		name string
		move func() error
	}{
		{"latest", func() error { return nil }},
		{fmt.Sprintf("down to %05d", version), func() error { return d.MigrateDownTo(ctx, version) }},
		{"up again", func() error { return d.Migrate(ctx) }},
	} {
		if err := step.move(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		check(step.name, i, i != 1)
	}
}
