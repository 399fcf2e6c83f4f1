package commit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"fundus/db"
)

// This file holds all of the write path's own SQL: its idempotency
// records.

// idemRow is a stored idempotency record. Its key column is KeyDigest of
// the caller and key, not the key itself.
type idemRow struct {
	RequestHash string `db:"request_hash"` // stored as bytes, compared as Key.RequestHash
	Status      int    `db:"status"`
	Body        []byte `db:"body"`
}

// scopedKey is an idempotency key with the caller it belongs to.
type scopedKey struct{ scope, key string }

// KeyDigest is what the idempotency record of a caller (scope) and a
// client's key (name) is stored under: the SHA-256 of the caller, a space
// and the key. A client's key is up to 255 characters and a caller's scope
// about 40; their digest is 32 bytes, which keeps the row and its primary
// key's index small (migration 00027, docs/performance.md). Neither may
// hold a space (ValidKey), so two pairs never share the hashed bytes.
// Tests and tools look records up by it.
func KeyDigest(scope, name string) []byte {
	sum := sha256.Sum256([]byte(scope + " " + name))
	return sum[:]
}

// findIdempotencyKeys looks up keys one statement each: a lookup by the
// whole primary key is the one form whose plan is an index scan however
// small the table was when the statement was planned (a batch's keys in
// one statement was planned as a scan of the table while it was new, and
// stayed so). It runs only after a batch's insert of its keys failed, to
// find which were stored and their answers.
func findIdempotencyKeys(ctx context.Context, q sqlx.QueryerContext, keys []scopedKey) (map[scopedKey]idemRow, error) {
	found := make(map[scopedKey]idemRow, len(keys))
	for _, k := range keys {
		var r idemRow
		err := sqlx.GetContext(ctx, q, &r, `SELECT request_hash, status, body FROM idempotency_keys WHERE key = $1`, KeyDigest(k.scope, k.key))
		if errors.Is(err, sql.ErrNoRows) {
			continue // forgotten since (older than 72 h)
		}
		if err != nil {
			return nil, err
		}
		found[k] = r
	}
	return found, nil
}

// insertIdempotencyKeys returns the statements that insert the records.
// A key already stored fails them (and the transaction): the write path
// then looks the batch's keys up (findIdempotencyKeys) and runs the batch
// again, replaying the calls of those it found. Failing, rather than leaving the row out (ON
// CONFLICT DO NOTHING), lets the batch's last statements and its COMMIT go
// in one round trip, with no answer to check between them.
func insertIdempotencyKeys(records []idemRecord) []db.Statement {
	rows := make([][]any, len(records))
	for i, r := range records {
		rows[i] = []any{KeyDigest(r.key.Scope, r.key.Name), []byte(r.key.RequestHash), r.status, r.body, r.at}
	}
	return db.InsertRows("idempotency_keys", []string{"key", "request_hash", "status", "body", "created_at"}, rows, "")
}

// keysTaken is the error of a batch whose idempotency keys were already
// stored: it runs again with their records, so that their calls are
// replayed instead of done twice.
type keysTaken struct{ found map[scopedKey]idemRow }

func (e *keysTaken) Error() string {
	return fmt.Sprintf("commit: %d idempotency keys of the batch were already stored", len(e.found))
}

// deleteIdempotencyKeysBefore forgets keys created before t.
func deleteIdempotencyKeysBefore(ctx context.Context, q sqlx.ExecerContext, t time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, t)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
