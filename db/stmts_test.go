package db

import (
	"context"
	"path/filepath"
	"testing"
)

// A read is prepared once and then answers every later call with its own
// arguments; the writer's statements are prepared between transactions.
func TestStatementsArePreparedOnceAndReused(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "s.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	const q = `SELECT $1 + 1`
	for _, n := range []int{1, 41} {
		var got int
		if err := d.QueryRowxContext(ctx, q, n).Scan(&got); err != nil || got != n+1 {
			t.Fatalf("%s with %d: %d, %v", q, n, got, err)
		}
	}
	if d.reads.m[q] == nil {
		t.Fatal("the read was not kept prepared")
	}

	w := newStmts(d.writer, true)
	defer w.Close()
	for i := range 2 {
		if i == 1 {
			w.PreparePending(ctx)
		}
		tx, err := d.writer.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := (&CachedTx{tx: tx, s: w}).QueryRowxContext(ctx, q, i).Scan(&got); err != nil || got != i+1 {
			t.Fatalf("in transaction %d: %d, %v", i, got, err)
		}
		tx.Rollback()
		if prepared := w.m[q] != nil; prepared != (i == 1) {
			t.Fatalf("transaction %d: prepared %v", i, prepared)
		}
	}
}
