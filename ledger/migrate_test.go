package ledger_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fundus"
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
		secondReversal := func(seq int64) error {
			_, err := raw.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, reverses, prev_hash, hash)
				VALUES ($1, $2, $3, '2026-03-01', 'reversal', 'again', 'a', $4, 'x', 'y')`, db.NewID(), seq, time.Now().UTC(), e.ID)
			return err
		}
		for i, step := range []struct {
			name string
			move func() error
		}{
			{"latest", func() error { return nil }},
			{"down to 00025", func() error { return d.MigrateDownTo(ctx, 25) }},
			{"up again", func() error { return d.Migrate(ctx) }},
		} {
			if err := step.move(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if err := secondReversal(int64(1000 + i)); err == nil || !strings.Contains(strings.ToLower(err.Error()), "unique") {
				t.Fatalf("%s: a second reversal of %s: %v, want a unique violation", step.name, e.ID, err)
			}
			// Entries that reverse nothing never clash.
			for j := range 2 {
				if _, err := raw.ExecContext(ctx, `INSERT INTO entries (id, seq, time, date, kind, memo, actor, prev_hash, hash)
					VALUES ($1, $2, $3, '2026-03-01', 'manual', 'plain', 'a', 'x', 'y')`, db.NewID(), int64(2000+10*i+j), time.Now().UTC()); err != nil {
					t.Fatalf("%s: an entry that reverses nothing: %v", step.name, err)
				}
			}
		}
	})
}
