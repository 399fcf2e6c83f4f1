-- +goose Up
-- The double-entry ledger (see ledger/doc.go). Entries and postings are
-- append-only: the triggers below refuse UPDATE and DELETE. Account balances
-- are a cache of the sums of postings, updated in the same transaction and
-- checked by `fundus verify`.
CREATE TABLE accounts (
    code       TEXT PRIMARY KEY,
    type       TEXT NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'income', 'expense')),
    currency   TEXT NOT NULL,
    name       TEXT NOT NULL,
    balance    BIGINT NOT NULL DEFAULT 0    -- minor units, debit positive
);

INSERT INTO accounts (code, type, currency, name) VALUES
    ('assets:bank',                'asset',     'EUR', 'the fund''s bank account'),
    ('assets:clearing',            'asset',     'EUR', 'pledged or card donations not yet settled on the bank account'),
    ('liabilities:grants-payable', 'liability', 'EUR', 'approved grants not yet paid out'),
    ('equity:opening-balance',     'equity',    'EUR', 'money the fund started with'),
    ('income:donations',           'income',    'EUR', 'donations received'),
    ('expenses:grants',            'expense',   'EUR', 'grants awarded'),
    ('expenses:bank-fees',         'expense',   'EUR', 'fees');

-- The head of the hash chain: one row. Every write path transaction locks it
-- first, so entries get their sequence numbers and hashes in order.
CREATE TABLE ledger_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    last_time TIMESTAMPTZ NOT NULL
);
INSERT INTO ledger_head (id, seq, hash, last_time)
    VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '1970-01-01 00:00:00+00');

CREATE TABLE entries (
    id        TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL UNIQUE,
    time      TIMESTAMPTZ NOT NULL,
    kind      TEXT NOT NULL,
    memo      TEXT NOT NULL,
    ref_type  TEXT NOT NULL DEFAULT '',
    ref_id    TEXT NOT NULL DEFAULT '',
    actor     TEXT NOT NULL,
    reverses  TEXT UNIQUE REFERENCES entries (id),
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX entries_time ON entries (time);
CREATE INDEX entries_ref ON entries (ref_type, ref_id);

CREATE TABLE postings (
    entry_id TEXT NOT NULL REFERENCES entries (id),
    line     INTEGER NOT NULL,
    account  TEXT NOT NULL REFERENCES accounts (code),
    amount   BIGINT NOT NULL CHECK (amount <> 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (entry_id, line)
);
CREATE INDEX postings_account ON postings (account, entry_id);

-- +goose StatementBegin
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger % are append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- Responses of money-moving requests, by the caller's scope and key, stored
-- in the same transaction as their effect (ledger/idempotency.go).
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

-- Who did what to which object, when, with the change.
CREATE TABLE audit_log (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    time        TIMESTAMPTZ NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    details     TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log (actor);
CREATE INDEX audit_log_time ON audit_log (time);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE postings;
DROP TABLE entries;
DROP TABLE ledger_head;
DROP TABLE accounts;
DROP FUNCTION ledger_append_only();
