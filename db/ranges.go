package db

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// SummarizeRanges summarizes the block ranges of the schema's block-range
// (BRIN) indexes that are not yet summarized, and returns how many it
// summarized. A range not summarized is read whole by every lookup through
// its index; autovacuum summarizes a range when it fills (autosummarize),
// but a server may run with autovacuum off, so Fundus's hourly upkeep
// calls this too. It runs on the writer (q is a write transaction): the
// function writes the index. SQLite has no such indexes: 0.
func SummarizeRanges(ctx context.Context, q sqlx.QueryerContext, e Engine) (int64, error) {
	if e != Postgres {
		return 0, nil
	}
	var n int64
	err := sqlx.GetContext(ctx, q, &n, `
		SELECT COALESCE(SUM(brin_summarize_new_values(c.oid)), 0)::bigint
		FROM pg_class c JOIN pg_am a ON a.oid = c.relam
		WHERE a.amname = 'brin' AND c.relkind = 'i' AND c.relnamespace = current_schema()::regnamespace`)
	return n, err
}
