-- +goose Up
-- Postings are keyed by their entry's sequence number instead of its id:
-- an 8-byte key that grows with the ledger instead of a 36-character text,
-- so the postings of consecutive entries sit side by side, a walk over the
-- ledger reads them as one range, and the table and its two indexes take a
-- third less room (docs/performance.md, "Postings by sequence number").
-- The table is copied, not updated in place, so that no posting is ever
-- changed and no dead copies are left behind. A posting without its entry
-- (written past the foreign key's check) stops the migration: its seq is
-- NULL, which the new table refuses, so nothing is lost without a word.
CREATE TABLE postings_by_seq (
    seq      BIGINT NOT NULL REFERENCES entries (seq),
    line     INTEGER NOT NULL,
    account  TEXT NOT NULL REFERENCES accounts (code),
    amount   BIGINT NOT NULL CHECK (amount <> 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (seq, line)
);
INSERT INTO postings_by_seq (seq, line, account, amount, currency)
    SELECT e.seq, p.line, p.account, p.amount, p.currency
    FROM postings p LEFT JOIN entries e ON e.id = p.entry_id ORDER BY e.seq, p.line;
DROP TABLE postings;
ALTER TABLE postings_by_seq RENAME TO postings;
ALTER TABLE postings RENAME CONSTRAINT postings_by_seq_pkey TO postings_pkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_seq_seq_fkey TO postings_seq_fkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_seq_account_fkey TO postings_account_fkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_seq_amount_check TO postings_amount_check;
CREATE INDEX postings_account ON postings (account, seq);
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
ANALYZE postings;

-- +goose Down
CREATE TABLE postings_by_id (
    entry_id TEXT NOT NULL REFERENCES entries (id),
    line     INTEGER NOT NULL,
    account  TEXT NOT NULL REFERENCES accounts (code),
    amount   BIGINT NOT NULL CHECK (amount <> 0),
    currency TEXT NOT NULL,
    PRIMARY KEY (entry_id, line)
);
INSERT INTO postings_by_id (entry_id, line, account, amount, currency)
    SELECT e.id, p.line, p.account, p.amount, p.currency
    FROM postings p LEFT JOIN entries e ON e.seq = p.seq ORDER BY p.seq, p.line;
DROP TABLE postings;
ALTER TABLE postings_by_id RENAME TO postings;
ALTER TABLE postings RENAME CONSTRAINT postings_by_id_pkey TO postings_pkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_id_entry_id_fkey TO postings_entry_id_fkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_id_account_fkey TO postings_account_fkey;
ALTER TABLE postings RENAME CONSTRAINT postings_by_id_amount_check TO postings_amount_check;
CREATE INDEX postings_account ON postings (account, entry_id);
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
ANALYZE postings;
