package commit_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fundus/commit"
	"fundus/db"
	"fundus/db/dbtest"
	"fundus/errs"
	"fundus/ledger"
	"fundus/ledger/ledgertest"
)

// These tests run the write path with the ledger and the audit trail
// taking part, as the server does: what a failing function posted or
// audited must go with it.

func TestIdempotency(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		in := ledgertest.Manual("donation", ledger.Clearing, "10.00", ledger.Interest, "-10.00")
		keyed := func(key, hash string) context.Context {
			return commit.WithKey(context.Background(), commit.Key{Scope: ledgertest.Treasurer.ID, Name: key, RequestHash: hash})
		}

		first, err := s.PostManual(keyed("k1", "h1"), ledgertest.Treasurer, in)
		if err != nil || first.Replayed || len(first.Body) == 0 || first.Value == nil {
			t.Fatalf("first: %v %+v", err, first)
		}
		again, err := s.PostManual(keyed("k1", "h1"), ledgertest.Treasurer, in)
		if err != nil || !again.Replayed || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: %v %+v", err, again)
		}
		// The repeat's value is the first result, read back from the stored body.
		if again.Value == nil || again.Value.ID != first.Value.ID || again.Value.Hash != first.Value.Hash ||
			again.Value.Postings[0].Amount != first.Value.Postings[0].Amount {
			t.Fatalf("replayed value %+v, want %+v", again.Value, first.Value)
		}
		if b := ledgertest.Balances(t, s); b[ledger.Clearing] != 1000 {
			t.Fatalf("the replay posted again: %v", b)
		}
		if !strings.Contains(string(first.Body), first.Value.ID) {
			t.Fatalf("stored body %s lacks the entry", first.Body)
		}

		before := ledgertest.Dump(t, d)
		// The batch ran the call once before finding the key stored; the
		// response of that run was rolled back and must not be shown.
		if reused, err := s.PostManual(keyed("k1", "other body"), ledgertest.Treasurer, in); !errs.Is(errs.IdempotencyKeyReused, err) || reused.Replayed || reused.Body != nil {
			t.Fatalf("reused key: %v %+v", err, reused)
		}
		if ledgertest.Dump(t, d) != before {
			t.Fatal("a reused key changed the database")
		}

		// Another caller's key of the same name is another key.
		other := commit.WithKey(context.Background(), commit.Key{Scope: "someone-else", Name: "k1", RequestHash: "h1"})
		if out, err := s.PostManual(other, ledgertest.Treasurer, in); err != nil || out.Replayed {
			t.Fatalf("other scope: %v %+v", err, out)
		}

		// A refusal in the write path is stored: the repeat is refused alike.
		unbalanced := ledgertest.Manual("x", ledger.Clearing, "1", ledger.Interest, "-2")
		if _, err := s.PostManual(keyed("k2", "h2"), ledgertest.Treasurer, unbalanced); !errs.Is(errs.Invalid, err) {
			t.Fatal(err)
		}
		if out, err := s.PostManual(keyed("k2", "h2"), ledgertest.Treasurer, unbalanced); !errs.Is(errs.Invalid, err) || !out.Replayed {
			t.Fatalf("the repeat of a refusal: %v %+v", err, out)
		}

		// A refusal's code is stored with it: the repeat says the same.
		refuse := func(tx *commit.Tx) (string, error) {
			return "", errs.E(errs.InvalidState, errs.Code("already_done"), "done already")
		}
		for run := 1; run <= 2; run++ {
			out, err := commit.Do(keyed("k4", "h4"), s.Writer, refuse)
			if errs.CodeOf(err) != "already_done" || !errs.Is(errs.InvalidState, err) || out.Replayed != (run == 2) {
				t.Fatalf("run %d: code %q of %v, %+v", run, errs.CodeOf(err), err, out)
			}
		}

		// While the first request with a key runs, the same key is refused.
		release := make(chan struct{})
		started := make(chan struct{})
		done := make(chan commit.Outcome[string])
		go func() {
			out, err := commit.Do(keyed("k3", "h3"), s.Writer, func(tx *commit.Tx) (string, error) {
				close(started)
				<-release
				return "ok", nil
			})
			if err != nil {
				t.Error(err)
			}
			done <- out
		}()
		<-started
		if _, err := s.PostManual(keyed("k3", "h3"), ledgertest.Treasurer, in); !errs.Is(errs.IdempotencyInProgress, err) {
			t.Fatalf("in flight: %v", err)
		}
		close(release)
		if out := <-done; out.Value != "ok" || string(out.Body) != `"ok"` {
			t.Fatalf("the first: %+v", out)
		}
		ledgertest.Verify(t, d)
	})
}

func TestWriterIsolatesFailures(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		// A panicking function fails alone.
		_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
			if _, err := ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "x", Actor: "a", Postings: []ledger.NewPosting{{Account: ledger.Clearing, Amount: 5}, {Account: ledger.Donations, Amount: -5}}}); err != nil {
				return 0, err
			}
			panic("boom")
		})
		if !errs.Is(errs.Internal, err) {
			t.Fatalf("panic: %v", err)
		}
		e := ledgertest.Post(t, s, "after", ledger.Clearing, "1.00", ledger.Interest, "-1.00")
		if e.Seq != 1 {
			t.Fatalf("the panicking function's entry survived: seq %d", e.Seq)
		}
		ledgertest.Verify(t, d)
	})
}

// TestFailedStatementFailsOnlyItsCall has one call run a statement that
// fails and carry on as if it had not; on PostgreSQL that would abort the
// shared transaction. The call must fail alone, the others commit.
func TestFailedStatementFailsOnlyItsCall(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		var wg sync.WaitGroup
		errc := make(chan error, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%4 == 0 {
					_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
						tx.ExecContext(tx.Context(), "INSERT INTO no_such_table VALUES (1)") // error ignored on purpose
						return 1, nil
					})
					if !errs.Is(errs.Internal, err) {
						errc <- fmt.Errorf("the careless call: %v", err)
					}
					return
				}
				if _, err := s.PostManual(ctx, ledgertest.Treasurer, ledgertest.Manual("donation", ledger.Clearing, "1.00", ledger.Interest, "-1.00")); err != nil {
					errc <- err
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		if r := ledgertest.Verify(t, d); r.EntriesChecked != 30 {
			t.Fatalf("%d entries, want 30", r.EntriesChecked)
		}
	})
}

// TestWriteThenFailIsUndoneAlone has calls write a row of their own and
// post, and every fourth write and then refuse: calls run without
// savepoints, so such a batch runs again with them. Exactly the rows and
// entries of the calls that succeeded are there.
func TestWriteThenFailIsUndoneAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `CREATE TABLE scratch (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errc := make(chan error, 80)
		for i := 0; i < 80; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (int, error) {
					if _, err := tx.ExecContext(tx.Context(), `INSERT INTO scratch (n) VALUES ($1)`, i); err != nil {
						return 0, err
					}
					if _, err := ledger.Post(tx, ledger.NewEntry{Kind: "test", Memo: "x", Actor: "a", Postings: []ledger.NewPosting{{Account: ledger.Clearing, Amount: 100}, {Account: ledger.Donations, Amount: -100}}}); err != nil {
						return 0, err
					}
					if i%4 == 0 {
						return 0, errs.E(errs.InvalidState, "refused after writing")
					}
					return i, nil
				})
				if (i%4 == 0) != errs.Is(errs.InvalidState, err) || (i%4 != 0 && err != nil) {
					errc <- fmt.Errorf("call %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			t.Error(err)
		}
		var rows, refused int
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT count(*), COALESCE(SUM(CASE WHEN n % 4 = 0 THEN 1 ELSE 0 END), 0) FROM scratch`).Scan(&rows, &refused); err != nil {
			t.Fatal(err)
		}
		if rows != 60 || refused != 0 {
			t.Fatalf("%d rows, %d of refused calls; want 60 and 0", rows, refused)
		}
		if r := ledgertest.Verify(t, d); r.EntriesChecked != 60 {
			t.Fatalf("%d entries, want 60", r.EntriesChecked)
		}
		if b := ledgertest.Balances(t, s); b[ledger.Clearing] != 6000 {
			t.Fatalf("clearing %d, want 6000", b[ledger.Clearing])
		}
	})
}

// TestCloseWhileCalling closes the writer while calls arrive: every call
// returns (done or refused), none hangs.
func TestCloseWhileCalling(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	w := ledgertest.Writer(t, d, nil)
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) { return 1, nil })
		}()
	}
	w.Close()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("calls hang after Close")
	}
}

// TestIdempotentRefusalIsReplayed: a refusal in the write path is stored
// with its key, so the same request again gets the same refusal, also when
// it would now pass; a success is never claimed for it.
func TestIdempotentRefusalIsReplayed(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		approval := ledgertest.Manual("approval", ledger.GrantsExpense, "10.00", ledger.GrantsPayable, "-10.00")
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "approve-1", RequestHash: "h"})
		first, err := s.PostManual(ctx, ledgertest.Treasurer, approval)
		if !errs.Is(errs.InsufficientFunds, err) || first.Replayed || first.Body != nil || first.Value != nil {
			t.Fatalf("first: %v %+v", err, first)
		}
		ledgertest.Post(t, s, "donation", ledger.Clearing, "50.00", ledger.Interest, "-50.00")
		again, err2 := s.PostManual(ctx, ledgertest.Treasurer, approval)
		if !errs.Is(errs.InsufficientFunds, err2) || !again.Replayed || again.Body != nil || again.Value != nil {
			t.Fatalf("repeat: %v %+v", err2, again)
		}
		if errs.Message(err2) != errs.Message(err) || fmt.Sprint(errs.FieldsOf(err2)) != fmt.Sprint(errs.FieldsOf(err)) {
			t.Fatalf("the repeat's refusal %q %v differs from the first %q %v", errs.Message(err2), errs.FieldsOf(err2), errs.Message(err), errs.FieldsOf(err))
		}
		if b := ledgertest.Balances(t, s); b[ledger.GrantsPayable] != 0 {
			t.Fatal("the repeat ran")
		}
	})
}

// TestRefusalsStoredAndNot: a refusal that depends on the caller or the
// moment (Forbidden) is not stored, so a repeat runs again; a stored field
// error keeps its field, code and parameter across the replay.
func TestRefusalsStoredAndNot(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k", RequestHash: "h"})
		forbidden := func(tx *commit.Tx) (int, error) { return 0, errs.E(errs.Forbidden, "not you") }
		for i := 0; i < 2; i++ {
			if out, err := commit.Do(ctx, s.Writer, forbidden); !errs.Is(errs.Forbidden, err) || out.Replayed {
				t.Fatalf("forbidden %d: %v %+v", i, err, out)
			}
		}
		ctx = commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k2", RequestHash: "h"})
		invalid := func(tx *commit.Tx) (int, error) {
			return 0, errs.FieldCode("test", "amount", "amount_max", "12.50", "exceeds 12.50")
		}
		_, err1 := commit.Do(ctx, s.Writer, invalid)
		out, err2 := commit.Do(ctx, s.Writer, invalid)
		if !out.Replayed || !errs.Is(errs.Invalid, err2) {
			t.Fatalf("replayed %v, %v", out.Replayed, err2)
		}
		if f1, f2 := errs.FieldsOf(err1), errs.FieldsOf(err2); len(f2) != 1 || f2[0] != f1[0] {
			t.Fatalf("fields %+v, want %+v", f2, f1)
		}
	})
}

// TestSharedStatements runs calls whose statement the batch runs once for
// all of them (commit.Shared): each id is marked by exactly one call, a
// call that fails after its statement changed a row leaves it unmarked, a
// row refused by Row runs nothing, a statement the database refuses fails
// only the call whose row it refused, and a replayed call does not run its
// statement again.
func TestSharedStatements(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `CREATE TABLE flags (id INTEGER PRIMARY KEY, set_by TEXT CHECK (set_by <> 'boom'), n INTEGER NOT NULL DEFAULT 0)`); err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= 30; i++ {
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `INSERT INTO flags (id) VALUES ($1)`, i); err != nil {
				t.Fatal(err)
			}
		}
		type flag struct {
			id    int
			token string
		}
		mark := &commit.Shared[flag, string]{
			Name: "mark",
			Statement: func(engine db.Engine, rows []flag) db.Statement {
				cast := ""
				if engine == db.Postgres {
					cast = "::integer"
				}
				var values []string
				var p db.Params
				for _, r := range rows {
					values = append(values, "("+p.Add(r.id)+cast+", "+p.Add(r.token)+")")
				}
				return db.Statement{Query: `UPDATE flags SET set_by = v.token, n = n + 1
					FROM (SELECT column1 AS fid, column2 AS token FROM (VALUES ` + strings.Join(values, ", ") + `) AS x) AS v
					WHERE flags.id = v.fid AND flags.set_by IS NULL RETURNING set_by`, Args: p.Args()}
			},
			Read: func(rows []flag, res db.StatementResult) (map[int]string, error) {
				var set []string
				for _, r := range res.Rows {
					var s string
					if err := db.ScanValues(r, &s); err != nil {
						return nil, err
					}
					set = append(set, s)
				}
				out := map[int]string{}
				for i, r := range rows {
					if slices.Contains(set, r.token) {
						out[i] = r.token
					}
				}
				return out, nil
			},
		}
		row := func(id int, token string) func(time.Time) (flag, error) {
			return func(time.Time) (flag, error) {
				if id%7 == 1 {
					return flag{}, errs.E(errs.Invalid, "refused by the row")
				}
				return flag{id, token}, nil
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := map[int]string{}
		// Call 60 marks id 30 with a value the table refuses: the
		// statement fails for every call that shares it, and the batch
		// runs again with each call alone, so that only call 60 fails.
		for i := 0; i <= 60; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id, token := i%30, fmt.Sprintf("call-%d", i)
				if i == 60 {
					id, token = 30, "boom"
				}
				got, err := ledgertest.Value(commit.DoShared(ctx, s.Writer, mark, row(id, token), func(tx *commit.Tx, got string, changed bool) (string, error) {
					if !changed {
						return "", errs.E(errs.InvalidState, "marked already")
					}
					if id%5 == 0 {
						return "", errs.E(errs.InvalidState, "refused after marking")
					}
					return got, nil
				}))
				switch {
				case id == 30:
					if err == nil || errs.Is(errs.InvalidState, err) {
						t.Errorf("the refused mark: %v, want the database's error", err)
					}
				case id%7 == 1:
					if !errs.Is(errs.Invalid, err) {
						t.Errorf("call %d: %v, want the error of Row", i, err)
					}
				case err == nil:
					mu.Lock()
					if won[id] != "" {
						t.Errorf("id %d marked by %s and %s", id, won[id], got)
					}
					won[id] = got
					mu.Unlock()
				case !errs.Is(errs.InvalidState, err):
					t.Errorf("call %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		for id := 0; id <= 30; id++ {
			var setBy sql.NullString
			if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT set_by FROM flags WHERE id = $1`, id).Scan(&setBy); err != nil {
				t.Fatal(err)
			}
			want := ""
			if id%5 != 0 && id%7 != 1 && id != 30 {
				want = won[id]
				if want == "" {
					t.Errorf("id %d: no call marked it", id)
				}
			}
			if setBy.String != want {
				t.Errorf("id %d set by %q, want %q", id, setBy.String, want)
			}
		}

		// A repeat with the same key is replayed, and its statement is
		// not run again: n counts the runs that stayed.
		keyed := commit.WithKey(ctx, commit.Key{Scope: "user:x", Name: "mark-2", RequestHash: "h"})
		if _, err := dbtest.Raw(t, d).ExecContext(ctx, `UPDATE flags SET n = 0 WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		for round := 0; round < 2; round++ {
			// The row is unmarked again, so a statement that ran for the
			// repeat would change it.
			if _, err := dbtest.Raw(t, d).ExecContext(ctx, `UPDATE flags SET set_by = NULL WHERE id = 2`); err != nil {
				t.Fatal(err)
			}
			out, err := commit.DoShared(keyed, s.Writer, mark, row(2, fmt.Sprintf("round-%d", round)), func(tx *commit.Tx, got string, changed bool) (string, error) {
				return got, nil
			})
			if err != nil || out.Replayed != (round == 1) {
				t.Fatalf("round %d: %v, replayed %v", round, err, out.Replayed)
			}
		}
		var n int
		if err := dbtest.Raw(t, d).QueryRowContext(ctx, `SELECT n FROM flags WHERE id = 2`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("the statement ran %d times for one request and its repeat (%v), want 1", n, err)
		}
	})
}

// TestSharedStatementWithoutParticipants: with no participant to read at
// the batch's start, the statement calls share runs by itself before them,
// once; a function that then reads together does not run it again (each
// call must find its row changed, and each row is changed once).
func TestSharedStatementWithoutParticipants(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		raw := dbtest.Raw(t, d)
		if _, err := raw.ExecContext(ctx, `CREATE TABLE counts (id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)`); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO counts (id) VALUES (1), (2)`); err != nil {
			t.Fatal(err)
		}
		w, err := commit.NewWriter(d, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Close()
		count := &commit.Shared[int, int]{
			Name: "count",
			Statement: func(engine db.Engine, ids []int) db.Statement {
				var p db.Params
				in := make([]string, len(ids))
				for i, id := range ids {
					in[i] = p.Add(id)
				}
				return db.Statement{Query: `UPDATE counts SET n = n + 1 WHERE id IN (` + strings.Join(in, ", ") + `) RETURNING id`, Args: p.Args()}
			},
			Read: func(ids []int, res db.StatementResult) (map[int]int, error) {
				out := map[int]int{}
				for _, r := range res.Rows {
					var id int64
					if err := db.ScanValues(r, &id); err != nil {
						return nil, err
					}
					out[slices.Index(ids, int(id))] = int(id)
				}
				return out, nil
			},
		}
		release := holdWriter(t, w)
		errc := make(chan error, 2)
		for id := 1; id <= 2; id++ {
			go func() {
				_, err := commit.DoShared(ctx, w, count, func(time.Time) (int, error) { return id, nil }, func(tx *commit.Tx, got int, changed bool) (int, error) {
					if _, err := tx.ReadTogether(db.Statement{Query: `SELECT 1`}); err != nil {
						return 0, err
					}
					if !changed || got != id {
						return 0, errs.E(errs.InvalidState, fmt.Sprintf("row %d: changed %v, got %d", id, changed, got))
					}
					return got, nil
				})
				errc <- err
			}()
		}
		waitQueued(t, w, 2)
		release()
		for range 2 {
			if err := <-errc; err != nil {
				t.Error(err)
			}
		}
		for id := 1; id <= 2; id++ {
			var n int
			if err := raw.QueryRowContext(ctx, `SELECT n FROM counts WHERE id = $1`, id).Scan(&n); err != nil || n != 1 {
				t.Errorf("row %d counted %d times (%v), want 1", id, n, err)
			}
		}
	})
}

// holdWriter makes the writer wait in a call until release is closed, so
// that the calls sent meanwhile queue up for one batch.
func holdWriter(t *testing.T, w *commit.Writer) (release func()) {
	started, done := make(chan struct{}), make(chan struct{})
	go commit.Do(context.Background(), w, func(tx *commit.Tx) (int, error) {
		close(started)
		<-done
		return 0, nil
	})
	<-started
	return func() { close(done) }
}

// waitQueued waits until n calls wait for the next batch.
func waitQueued(t *testing.T, w *commit.Writer, n int) {
	for w.Queued() < n {
		runtime.Gosched()
	}
}

// TestFailedBatchShowsNoResponse: when a batch cannot commit, no caller
// may be shown a response of it, not even one its function produced.
func TestFailedBatchShowsNoResponse(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := commit.WithKey(context.Background(), commit.Key{Scope: "user:x", Name: "k", RequestHash: "h"})
		out, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (string, error) {
			// A deferred foreign key to an entry that never comes: the
			// commit fails.
			_, err := tx.ExecContext(tx.Context(), `INSERT INTO donations (id, reference, status, amount, currency, anonymous, receipt_requested,
				donor_name, donor_email, donor_street, donor_postal_code, donor_city, message, created_at, ledger_entry_id)
				VALUES ('d1', 'FUND-AAAA-AAAA', 'pledged', 100, 'EUR', false, false, '', '', '', '', '', '', $1, $2)`, tx.Now(), db.NewID())
			return "done", err
		})
		if !errs.Is(errs.Internal, err) {
			t.Fatalf("err = %v, want internal", err)
		}
		if out.Body != nil || out.Replayed || out.Value != "" {
			t.Fatalf("a response of a batch that did not commit: %+v", out)
		}
	})
}

// TestBadLaterRowFailsAlone: a row handed to a commit.Later that the
// database refuses fails its own call, not the others of its batch.
func TestBadLaterRowFailsAlone(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, d *db.DB) {
		s := ledgertest.Service(t, d)
		ctx := context.Background()
		release := holdWriter(t, s.Writer)
		bad := make(chan error, 1)
		later := &commit.Later[time.Time]{Insert: func(at []time.Time) []db.Statement {
			return db.InsertRows("donations", []string{"id", "reference", "status", "amount", "currency", "anonymous",
				"receipt_requested", "donor_name", "donor_email", "donor_street", "donor_postal_code", "donor_city", "message", "created_at"},
				[][]any{{"d-bad", "FUND-BBBB-BBBB", "pledged", 0, "EUR", false, false, "", "", "", "", "", "", at[0]}}, // amount > 0 is checked
				" ON CONFLICT (reference) DO NOTHING")
		}}
		go func() {
			_, err := commit.Do(ctx, s.Writer, func(tx *commit.Tx) (bool, error) {
				return later.Add(tx, tx.Now())
			})
			bad <- err
		}()
		waitQueued(t, s.Writer, 1)
		good := make(chan error, 1)
		go func() {
			_, err := s.PostManual(ctx, ledgertest.Treasurer, ledgertest.Manual("donation", ledger.Clearing, "1.00", ledger.Interest, "-1.00"))
			good <- err
		}()
		waitQueued(t, s.Writer, 2)
		release()
		if err := <-good; err != nil {
			t.Fatalf("the good call: %v", err)
		}
		if err := <-bad; err == nil {
			t.Fatal("the bad row was taken")
		}
		ledgertest.Verify(t, d)
	})
}
