-- +goose Up
-- An idempotency record is stored under the SHA-256 of its caller, a space
-- and its key (commit/store.go, KeyDigest), and its request's hash
-- as its 32 bytes, not as 64 hex characters; the records kept so far are
-- carried over (see the PostgreSQL migration). sha256 is Fundus's own
-- function here (db/sha256.go). The table is kept in its primary key's
-- b-tree (WITHOUT ROWID): a record is written into two b-trees (the
-- table in its key's, and its time's index), not three.
CREATE TABLE idempotency_records (
    key          BLOB NOT NULL PRIMARY KEY,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   DATETIME NOT NULL
) WITHOUT ROWID;
INSERT INTO idempotency_records (key, request_hash, status, body, created_at)
SELECT sha256(scope || ' ' || key),
       CASE WHEN length(request_hash) = 64 AND request_hash NOT GLOB '*[^0-9a-f]*' THEN unhex(request_hash)
            ELSE CAST(request_hash AS BLOB) END,
       status, body, created_at
FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_records RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
-- SQLite has no block-range indexes: audit_log_time and entries_date stay
-- b-trees here. The audit trail's unique (id), dropped on PostgreSQL, is
-- its table's own constraint here, which only a rebuild of the table could
-- change: it stays.

-- +goose Down
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BLOB NOT NULL,
    created_at   DATETIME NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
