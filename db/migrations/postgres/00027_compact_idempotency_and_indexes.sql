-- +goose Up
-- An idempotency record is stored under the SHA-256 of its caller, a space
-- and its key (commit/store.go, KeyDigest), and its request's hash
-- as its 32 bytes, not as 64 hex characters: a caller's scope is about 40
-- characters and a client's key up to 255, so the row and its primary
-- key's index were about twice what they hold now (docs/performance.md,
-- "Compact idempotency records, block-range indexes"). The records kept
-- so far are carried over, so that a request sent before the upgrade and
-- again after it is still answered from its record. Neither scope nor key
-- can hold a space (commit.ValidKey).
CREATE TABLE idempotency_records (
    key          BYTEA NOT NULL PRIMARY KEY,
    request_hash BYTEA NOT NULL,
    status       INTEGER NOT NULL,
    body         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
INSERT INTO idempotency_records (key, request_hash, status, body, created_at)
SELECT sha256(convert_to(scope || ' ' || key, 'UTF8')),
       CASE WHEN request_hash ~ '^[0-9a-f]{64}$' THEN decode(request_hash, 'hex')
            ELSE convert_to(request_hash, 'UTF8') END,
       status, body, created_at
FROM idempotency_keys;
DROP TABLE idempotency_keys;
ALTER TABLE idempotency_records RENAME TO idempotency_keys;
ALTER TABLE idempotency_keys RENAME CONSTRAINT idempotency_records_pkey TO idempotency_keys_pkey;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Two columns of tables whose rows are never deleted grow with their rows' order, so nearly
-- in step with their pages: the time of an audit record and the business
-- day of an entry. They are indexed by block ranges (BRIN) instead of
-- b-trees. A b-tree insert is a WAL record for every row; a block range
-- is summarized once (autosummarize: autovacuum does it when the range is
-- full; Fundus's hourly upkeep summarizes what is new, db.SummarizeRanges,
-- so it happens with autovacuum off too), and a lookup by a range of these
-- columns (the audit trail's from and to, the entries' from and to, the
-- trial balance of a day) reads the ranges that can hold a match. An entry
-- booked with an earlier day, or the clock going back, only widens a
-- range's summary; a range not yet summarized is always read. The
-- idempotency records' time keeps its b-tree: records are deleted every
-- hour and new ones fill the freed space, so their ranges would widen
-- until a lookup by time read most of the table.
DROP INDEX audit_log_time;
CREATE INDEX audit_log_time ON audit_log USING brin (time) WITH (autosummarize = on);
DROP INDEX entries_date;
CREATE INDEX entries_date ON entries USING brin (date) WITH (autosummarize = on);

-- An audit record's id is a UUIDv7 the server draws (db.NewID: the
-- millisecond and 74 random bits); no query finds a record by it (the
-- trail is read by seq, actor, action, object and time), so its unique
-- index bought a check of the generator at a b-tree insert per record,
-- 103 B of WAL per entry. The records stay ordered and found by seq.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_id_key;

-- +goose Down
ALTER TABLE audit_log ADD CONSTRAINT audit_log_id_key UNIQUE (id);
DROP INDEX entries_date;
CREATE INDEX entries_date ON entries (date);
DROP INDEX audit_log_time;
CREATE INDEX audit_log_time ON audit_log (time);
-- A record's caller and key cannot be read back from their digest: the
-- records are forgotten (a request sent again runs again, as after 72 hours).
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
