package db_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"fundus/db"
	"fundus/db/dbtest"
)

// TestSchemasMatch migrates a fresh database on each engine, reads its
// schema back from the engine's catalog, and compares the two, so that the
// migration folders cannot drift apart unnoticed. Each schema is rendered as
// lines of facts ("table: fact") that read the same on both engines:
//
//	users: column email text not null
//	users: column active boolean not null default
//	users: primary key (id)
//	users: unique (email)
//	sessions: index sessions_user (user_id)
//	donations: index donations_ledger_entry (ledger_entry_id) where ledger_entry_id is not null
//	donations: foreign key (ledger_entry_id) -> entries (id) on delete no action deferred
//	user_roles: check (role) = 'admin' 'applicant' 'auditor' 'committee' 'treasurer'
//	entries: has triggers
//
// Types are compared by class (integer, text, time, bytes, boolean,
// numeric), defaults by presence ("default", or "generated" for identity
// and AUTOINCREMENT columns), CHECK constraints by the columns, comparison
// operators and literals they name (the engines print expressions
// differently: IN against = ANY (ARRAY[...]), BETWEEN against two
// comparisons; see checkLine), and triggers only by
// the tables that have some, since their bodies are written per dialect.
// A difference the engines cannot share is listed in allowedSchemaDiffs.
func TestSchemasMatch(t *testing.T) {
	sqlite := readSQLiteSchema(t, dbtest.Open(t, db.SQLite))
	// Open fails, or skips loudly, as the other PostgreSQL tests do.
	postgres := readPostgresSchema(t, dbtest.Open(t, db.Postgres))
	if len(sqlite) == 0 || len(postgres) == 0 {
		t.Fatalf("read no schema: %d lines from sqlite, %d from postgres", len(sqlite), len(postgres))
	}
	onlySQLite, onlyPostgres := diffLines(sqlite, postgres)
	for _, a := range allowedSchemaDiffs {
		for _, side := range []struct {
			line string
			only *[]string
			name string
		}{{a.sqlite, &onlySQLite, "sqlite"}, {a.postgres, &onlyPostgres, "postgres"}} {
			if side.line == "" {
				continue
			}
			i := slices.Index(*side.only, side.line)
			if i < 0 {
				t.Errorf("allowed difference no longer occurs, remove it from allowedSchemaDiffs: %s has no line %q of its own", side.name, side.line)
				continue
			}
			*side.only = slices.Delete(*side.only, i, i+1)
		}
	}
	if len(onlySQLite)+len(onlyPostgres) > 0 {
		var b strings.Builder
		b.WriteString("the schemas of the engines differ after migration (fix the migration of the engine that is wrong, or allow the difference with its reason in allowedSchemaDiffs):\n")
		for _, l := range onlySQLite {
			fmt.Fprintf(&b, "  only sqlite:   %s\n", l)
		}
		for _, l := range onlyPostgres {
			fmt.Fprintf(&b, "  only postgres: %s\n", l)
		}
		t.Error(b.String())
	}
}

// allowedSchemaDiffs are the differences between the engines' schemas that
// are meant. Each names the line only SQLite has, the line only PostgreSQL
// has (either may be empty), and why. An allowance that no longer occurs
// fails the test, so the list stays true.
var allowedSchemaDiffs = []struct{ sqlite, postgres, reason string }{
	{
		sqlite:   "entries: column date text not null default",
		postgres: "entries: column date text not null",
		reason: "SQLite's ALTER TABLE ADD COLUMN needs a default for a NOT NULL column (migration 00009) and cannot drop " +
			"it without rebuilding the append-only entries table; PostgreSQL fills the column first and needs none. " +
			"The ledger always writes the date.",
	},
	// Migration 00026: on PostgreSQL the entries that reverse nothing and
	// those without a cause are left out of two indexes (two b-tree
	// inserts fewer per manual entry in the WAL). SQLite's unique
	// (reverses) is the table's own constraint, which only a rebuild of
	// the append-only table could change, and its planner would not use an
	// index with the condition ref_type <> '' for ref_type = 'application'.
	{sqlite: "entries: unique (reverses)", postgres: "entries: index entries_reverses_key unique (reverses) where reverses is not null", reason: "00026, see above"},
	{sqlite: "entries: index entries_ref (ref_type, ref_id)", postgres: "entries: index entries_ref (ref_type, ref_id) where ref_type < > ''", reason: "00026, see above"},
	// Migration 00027: on PostgreSQL two columns that grow with their
	// rows' order are indexed by block ranges (a WAL record per range, not
	// per row); SQLite has no such index. SQLite keeps the idempotency
	// records in their key's b-tree (WITHOUT ROWID); PostgreSQL's tables
	// are heaps.
	{sqlite: "audit_log: index audit_log_time (time)", postgres: "audit_log: index audit_log_time (time) using brin", reason: "00027, see above"},
	{sqlite: "entries: index entries_date (date)", postgres: "entries: index entries_date (date) using brin", reason: "00027, see above"},
	{sqlite: "idempotency_keys: without rowid", reason: "00027, see above"},
	// Also 00027: PostgreSQL drops the audit trail's unique (id), which no
	// query reads by; on SQLite it is the table's own constraint, which
	// only a rebuild of the table could change.
	{sqlite: "audit_log: unique (id)", reason: "00027, see above"},
	// Migration 00028: PostgreSQL stores entries' ids, the columns that
	// name an entry and audit records' ids as uuids, and the chain's hashes
	// as their 32 bytes; SQLite, which writes whole pages per commit, keeps
	// the text (both read as the same text: ledger/store.go, hashColumn).
	{sqlite: "entries: column hash text not null", postgres: "entries: column hash bytes not null", reason: "00028, see above"},
	{sqlite: "entries: column prev_hash text not null", postgres: "entries: column prev_hash bytes not null", reason: "00028, see above"},
	{sqlite: "ledger_head: column hash text not null", postgres: "ledger_head: column hash bytes not null", reason: "00028, see above"},
	{sqlite: "audit_log: column id text not null", postgres: "audit_log: column id uuid not null", reason: "00028, see above"},
	{sqlite: "entries: column id text not null", postgres: "entries: column id uuid not null", reason: "00028, see above"},
	{sqlite: "entries: column reverses text", postgres: "entries: column reverses uuid", reason: "00028, see above"},
	{sqlite: "donations: column ledger_entry_id text", postgres: "donations: column ledger_entry_id uuid", reason: "00028, see above"},
	{sqlite: "donations: column refund_entry_id text", postgres: "donations: column refund_entry_id uuid", reason: "00028, see above"},
	{sqlite: "applications: column decision_entry_id text", postgres: "applications: column decision_entry_id uuid", reason: "00028, see above"},
	{sqlite: "applications: column close_entry_id text", postgres: "applications: column close_entry_id uuid", reason: "00028, see above"},
	{sqlite: "disbursements: column ledger_entry_id text", postgres: "disbursements: column ledger_entry_id uuid", reason: "00028, see above"},
	{sqlite: "bank_lines: column entry_id text", postgres: "bank_lines: column entry_id uuid", reason: "00028, see above"},
	// Migration 00029: PostgreSQL checks a posting's entry once per
	// statement (the trigger postings_have_entries) instead of by a
	// foreign key, whose row lock is a WAL record per entry there; SQLite's
	// foreign key writes nothing for its check.
	{sqlite: "postings: foreign key (seq) -> entries (seq) on delete no action", reason: "00029, see above"},
	// Migration 00030: the same for a posting's account (the trigger
	// postings_have_accounts); PostgreSQL's accounts have a guard of their
	// own instead (accounts_keep_posted: a posted account is neither
	// deleted nor renamed nor truncated away).
	{sqlite: "postings: foreign key (account) -> accounts (code) on delete no action", postgres: "accounts: has triggers", reason: "00030, see above"},
	// Migration 00025: SQLite keeps the postings in their key's b-tree
	// (entry_seq, n), so a chunk's postings are one range of one b-tree.
	{sqlite: "postings: without rowid", reason: "00025, see above"},
	// Migration 00005: SQLite looks for the rows that point at an entry
	// when the entry resolves a deferred foreign key, and scans the table
	// without these indexes; PostgreSQL checks from the pointing row
	// through entries' primary key, so there they would only cost writes.
	{sqlite: "applications: index applications_close_entry (close_entry_id) where close_entry_id is not null", reason: "00005, see above"},
	{sqlite: "applications: index applications_decision_entry (decision_entry_id) where decision_entry_id is not null", reason: "00005, see above"},
	{sqlite: "disbursements: index disbursements_ledger_entry (ledger_entry_id) where ledger_entry_id is not null", reason: "00005, see above"},
	{sqlite: "donations: index donations_ledger_entry (ledger_entry_id) where ledger_entry_id is not null", reason: "00005, see above"},
	{sqlite: "donations: index donations_refund_entry (refund_entry_id) where refund_entry_id is not null", reason: "00005, see above"},
}

// skippedTables are not compared: goose's bookkeeping (goose creates it in
// each dialect's own way) and SQLite's internal tables (sqlite_sequence for
// AUTOINCREMENT), which are filtered by their prefix.
var skippedTables = []string{"goose_db_version"}

// diffLines returns the lines only a has and the lines only b has.
func diffLines(a, b []string) (onlyA, onlyB []string) {
	for _, l := range a {
		if !slices.Contains(b, l) {
			onlyA = append(onlyA, l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			onlyB = append(onlyB, l)
		}
	}
	return onlyA, onlyB
}

// typeClass maps a column type as either engine names it to its class.
func typeClass(t *testing.T, typ string) string {
	t.Helper()
	typ = strings.ToLower(strings.TrimSpace(typ))
	if i := strings.IndexByte(typ, '('); i >= 0 {
		typ = strings.TrimSpace(typ[:i])
	}
	switch typ {
	case "integer", "int", "bigint", "smallint":
		return "integer"
	case "text", "varchar", "character varying", "character", "char":
		return "text"
	case "datetime", "timestamp", "timestamptz", "timestamp with time zone", "timestamp without time zone", "date":
		return "time"
	case "blob", "bytea":
		return "bytes"
	case "uuid":
		return "uuid"
	case "boolean", "bool":
		return "boolean"
	case "numeric", "decimal":
		return "numeric"
	}
	t.Errorf("column type %q has no class: add it to typeClass", typ)
	return typ
}

func columnLine(table, column, class string, notNull bool, def string) string {
	l := table + ": column " + column + " " + class
	if notNull {
		l += " not null"
	}
	if def != "" {
		l += " " + def
	}
	return l
}

// checkLine renders a CHECK constraint by the columns of table its
// expression names, its comparison operators and its literals, each sorted.
// The operators are read as PostgreSQL prints them: x IN (...) as =
// (= ANY (ARRAY[...])), NOT IN as <>, BETWEEN as >= and <=, != as <>.
func checkLine(table string, columns []string, expr []token) string {
	var cols, ops, lits []string
	toks := stripCasts(expr)
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		switch {
		case tok.kind == identToken && slices.Contains(columns, tok.text):
			if !slices.Contains(cols, tok.text) {
				cols = append(cols, tok.text)
			}
		case tok.kind == stringToken, tok.kind == numberToken:
			lits = append(lits, tok.String())
		case tok.isWord("not") && i+1 < len(toks) && toks[i+1].isWord("in"):
			ops = append(ops, "<>")
			i++
		case tok.isWord("in"):
			ops = append(ops, "=")
		case tok.isWord("between"):
			ops = append(ops, ">=", "<=")
		case tok.kind == punctToken && strings.Contains("<>=!", tok.text):
			op := tok.text
			for i+1 < len(toks) && toks[i+1].kind == punctToken && strings.Contains("<>=!", toks[i+1].text) {
				i++
				op += toks[i].text
			}
			if op == "!=" {
				op = "<>"
			}
			ops = append(ops, op)
		}
	}
	slices.Sort(cols)
	slices.Sort(ops)
	slices.Sort(lits)
	return strings.Join(append([]string{table + ": check (" + strings.Join(cols, ", ") + ")"}, append(ops, lits...)...), " ")
}

// predicateText renders an index's WHERE clause in one form for both
// engines: no parentheses, no casts, keywords and names in lower case.
func predicateText(expr []token) string {
	var words []string
	for _, tok := range stripCasts(expr) {
		if tok.kind == punctToken && (tok.text == "(" || tok.text == ")") {
			continue
		}
		words = append(words, tok.String())
	}
	return strings.Join(words, " ")
}

func indexLine(table, name string, unique bool, columns []string, where string) string {
	l := table + ": "
	switch {
	case name == "": // backs a UNIQUE constraint
		l += "unique"
	case unique:
		l += "index " + name + " unique"
	default:
		l += "index " + name
	}
	l += " (" + strings.Join(columns, ", ") + ")"
	if where != "" {
		l += " where " + where
	}
	return l
}

func foreignKeyLine(table string, from []string, to string, toColumns []string, onDelete string, deferred bool) string {
	l := fmt.Sprintf("%s: foreign key (%s) -> %s (%s) on delete %s", table, strings.Join(from, ", "), to, strings.Join(toColumns, ", "), strings.ToLower(onDelete))
	if deferred {
		l += " deferred"
	}
	return l
}

func skipped(table string) bool {
	return strings.HasPrefix(table, "sqlite_") || slices.Contains(skippedTables, table)
}

// readSQLiteSchema reads d's schema from sqlite_master and the pragmas;
// CHECK constraints, deferred foreign keys and AUTOINCREMENT, which no pragma
// reports, come from the CREATE TABLE text.
func readSQLiteSchema(t *testing.T, d *db.DB) []string {
	t.Helper()
	var objects []struct {
		Type, Name, Table string
		SQL               *string
	}
	if err := d.Select(&objects, `SELECT type, name, tbl_name AS "table", sql FROM sqlite_master ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	sqlOf := map[string]string{}
	for _, o := range objects {
		if o.SQL != nil {
			sqlOf[o.Name] = *o.SQL
		}
	}
	var lines []string
	for _, o := range objects {
		if skipped(o.Table) {
			continue
		}
		if o.Type == "trigger" {
			lines = append(lines, o.Table+": has triggers")
		}
		if o.Type != "table" {
			continue
		}
		table := o.Name
		lines = append(lines, table+": table")
		var withoutRowid bool
		if err := d.Get(&withoutRowid, `SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = $1`, table); err != nil {
			t.Fatal(err)
		}
		if withoutRowid {
			lines = append(lines, table+": without rowid")
		}
		def := parseCreateTable(t, table, sqlOf[table])

		var columns []struct {
			Name, Type string
			NotNull    bool `db:"notnull"`
			HasDefault bool `db:"has_default"`
			PK         int  `db:"pk"`
		}
		if err := d.Select(&columns, `SELECT name, type, "notnull", dflt_value IS NOT NULL AS has_default, pk FROM pragma_table_info($1) ORDER BY cid`, table); err != nil {
			t.Fatal(err)
		}
		var names []string
		pk := map[int]string{}
		for _, c := range columns {
			names = append(names, c.Name)
			dflt := ""
			switch {
			case slices.Contains(def.autoincrement, c.Name):
				dflt = "generated"
			case c.HasDefault:
				dflt = "default"
			}
			// SQLite lets NULL into a PRIMARY KEY column not declared
			// NOT NULL (a quirk it keeps for old schemas); PostgreSQL
			// makes every primary key column NOT NULL. Fundus never
			// writes a NULL key, so a key column counts as NOT NULL.
			lines = append(lines, columnLine(table, c.Name, typeClass(t, c.Type), c.NotNull || c.PK > 0, dflt))
			if c.PK > 0 {
				pk[c.PK] = c.Name
			}
		}
		if len(pk) > 0 {
			var cols []string
			for i := 1; i <= len(pk); i++ {
				cols = append(cols, pk[i])
			}
			lines = append(lines, table+": primary key ("+strings.Join(cols, ", ")+")")
		}

		var indexes []struct {
			Name    string
			Unique  bool
			Origin  string
			Partial bool
		}
		if err := d.Select(&indexes, `SELECT name, "unique", origin, partial FROM pragma_index_list($1)`, table); err != nil {
			t.Fatal(err)
		}
		for _, ix := range indexes {
			if ix.Origin == "pk" {
				continue // in the primary key line
			}
			var cols []*string
			if err := d.Select(&cols, `SELECT name FROM pragma_index_info($1) ORDER BY seqno`, ix.Name); err != nil {
				t.Fatal(err)
			}
			var colNames []string
			for _, c := range cols {
				if c == nil {
					colNames = append(colNames, "<expression>")
				} else {
					colNames = append(colNames, *c)
				}
			}
			where := ""
			if ix.Partial {
				toks := tokenize(t, sqlOf[ix.Name])
				i := slices.IndexFunc(toks, func(tok token) bool { return tok.isWord("where") })
				if i < 0 {
					t.Fatalf("partial index %s: no WHERE in %q", ix.Name, sqlOf[ix.Name])
				}
				where = predicateText(toks[i+1:])
			}
			name := ix.Name
			if ix.Origin == "u" {
				name = ""
			}
			lines = append(lines, indexLine(table, name, ix.Unique, colNames, where))
		}

		var fks []struct {
			ID       int
			Table    string
			From     string
			To       *string
			OnDelete string `db:"on_delete"`
		}
		if err := d.Select(&fks, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list($1) ORDER BY id, seq`, table); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(fks); {
			j := i
			var from, to []string
			for ; j < len(fks) && fks[j].ID == fks[i].ID; j++ {
				from = append(from, fks[j].From)
				if fks[j].To == nil {
					t.Fatalf("%s: foreign key (%s) names no columns of %s: name them", table, fks[j].From, fks[j].Table)
				}
				to = append(to, *fks[j].To)
			}
			lines = append(lines, foreignKeyLine(table, from, fks[i].Table, to, fks[i].OnDelete, def.deferred[strings.Join(from, ",")]))
			i = j
		}
		for _, c := range def.checks {
			lines = append(lines, checkLine(table, names, c))
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

// createTable is what readSQLiteSchema takes from a CREATE TABLE text.
type createTable struct {
	checks        [][]token       // each CHECK's expression
	deferred      map[string]bool // foreign keys by their columns (comma-joined): DEFERRABLE INITIALLY DEFERRED
	autoincrement []string        // columns declared AUTOINCREMENT
}

// parseCreateTable reads the CHECK constraints, the deferred foreign keys
// and the AUTOINCREMENT column of a CREATE TABLE statement. SQLite keeps the
// statement's text, ALTER TABLE ADD COLUMN included.
func parseCreateTable(t *testing.T, table, stmt string) createTable {
	t.Helper()
	toks := tokenize(t, stmt)
	open := slices.IndexFunc(toks, func(tok token) bool { return tok.kind == punctToken && tok.text == "(" })
	if open < 0 {
		t.Fatalf("%s: cannot read %q", table, stmt)
	}
	ct := createTable{deferred: map[string]bool{}}
	// Split the body at its top-level commas into column and table
	// constraint definitions.
	var defs [][]token
	start, depth := open+1, 0
	for i := open + 1; i < len(toks); i++ {
		if toks[i].kind != punctToken {
			continue
		}
		switch toks[i].text {
		case "(":
			depth++
		case ")":
			if depth == 0 {
				defs = append(defs, toks[start:i])
				start = len(toks)
				i = len(toks)
				continue
			}
			depth--
		case ",":
			if depth == 0 {
				defs = append(defs, toks[start:i])
				start = i + 1
			}
		}
	}
	for _, def := range defs {
		if len(def) == 0 {
			continue
		}
		for i, tok := range def {
			if tok.isWord("check") {
				ct.checks = append(ct.checks, parenthesized(t, table, def[i+1:]))
			}
		}
		var from []string
		switch {
		case def[0].isWord("constraint"), def[0].isWord("primary"), def[0].isWord("unique"), def[0].isWord("check"):
			if i := slices.IndexFunc(def, func(tok token) bool { return tok.isWord("foreign") }); i >= 0 {
				for _, tok := range parenthesized(t, table, def[i+2:]) {
					if tok.kind == identToken {
						from = append(from, tok.text)
					}
				}
			}
		case def[0].isWord("foreign"):
			for _, tok := range parenthesized(t, table, def[2:]) {
				if tok.kind == identToken {
					from = append(from, tok.text)
				}
			}
		default: // a column
			if slices.ContainsFunc(def, func(tok token) bool { return tok.isWord("autoincrement") }) {
				ct.autoincrement = append(ct.autoincrement, def[0].text)
			}
			if slices.ContainsFunc(def, func(tok token) bool { return tok.isWord("references") }) {
				from = []string{def[0].text}
			}
		}
		if from != nil {
			// Only DEFERRABLE INITIALLY DEFERRED defers the check on
			// SQLite; DEFERRABLE alone counts as immediate there, and
			// SQLite has no SET CONSTRAINTS to defer it later.
			for i := 0; i+2 < len(def); i++ {
				if def[i].isWord("deferrable") && def[i+1].isWord("initially") && def[i+2].isWord("deferred") && (i == 0 || !def[i-1].isWord("not")) {
					ct.deferred[strings.Join(from, ",")] = true
				}
			}
		}
	}
	return ct
}

// parenthesized returns the tokens inside the parentheses that toks starts
// with.
func parenthesized(t *testing.T, table string, toks []token) []token {
	t.Helper()
	if len(toks) == 0 || toks[0].kind != punctToken || toks[0].text != "(" {
		t.Fatalf("%s: want ( at %v", table, toks)
	}
	depth := 0
	for i, tok := range toks {
		if tok.kind != punctToken {
			continue
		}
		switch tok.text {
		case "(":
			depth++
		case ")":
			depth--
			if depth == 0 {
				return toks[1:i]
			}
		}
	}
	t.Fatalf("%s: unbalanced parentheses in %v", table, toks)
	return nil
}

// readPostgresSchema reads the schema of d's current schema from
// information_schema and pg_catalog.
func readPostgresSchema(t *testing.T, d *db.DB) []string {
	t.Helper()
	var lines []string
	var columns []struct {
		Table, Name, Type string
		NotNull           bool `db:"not_null"`
		Default           *string
		Identity          bool
	}
	if err := d.Select(&columns, `
		SELECT c.table_name AS "table", c.column_name AS name, c.data_type AS type, c.is_nullable = 'NO' AS not_null,
		       c.column_default AS "default", c.is_identity = 'YES' AS identity
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`); err != nil {
		t.Fatal(err)
	}
	columnsOf := map[string][]string{}
	for _, c := range columns {
		if skipped(c.Table) {
			continue
		}
		if columnsOf[c.Table] == nil {
			lines = append(lines, c.Table+": table")
		}
		columnsOf[c.Table] = append(columnsOf[c.Table], c.Name)
		dflt := ""
		switch {
		case c.Identity, c.Default != nil && strings.HasPrefix(*c.Default, "nextval("):
			dflt = "generated"
		case c.Default != nil:
			dflt = "default"
		}
		lines = append(lines, columnLine(c.Table, c.Name, typeClass(t, c.Type), c.NotNull, dflt))
	}

	var indexes []struct {
		Table, Name        string
		Primary, Unique    bool
		Constraint         bool
		Columns, Predicate string
		Method             string
	}
	if err := d.Select(&indexes, `
		SELECT t.relname AS "table", ic.relname AS name, i.indisprimary AS "primary", i.indisunique AS "unique", am.amname AS method,
		       EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x')) AS "constraint",
		       array_to_string(ARRAY(SELECT pg_get_indexdef(i.indexrelid, n, true) FROM generate_series(1, i.indnkeyatts) n ORDER BY n), e'\x1f') AS columns,
		       COALESCE(pg_get_expr(i.indpred, i.indrelid, true), '') AS predicate
		FROM pg_index i
		JOIN pg_class t ON t.oid = i.indrelid
		JOIN pg_class ic ON ic.oid = i.indexrelid
		JOIN pg_am am ON am.oid = ic.relam
		WHERE t.relnamespace = current_schema()::regnamespace`); err != nil {
		t.Fatal(err)
	}
	for _, ix := range indexes {
		if skipped(ix.Table) {
			continue
		}
		var cols []string
		for _, c := range strings.Split(ix.Columns, "\x1f") {
			cols = append(cols, strings.Trim(c, `"`))
		}
		where := ""
		if ix.Predicate != "" {
			where = predicateText(tokenize(t, ix.Predicate))
		}
		switch {
		case ix.Primary:
			lines = append(lines, ix.Table+": primary key ("+strings.Join(cols, ", ")+")")
		case ix.Constraint:
			lines = append(lines, indexLine(ix.Table, "", true, cols, where))
		case ix.Method != "btree": // SQLite's indexes are all b-trees
			lines = append(lines, indexLine(ix.Table, ix.Name, ix.Unique, cols, where)+" using "+ix.Method)
		default:
			lines = append(lines, indexLine(ix.Table, ix.Name, ix.Unique, cols, where))
		}
	}

	var fks []struct {
		Table, From, To, ToColumns string
		OnDelete                   string `db:"on_delete"`
		Deferred                   bool
	}
	if err := d.Select(&fks, `
		SELECT t.relname AS "table", f.relname AS "to",
		       array_to_string(ARRAY(SELECT a.attname FROM unnest(k.conkey) WITH ORDINALITY u(n, o)
		           JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.o), ',') AS "from",
		       array_to_string(ARRAY(SELECT a.attname FROM unnest(k.confkey) WITH ORDINALITY u(n, o)
		           JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.o), ',') AS tocolumns,
		       CASE k.confdeltype WHEN 'a' THEN 'no action' WHEN 'r' THEN 'restrict' WHEN 'c' THEN 'cascade'
		           WHEN 'n' THEN 'set null' WHEN 'd' THEN 'set default' END AS on_delete,
		       k.condeferred AS deferred
		FROM pg_constraint k
		JOIN pg_class t ON t.oid = k.conrelid
		JOIN pg_class f ON f.oid = k.confrelid
		WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace`); err != nil {
		t.Fatal(err)
	}
	for _, fk := range fks {
		if skipped(fk.Table) {
			continue
		}
		// condeferrable without condeferred (DEFERRABLE INITIALLY
		// IMMEDIATE) is checked per statement, as on SQLite, which has no
		// SET CONSTRAINTS to defer it later: only "deferred" is compared.
		lines = append(lines, foreignKeyLine(fk.Table, strings.Split(fk.From, ","), fk.To, strings.Split(fk.ToColumns, ","), fk.OnDelete, fk.Deferred))
	}

	var checks []struct{ Table, Def string }
	if err := d.Select(&checks, `
		SELECT t.relname AS "table", pg_get_constraintdef(k.oid, true) AS def
		FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
		WHERE k.contype = 'c' AND k.connamespace = current_schema()::regnamespace`); err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if skipped(c.Table) {
			continue
		}
		toks := tokenize(t, c.Def)
		if len(toks) == 0 || !toks[0].isWord("check") {
			t.Fatalf("%s: cannot read %q", c.Table, c.Def)
		}
		lines = append(lines, checkLine(c.Table, columnsOf[c.Table], parenthesized(t, c.Table, toks[1:])))
	}

	var triggered []string
	if err := d.Select(&triggered, `
		SELECT DISTINCT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
		WHERE NOT g.tgisinternal AND c.relnamespace = current_schema()::regnamespace`); err != nil {
		t.Fatal(err)
	}
	for _, table := range triggered {
		if !skipped(table) {
			lines = append(lines, table+": has triggers")
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

// A token of SQL text, as far as the schema comparison needs one.
type token struct {
	kind tokenKind
	text string // identifiers unquoted; strings without their quotes
}

type tokenKind int

const (
	identToken  tokenKind = iota // a name or keyword
	stringToken                  // a '...' literal
	numberToken
	punctToken // one character
)

func (tok token) isWord(w string) bool {
	return tok.kind == identToken && strings.EqualFold(tok.text, w)
}

// String renders tok for a schema line: names and keywords in lower case,
// strings quoted.
func (tok token) String() string {
	switch tok.kind {
	case identToken:
		return strings.ToLower(tok.text)
	case stringToken:
		return "'" + strings.ReplaceAll(tok.text, "'", "''") + "'"
	}
	return tok.text
}

// stripCasts drops PostgreSQL's casts (::text) from toks.
func stripCasts(toks []token) []token {
	var out []token
	for i := 0; i < len(toks); i++ {
		if toks[i].text == ":" && i+2 < len(toks) && toks[i+1].text == ":" && toks[i+2].kind == identToken {
			i += 2
			continue
		}
		out = append(out, toks[i])
	}
	return out
}

// tokenize splits SQL text into tokens, dropping white space and comments.
func tokenize(t *testing.T, s string) []token {
	t.Helper()
	var toks []token
	isWordByte := func(c byte) bool {
		return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(s[i:], "--"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				t.Fatalf("unterminated comment in %q", s)
			}
			i += 2 + end + 2
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					t.Fatalf("unterminated quote in %q", s)
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c {
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			kind := stringToken
			if c == '"' {
				kind = identToken
			}
			toks = append(toks, token{kind, b.String()})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.') {
				j++
			}
			toks = append(toks, token{numberToken, s[i:j]})
			i = j
		case isWordByte(c):
			j := i
			for j < len(s) && isWordByte(s[j]) {
				j++
			}
			toks = append(toks, token{identToken, s[i:j]})
			i = j
		default:
			toks = append(toks, token{punctToken, string(c)})
			i++
		}
	}
	return toks
}

func TestCheckLineReadsBothEngines(t *testing.T) {
	columns := []string{"role", "score", "id"}
	for _, c := range []struct{ name, sqlite, postgres string }{
		{"in list", `role IN ('admin', 'committee')`, `((role = ANY (ARRAY['admin'::text, 'committee'::text])))`},
		{"between", `score BETWEEN 1 AND 5`, `(((score >= 1) AND (score <= 5)))`},
		{"equal", `id = 1`, `((id = 1))`},
		{"not equal", `amount <> 0`, `((amount <> 0))`},
		{"not equal spelt !=", `amount != 0`, `((amount <> 0))`},
		{"not in", `role NOT IN ('admin')`, `((role <> ALL (ARRAY['admin'::text])))`},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := checkLine("t", columns, tokenize(t, c.sqlite))
			p := checkLine("t", columns, tokenize(t, c.postgres))
			if s != p {
				t.Errorf("sqlite %q reads %q, postgres %q reads %q", c.sqlite, s, c.postgres, p)
			}
		})
	}
	for _, c := range []struct{ name, a, b string }{
		{"list", `role IN ('admin')`, `role IN ('admin', 'auditor')`},
		{"operator", `amount > 0`, `amount >= 0`},
		{"column", `received > 0`, `amount > 0`},
		{"bound", `score BETWEEN 1 AND 5`, `score BETWEEN 1 AND 6`},
	} {
		t.Run("tells apart "+c.name, func(t *testing.T) {
			columns := []string{"role", "amount", "received", "score"}
			if a, b := checkLine("t", columns, tokenize(t, c.a)), checkLine("t", columns, tokenize(t, c.b)); a == b {
				t.Errorf("%q and %q read alike: %q", c.a, c.b, a)
			}
		})
	}
}

func TestPredicateTextReadsBothEngines(t *testing.T) {
	for _, c := range []struct{ name, sqlite, postgres string }{
		{"is not null", `ledger_entry_id IS NOT NULL`, `(ledger_entry_id IS NOT NULL)`},
		{"string with cast", `status = 'pending'`, `(status = 'pending'::text)`},
		{"quoted name", `"time" > 0`, `("time" > 0)`},
		{"parenthesis in a string", `note <> ')'`, `(note <> ')'::text)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			if s, p := predicateText(tokenize(t, c.sqlite)), predicateText(tokenize(t, c.postgres)); s != p {
				t.Errorf("sqlite %q reads %q, postgres %q reads %q", c.sqlite, s, c.postgres, p)
			}
		})
	}
	if a, b := predicateText(tokenize(t, `x IS NULL`)), predicateText(tokenize(t, `x IS NOT NULL`)); a == b {
		t.Errorf("IS NULL and IS NOT NULL read alike: %q", a)
	}
}
