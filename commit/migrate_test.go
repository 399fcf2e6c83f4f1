package commit_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// TestIdempotencyRecordsCarriedOver: migration 00027 stores each record
// under the digest of its caller and key, and its request's hash as bytes.
// A request sent before the upgrade and again after it is answered from
// its record, another request under its key is still told apart, and
// another caller's key of the same name is still another key. Its Down
// forgets the records and leaves a table the old code can use.
func TestIdempotencyRecordsCarriedOver(t *testing.T) {
	dbtest.EachEngine(t, func(t *testing.T, engine db.Engine) {
		ctx := context.Background()
		d := dbtest.OpenUnmigrated(t, engine)
		if err := d.MigrateTo(ctx, 26); err != nil {
			t.Fatal(err)
		}
		raw := dbtest.Raw(t, d)
		sent := commit.RequestHash("POST", "/api/v1/ledger/entries", []byte(`{"memo":"x"}`))
		old := []struct{ scope, key, hash, body string }{
			// As the code before 00027 stored them: the request's hash in hex.
			{"user-a", "key-1", hex.EncodeToString([]byte(sent)), `"first answer"`},
			{"user-b", "key-1", hex.EncodeToString([]byte(sent)), `"b's answer"`},
			// A hash that is not 64 hex characters is kept as its bytes.
			{"anonymous:127.0.0.1", "form:abc", "h1", `42`},
		}
		for _, r := range old {
			if _, err := raw.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES ($1, $2, $3, 0, $4, $5)`,
				r.scope, r.key, r.hash, []byte(r.body), time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		w := ledgertest.Writer(t, d, time.Now)
		// A call whose key is stored may run once before the write path
		// finds the key (its effect is rolled back): what tells a repeat
		// is Replayed and the stored answer.
		do := func(scope, key, hash string) (commit.Outcome[any], error) {
			kctx := commit.WithKey(ctx, commit.Key{Scope: scope, Name: key, RequestHash: hash})
			return commit.Do(kctx, w, func(*commit.Tx) (any, error) { return "ran now", nil })
		}
		for _, c := range []struct{ scope, key, hash, want string }{
			{"user-a", "key-1", sent, `"first answer"`},
			{"user-b", "key-1", sent, `"b's answer"`},
			{"anonymous:127.0.0.1", "form:abc", "h1", `42`},
		} {
			out, err := do(c.scope, c.key, c.hash)
			if err != nil || !out.Replayed || string(out.Body) != c.want {
				t.Fatalf("%s %s after the upgrade: %v, %s; want the stored %s", c.scope, c.key, err, out.Body, c.want)
			}
		}
		if _, err := do("user-a", "key-1", commit.RequestHash("POST", "/api/v1/ledger/entries", []byte(`{"memo":"y"}`))); !errs.Is(errs.IdempotencyKeyReused, err) {
			t.Fatalf("another request under a carried-over key: %v; want IdempotencyKeyReused", err)
		}
		if out, err := do("user-c", "key-1", sent); err != nil || out.Replayed || string(out.Body) != `"ran now"` {
			t.Fatalf("another caller's key of the same name: %v, %+v", err, out)
		}
		if out, err := do("user-c", "key-1", sent); err != nil || !out.Replayed || string(out.Body) != `"ran now"` {
			t.Fatalf("a key stored after the upgrade: %v, %+v", err, out)
		}

		if err := d.MigrateDownTo(ctx, 26); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := raw.GetContext(ctx, &n, `SELECT COUNT(*) FROM idempotency_keys`); err != nil || n != 0 {
			t.Fatalf("after the Down: %d records, %v; want them forgotten", n, err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, body, created_at) VALUES ('s', 'k', 'h', 0, $1, $2)`,
			[]byte(`1`), time.Now().UTC()); err != nil {
			t.Fatalf("the old code's insert after the Down: %v", err)
		}
	})
}

// TestSummarizeRanges: the hourly upkeep summarizes the block ranges of
// the block-range indexes (00027, PostgreSQL) that autovacuum has not, so
// that a lookup by an entry's day or an audit record's time reads only the
// ranges that can match even with autovacuum off; once summarized, a range
// is not counted again. SQLite has no such index.
func TestSummarizeRanges(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := ledgertest.Service(t, d)
		ledgertest.Post(t, s, "eins", ledger.Clearing, "5.00", ledger.Interest, "-5.00")
		want := int64(0)
		if d.Engine == db.Postgres {
			// The index's build summarized the table's first range; audit
			// records past it (a range is 128 pages, some 4,500 records)
			// fill new ones that nothing summarizes with autovacuum off.
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `INSERT INTO audit_log (id, time, actor, action, object_type, object_id, details)
				SELECT gen_random_uuid(), now(), 'a', 'bulk', 'none', 'none', '{}' FROM generate_series(1, 20000) n`); err != nil {
				t.Fatal(err)
			}
			var pages int64
			if err := d.Get(&pages, `SELECT pg_relation_size('audit_log') / current_setting('block_size')::bigint`); err != nil {
				t.Fatal(err)
			}
			want = (pages - 1) / 128 // every range but the first
			if want < 1 {
				t.Fatalf("audit_log has %d pages, want more than one range of 128", pages)
			}
		}
		for i, w := range []int64{want, 0} {
			out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int64, error) {
				return db.SummarizeRanges(tx.Context(), tx, tx.Engine())
			})
			if n := out.Value; err != nil || n != w {
				t.Fatalf("call %d: summarized %d ranges, %v; want %d", i+1, n, err, w)
			}
		}
	})
}
