package ledger_test

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus"
	"fundus/audit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestPostingsKeyedBySeq: migration 00025 moves every posting from its
// entry's id to its entry's sequence number, amounts and lines unchanged
// (lines stored out of order come back in order), the ledger keeps
// verifying, and its Down moves them back.
func TestPostingsKeyedBySeq(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, engine db.Engine) {
		ctx := context.Background()
		d := dbtest.OpenUnmigrated(t, engine)
		if err := d.MigrateTo(ctx, 24); err != nil {
			t.Fatal(err)
		}
		raw := dbtest.Raw(t, d)
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := raw.ExecContext(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		type row struct {
			entryID string
			line    int
			amount  int64
		}
		var want []row
		prev := ledger.GenesisHash
		var es []*ledger.Entry
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		for seq := int64(1); seq <= 4; seq++ {
			e := &ledger.Entry{ID: db.NewID(), Seq: seq, Time: at.Add(time.Duration(seq) * time.Hour), Kind: "manual", Memo: "before 00025", Actor: "a", PrevHash: prev}
			e.Date = fundus.DayOf(e.Time)
			e.Postings = []ledger.Posting{{Account: ledger.Bank, Amount: fundus.EURCents(100 * seq), Currency: "EUR"},
				{Account: ledger.OpeningBalance, Amount: fundus.EURCents(-100 * seq), Currency: "EUR"}}
			if seq == 2 { // three lines
				e.Postings = []ledger.Posting{{Account: ledger.Bank, Amount: fundus.EURCents(500), Currency: "EUR"},
					{Account: ledger.OpeningBalance, Amount: fundus.EURCents(-300), Currency: "EUR"},
					{Account: ledger.OpeningBalance, Amount: fundus.EURCents(-200), Currency: "EUR"}}
			}
			e.Hash = ledger.Hash(prev, e)
			prev = e.Hash
			es = append(es, e)
			exec(`INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				e.ID, e.Seq, e.Time, e.Date, e.Kind, e.Memo, e.Actor, e.PrevHash, e.Hash)
			for i := len(e.Postings) - 1; i >= 0; i-- { // the last line first
				p := e.Postings[i]
				exec(`INSERT INTO postings (entry_id, line, account, amount, currency) VALUES ($1, $2, $3, $4, 'EUR')`, e.ID, i+1, p.Account, p.Amount.Minor)
				want = append(want, row{e.ID, i + 1, p.Amount.Minor})
			}
			exec(`UPDATE ledger_head SET seq = $1, hash = $2, last_time = $3`, e.Seq, e.Hash, e.Time)
			exec(`UPDATE accounts SET balance = balance + $1 WHERE code = $2`, e.Postings[0].Amount.Minor, ledger.Bank)
			exec(`UPDATE accounts SET balance = balance - $1 WHERE code = $2`, e.Postings[0].Amount.Minor, ledger.OpeningBalance)
		}
		slices.SortFunc(want, func(a, b row) int {
			return cmp.Or(strings.Compare(a.entryID, b.entryID), cmp.Compare(a.line, b.line))
		})

		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ledgertest.Verify(t, d)
		got, _, err := (&ledger.Service{DB: d}).Entries(ctx, auditor, ledger.EntryFilter{Limit: 10})
		if err != nil || len(got) != len(es) {
			t.Fatalf("%d entries after the migration, want %d: %v", len(got), len(es), err)
		}
		for i, e := range got {
			if !slices.Equal(e.Postings, es[i].Postings) {
				t.Errorf("entry %d after the migration: %+v, want %+v", e.Seq, e.Postings, es[i].Postings)
			}
		}

		if err := d.MigrateDownTo(ctx, 24); err != nil {
			t.Fatal(err)
		}
		rows, err := raw.QueryContext(ctx, `SELECT entry_id, line, amount FROM postings ORDER BY entry_id, line`)
		if err != nil {
			t.Fatal(err)
		}
		var back []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.entryID, &r.line, &r.amount); err != nil {
				t.Fatal(err)
			}
			back = append(back, r)
		}
		rows.Close()
		if !slices.Equal(back, want) {
			t.Errorf("after the Down: %v, want %v", back, want)
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ledgertest.Verify(t, d)
	})
}

// TestPostingsKeyedBySeqRefusesOrphans: a posting without its entry
// (written past the foreign key's check) stops migration 00025, and the
// database stays as it was, the posting with it.
func TestPostingsKeyedBySeqRefusesOrphans(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, engine db.Engine) {
		ctx := context.Background()
		d := dbtest.OpenUnmigrated(t, engine)
		if err := d.MigrateTo(ctx, 24); err != nil {
			t.Fatal(err)
		}
		dropForeignKeyChecks(t, d)
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `INSERT INTO postings (entry_id, line, account, amount, currency) VALUES ('no-such-entry', 1, 'assets:bank', 100, 'EUR')`); err != nil {
			t.Fatal(err)
		}
		if err := d.Migrate(ctx); err == nil {
			t.Fatal("the migration went through with a posting that has no entry")
		}
		if ok, err := d.Migrated(ctx); err != nil || ok {
			t.Fatalf("after the refused migration: migrated %v, %v", ok, err)
		}
		var n int
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT count(*) FROM postings WHERE entry_id = 'no-such-entry'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the posting without an entry: %d, %v", n, err)
		}
	})
}

// TestReversedOnceAcrossPartialIndexes: migration 00026 leaves the entries
// that reverse nothing out of the index of reversals on PostgreSQL; an
// entry is still reversed at most once, before it, after it and after its
// Down, while entries that reverse nothing are many.
func TestReversedOnceAcrossPartialIndexes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		e := ledgertest.Post(t, s, "falsch", ledger.Clearing, "3.00", ledger.Interest, "-3.00")
		ledgertest.Post(t, s, "nothing reversed", ledger.Clearing, "1.00", ledger.Interest, "-1.00")
		if _, err := s.Reverse(ctx, ledgertest.Treasurer, e.ID, ledger.Reversal{Reason: "doppelt"}); err != nil {
			t.Fatal(err)
		}
		raw := dbtest.Raw(t, d)
		acrossMigration(t, d, 25, func(step string, i int, latest bool) {
			// 00028 refuses any hash but one Fundus would have written.
			hash := hashParam(d, "$4", !latest)
			_, err := raw.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, reverses, prev_hash, hash)
				VALUES ($1, $2, $3, '2026-03-01', 'reversal', 'again', 'a', $5, `+hash+`, `+hash+`)`, db.NewID(), int64(1000+i), time.Now().UTC(), ledger.GenesisHash, e.ID)
			if err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
				t.Fatalf("%s: a second reversal of %s: %v, want a unique violation", step, e.ID, err)
			}
			// Entries that reverse nothing never clash.
			for j := range 2 {
				if _, err := raw.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash)
					VALUES ($1, $2, $3, '2026-03-01', 'manual', 'plain', 'a', `+hash+`, `+hash+`)`, db.NewID(), int64(2000+10*i+j), time.Now().UTC(), ledger.GenesisHash); err != nil {
					t.Fatalf("%s: an entry that reverses nothing: %v", step, err)
				}
			}
		})
	})
}

// hashPattern is a hash as Fundus writes it.
var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestIDsAndHashesAcrossMigration00028: from 00028 on, PostgreSQL stores
// entries' ids (and the columns that name an entry) and audit records' ids
// as uuids, and the chain's hashes as their bytes. Down to 00027 and up
// again, the entries, the chain head and the audit trail read as they did,
// the Down writes the text back, and the ledger verifies; a hash or an id
// that is not what Fundus writes stops the migration, the database left at
// 00027, instead of being made canonical (an upper-case hash would
// otherwise verify afterwards).
func TestIDsAndHashesAcrossMigration00028(t *testing.T) {
	auditor := ledgertest.Actor{ID: "auditor", Actions: []fundus.Action{fundus.ReadAudit, fundus.ReadLedger}}
	read := func(t *testing.T, d *db.DB, s *ledger.Service) ([]*ledger.Entry, ledger.ChainHead, []audit.Record) {
		t.Helper()
		ctx := context.Background()
		es, _, err := s.Entries(ctx, auditor, ledger.EntryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		h, err := ledger.ReadChainHead(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := (&audit.Service{DB: d}).List(ctx, auditor, audit.Filter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return es, h, recs
	}
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		e := ledgertest.Post(t, s, "falsch", ledger.Clearing, "3.00", ledger.Interest, "-3.00")
		ledgertest.Post(t, s, "richtig", ledger.Clearing, "1.00", ledger.Interest, "-1.00")
		if _, err := s.Reverse(ctx, ledgertest.Treasurer, e.ID, ledger.Reversal{Reason: "doppelt"}); err != nil {
			t.Fatal(err)
		}
		es, h, recs := read(t, d, s)
		if len(es) != 3 || h.Seq != 3 || h.Hash != es[2].Hash || len(recs) != 3 || !hashPattern.MatchString(es[0].PrevHash) || !hashPattern.MatchString(h.Hash) {
			t.Fatalf("before: %d entries, head %+v, %d audit records", len(es), h, len(recs))
		}
		if err := d.MigrateDownTo(ctx, 27); err != nil {
			t.Fatal(err)
		}
		var stored string
		var storedID string
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT hash, id FROM entries WHERE seq = 2`).Scan(&stored, &storedID); err != nil || stored != es[1].Hash || storedID != es[1].ID {
			t.Fatalf("after the Down, entry 2 is stored as %q, %q (%v), want %s, %s", storedID, stored, err, es[1].ID, es[1].Hash)
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		es2, h2, recs2 := read(t, d, s)
		if !reflect.DeepEqual(es2, es) || h2 != h || !reflect.DeepEqual(recs2, recs) {
			t.Fatalf("down and up again changed what is read:\n%+v %+v %+v\n%+v %+v %+v", es, h, recs, es2, h2, recs2)
		}
		ledgertest.Verify(t, d)
	})
	dbtest.EachEngine(t, func(t *testing.T, engine db.Engine) {
		if engine != db.Postgres {
			t.Skip("SQLite keeps the text: 00028 changes nothing there, so refuses nothing")
		}
		const id = "019ad5c2-0000-7000-8000-000000000001"
		hash := strings.Repeat("ab", 32)
		entry := func(id, prevHash, hash string) string {
			return `INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash)
				VALUES ('` + id + `', 1, now(), '2026-03-01', 'manual', 'm', 'a', '` + prevHash + `', '` + hash + `')`
		}
		for name, insert := range map[string]string{
			"upper-case hash":     entry(id, ledger.GenesisHash, strings.ToUpper(hash)),
			"short prev_hash":     entry(id, "00", hash),
			"head not hex":        `UPDATE ledger_head SET hash = 'genesis'`,
			"upper-case entry id": entry(strings.ToUpper(id), ledger.GenesisHash, hash),
			"entry id not a uuid": entry("e-1", ledger.GenesisHash, hash),
			"upper-case audit id": `INSERT INTO audit_log (id, time, actor, action, object_type, object_id, details)
				VALUES ('` + strings.ToUpper(db.NewID()) + `', now(), 'a', 'x', 'y', 'z', '{}')`,
		} {
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				d := dbtest.OpenUnmigrated(t, engine)
				if err := d.MigrateTo(ctx, 27); err != nil {
					t.Fatal(err)
				}
				if _, err := dbtest.Raw(t, d).ExecContext(ctx, insert); err != nil {
					t.Fatal(err)
				}
				if err := d.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "as Fundus writes it") {
					t.Fatalf("migrate: %v, want the migration stopped naming the value", err)
				}
				var typ string
				if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT data_type FROM information_schema.columns
					WHERE table_schema = current_schema() AND table_name = 'entries' AND column_name = 'hash'`).Scan(&typ); err != nil || typ != "text" {
					t.Fatalf("after the refused migration entries.hash is %q (%v), want text still", typ, err)
				}
			})
		}
	})
}

// TestPostingWithoutItsEntryRefused: a posting whose entry does not exist
// is refused, the whole statement with it, whether a foreign key checks it
// (SQLite; PostgreSQL before 00029) or the statement's check that replaces
// the foreign key on PostgreSQL from 00029 on (whose row lock was a WAL
// record per entry); before the migration, after its Down and again after
// it.
func TestPostingWithoutItsEntryRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		e := ledgertest.Post(t, s, "eins", ledger.Clearing, "3.00", ledger.Interest, "-3.00")
		raw := dbtest.Raw(t, d)
		acrossMigration(t, d, 28, func(step string, i int, _ bool) {
			before := rowCount(t, raw, "postings")
			missing := int64(1000 + i)
			for _, insert := range []string{
				`INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 1, 'assets:clearing', 100, 'EUR'), ($1, 2, 'assets:clearing', -100, 'EUR')`,
				// One posting of an entry that exists, one of none: neither is written.
				`INSERT INTO postings (seq, line, account, amount, currency) VALUES ($2, 9, 'assets:clearing', 100, 'EUR'), ($1, 1, 'assets:clearing', -100, 'EUR')`,
			} {
				args := []any{missing, e.Seq}
				if !strings.Contains(insert, "$2") {
					args = args[:1]
				}
				if _, err := raw.ExecContext(ctx, insert, args...); !foreignKeyRefused(err) {
					t.Fatalf("%s: %s: %v, want a foreign key violation", step, insert, err)
				}
			}
			if n := rowCount(t, raw, "postings"); n != before {
				t.Fatalf("%s: %d postings after the refused inserts, want %d", step, n, before)
			}
			// A posting of an entry inserted before it, in the same
			// transaction, is accepted.
			tx, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			hash := hashParam(d, "$2", false) // 00028's schema both down and up
			if _, err := tx.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash)
				VALUES ($1, $3, $4, '2026-03-01', 'manual', 'm', 'a', `+hash+`, `+hash+`)`, db.NewID(), ledger.GenesisHash, missing, time.Now().UTC()); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 1, 'assets:clearing', 100, 'EUR')`, missing); err != nil {
				t.Fatalf("%s: a posting after its entry: %v", step, err)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// TestPostingOfAMissingAccountRefused: a posting of an account that does
// not exist is refused, and an account that postings name can be neither
// deleted nor renamed (nor truncated away, on PostgreSQL), whether the
// foreign key guards it (SQLite; PostgreSQL before 00030) or, from 00030
// on PostgreSQL, the postings' statement check and the accounts' guard that
// replace the key (whose row lock was a WAL record per account and batch);
// at the latest schema, after 00030's Down and after it again. On
// PostgreSQL an account deleted while another transaction inserts its
// first posting waits for that transaction, and is then refused; a
// temporary table named accounts or postings stands in for nothing; and at
// REPEATABLE READ neither a deletion nor a posting slips past a change
// committed after the transaction's snapshot.
func TestPostingOfAMissingAccountRefused(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		e := ledgertest.Post(t, s, "eins", ledger.Clearing, "3.00", ledger.Interest, "-3.00")
		raw := dbtest.Raw(t, d)
		acrossMigration(t, d, 29, func(step string, i int, _ bool) {
			postings, accounts := rowCount(t, raw, "postings"), rowCount(t, raw, "accounts")
			for _, stmt := range []string{
				`INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 7, 'assets:nowhere', 100, 'EUR')`,
				// One posting of an account that exists, one of none: neither is written.
				`INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 7, 'assets:clearing', 100, 'EUR'), ($1, 8, 'assets:nowhere', -100, 'EUR')`,
				`DELETE FROM accounts WHERE code = 'assets:clearing'`,
				`UPDATE accounts SET code = 'assets:clearing-renamed' WHERE code = 'assets:clearing'`,
				// Every account, the unposted with the posted: none is deleted.
				`DELETE FROM accounts`,
			} {
				args := []any{e.Seq}
				if !strings.Contains(stmt, "$1") {
					args = nil
				}
				if _, err := raw.ExecContext(ctx, stmt, args...); !foreignKeyRefused(err) {
					t.Fatalf("%s: %s: %v, want a foreign key violation", step, stmt, err)
				}
			}
			if d.Engine == db.Postgres {
				if _, err := raw.ExecContext(ctx, `TRUNCATE accounts`); err == nil {
					t.Fatalf("%s: TRUNCATE accounts accepted", step)
				}
			}
			if n, m := rowCount(t, raw, "postings"), rowCount(t, raw, "accounts"); n != postings || m != accounts {
				t.Fatalf("%s: %d postings and %d accounts after the refused statements, want %d and %d", step, n, m, postings, accounts)
			}

			// An account no posting names can be renamed and deleted, and a
			// posted account's balance and name changed.
			tx, err := raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, stmt := range []string{
				`INSERT INTO accounts (code, type, currency, name) VALUES ('assets:spare', 'asset', 'EUR', 'spare')`,
				`UPDATE accounts SET code = 'assets:spare-renamed' WHERE code = 'assets:spare'`,
				`DELETE FROM accounts WHERE code = 'assets:spare-renamed'`,
				`UPDATE accounts SET balance = balance + 1, name = 'renamed' WHERE code = 'assets:clearing'`,
			} {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %s: %v", step, stmt, err)
				}
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}

			if d.Engine != db.Postgres {
				t.Logf("%s: SQLite has one writer at a time: no delete can run beside an insert", step)
				return
			}
			// An account is deleted while another transaction, not yet
			// committed, inserts its first posting: the delete waits for
			// that transaction and is then refused.
			code := fmt.Sprintf("assets:spare-%d", i)
			if _, err := raw.ExecContext(ctx, `INSERT INTO accounts (code, type, currency, name) VALUES ($1, 'asset', 'EUR', 'spare')`, code); err != nil {
				t.Fatal(err)
			}
			seq := int64(2000 + i)
			tx, err = raw.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			hash := hashParam(d, "$2", false) // 00028's schema both down and up
			if _, err := tx.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash)
				VALUES ($1, $3, $4, '2026-03-01', 'manual', 'm', 'a', `+hash+`, `+hash+`)`, db.NewID(), ledger.GenesisHash, seq, time.Now().UTC()); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 1, $2, 100, 'EUR')`, seq, code); err != nil {
				t.Fatalf("%s: a posting of a new account: %v", step, err)
			}
			other := dbtest.SecondRaw(t, d)
			var pid int
			if err := other.QueryRowxContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				t.Fatal(err)
			}
			deleted := make(chan error, 1)
			go func() {
				_, err := other.ExecContext(ctx, `DELETE FROM accounts WHERE code = $1`, code)
				deleted <- err
			}()
			for waiting := false; !waiting; {
				select {
				case err := <-deleted:
					t.Fatalf("%s: the delete ended (%v) before the inserting transaction did", step, err)
				default:
				}
				time.Sleep(time.Millisecond)
				if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND NOT granted)`, pid).Scan(&waiting); err != nil {
					t.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if err := <-deleted; !foreignKeyRefused(err) {
				t.Fatalf("%s: the account of a posting committed meanwhile deleted: %v, want a foreign key violation", step, err)
			}

			// A temporary table of the same name does not stand in for
			// the accounts or the postings (a session's search_path finds
			// it first).
			for _, c := range []struct{ temp, stmt string }{
				{`CREATE TEMP TABLE accounts AS SELECT 'assets:ghost'::text AS code`,
					`INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 9, 'assets:ghost', 100, 'EUR')`},
				{`CREATE TEMP TABLE postings AS SELECT 'assets:other'::text AS account`,
					`DELETE FROM accounts WHERE code = 'assets:clearing'`},
			} {
				if _, err := raw.ExecContext(ctx, c.temp); err != nil {
					t.Fatal(err)
				}
				args := []any{e.Seq}
				if !strings.Contains(c.stmt, "$1") {
					args = nil
				}
				_, err := raw.ExecContext(ctx, c.stmt, args...)
				if _, derr := raw.ExecContext(ctx, `DROP TABLE pg_temp.`+strings.Fields(c.temp)[3]); derr != nil {
					t.Fatal(derr)
				}
				if !foreignKeyRefused(err) {
					t.Fatalf("%s: beside %s: %s: %v, want a foreign key violation", step, c.temp, c.stmt, err)
				}
			}

			// At REPEATABLE READ, whose snapshot is older than what
			// commits meanwhile: an account first posted to after the
			// snapshot was taken is not deleted, and a posting of an
			// account deleted after it is refused.
			rr := &sql.TxOptions{Isolation: sql.LevelRepeatableRead}
			late := func(code string) *sqlx.Tx {
				t.Helper()
				if _, err := raw.ExecContext(ctx, `INSERT INTO accounts (code, type, currency, name) VALUES ($1, 'asset', 'EUR', 'late')`, code); err != nil {
					t.Fatal(err)
				}
				tx, err := other.BeginTxx(ctx, rr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { tx.Rollback() })
				if _, err := tx.ExecContext(ctx, `SELECT 1`); err != nil { // takes the snapshot
					t.Fatal(err)
				}
				return tx
			}
			refusedAtRR := func(err error) bool {
				return foreignKeyRefused(err) || err != nil && (strings.Contains(err.Error(), "40001") || strings.Contains(err.Error(), "55000"))
			}
			posted := fmt.Sprintf("assets:posted-%d", i)
			deleter := late(posted)
			if _, err := raw.ExecContext(ctx, `INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, $2, $3, 100, 'EUR')`, e.Seq, 20+i, posted); err != nil {
				t.Fatal(err)
			}
			if _, err := deleter.ExecContext(ctx, `DELETE FROM accounts WHERE code = $1`, posted); !refusedAtRR(err) {
				t.Fatalf("%s: an account posted to after the snapshot, deleted at REPEATABLE READ: %v, want it refused", step, err)
			}
			deleter.Rollback()
			gone := fmt.Sprintf("assets:gone-%d", i)
			inserter := late(gone)
			if _, err := raw.ExecContext(ctx, `DELETE FROM accounts WHERE code = $1`, gone); err != nil {
				t.Fatalf("%s: an unposted account: %v", step, err)
			}
			_, err = inserter.ExecContext(ctx, `INSERT INTO postings (seq, line, account, amount, currency) VALUES ($1, 9, $2, 100, 'EUR')`, e.Seq, gone)
			if !refusedAtRR(err) {
				t.Fatalf("%s: a posting of an account deleted after the snapshot, at REPEATABLE READ: %v, want it refused", step, err)
			}
			inserter.Rollback()
		})
	})
}
