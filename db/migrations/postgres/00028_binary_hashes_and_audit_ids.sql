-- +goose Up
-- An entry's hash and prev_hash, and the chain head's hash, are stored as
-- their 32 bytes instead of 64 hex characters, and an audit record's id as
-- a uuid (16 bytes) instead of its 36 characters: about 85 B fewer in an
-- entry's WAL (docs/performance.md, "Binary hashes and audit ids"). The
-- ledger reads them back as the same hex and text (ledger/store.go,
-- hashColumn; pgx reads a uuid as its text), so the chain's bytes, the API
-- and every export stay as they were. A value that is not what Fundus
-- writes (64 lowercase hex characters; a UUID in its canonical text) is not
-- converted but becomes NULL, which a NOT NULL column refuses: the
-- migration stops instead of turning it into what Fundus would have
-- written, so that `fundus verify` finds after it what it found before.
-- The tables are rewritten and held while this runs.
ALTER TABLE entries
    ALTER COLUMN prev_hash TYPE BYTEA USING decode(CASE WHEN prev_hash ~ '^[0-9a-f]{64}$' THEN prev_hash END, 'hex'),
    ALTER COLUMN hash TYPE BYTEA USING decode(CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN hash END, 'hex');
ALTER TABLE ledger_head
    ALTER COLUMN hash TYPE BYTEA USING decode(CASE WHEN hash ~ '^[0-9a-f]{64}$' THEN hash END, 'hex');
ALTER TABLE audit_log
    ALTER COLUMN id TYPE UUID USING (CASE WHEN id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN id END)::uuid;

-- +goose Down
ALTER TABLE audit_log ALTER COLUMN id TYPE TEXT USING id::text;
ALTER TABLE ledger_head ALTER COLUMN hash TYPE TEXT USING encode(hash, 'hex');
ALTER TABLE entries
    ALTER COLUMN prev_hash TYPE TEXT USING encode(prev_hash, 'hex'),
    ALTER COLUMN hash TYPE TEXT USING encode(hash, 'hex');
