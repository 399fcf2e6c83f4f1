package ledger_test

import (
	"testing"

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

func available(b map[string]int64) int64 {
	return b[ledger.Bank] + b[ledger.Clearing] + b[ledger.GrantsPayable]
}
