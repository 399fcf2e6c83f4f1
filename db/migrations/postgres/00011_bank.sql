-- +goose Up
-- Bank statements as imported, and their lines. A line is identified by
-- its content (identity: a hash of the account, booking date, amount,
-- direction, counterparty IBAN, remittance and end-to-end id) and counted:
-- two equal lines are two rows with the same identity, and a file imported
-- again adds only the lines beyond those stored (bank/import.go). A line
-- books money once: when it is matched or booked, entry_id names the entry.
CREATE TABLE bank_statements (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- list order only; never shown
    id              TEXT NOT NULL UNIQUE,
    account_iban    TEXT NOT NULL,
    format          TEXT NOT NULL,
    from_date       TEXT NOT NULL,          -- YYYY-MM-DD
    to_date         TEXT NOT NULL,
    opening_balance BIGINT,                 -- cents, signed; NULL when the file has none
    opening_date    TEXT,
    closing_balance BIGINT,
    closing_date    TEXT,
    lines           INTEGER NOT NULL CHECK (lines >= 0),
    new_lines       INTEGER NOT NULL CHECK (new_lines >= 0),
    duplicate_lines INTEGER NOT NULL CHECK (duplicate_lines >= 0),
    matched         INTEGER NOT NULL CHECK (matched >= 0),
    queued          INTEGER NOT NULL CHECK (queued >= 0),
    imported_by     TEXT NOT NULL,
    imported_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX bank_statements_closing ON bank_statements (closing_date, seq);

CREATE TABLE bank_lines (
    seq               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- list order only; never shown
    id                TEXT NOT NULL UNIQUE,
    statement_id      TEXT NOT NULL REFERENCES bank_statements (id),
    identity          TEXT NOT NULL,
    booking_date      TEXT NOT NULL,          -- YYYY-MM-DD
    value_date        TEXT NOT NULL,
    amount            BIGINT NOT NULL CHECK (amount > 0),  -- cents; direction says which way
    currency          TEXT NOT NULL,
    direction         TEXT NOT NULL CHECK (direction IN ('credit', 'debit')),
    counterparty_name TEXT NOT NULL,
    counterparty_iban TEXT NOT NULL,
    remittance        TEXT NOT NULL,
    end_to_end_id     TEXT NOT NULL,
    bank_reference    TEXT NOT NULL,
    bank_text         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('pending', 'queued', 'matched', 'booked')),
    match_type        TEXT NOT NULL DEFAULT '',
    match_id          TEXT NOT NULL DEFAULT '',
    entry_id          TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    resolved_by       TEXT NOT NULL DEFAULT '',
    resolved_at       TIMESTAMPTZ
);
CREATE INDEX bank_lines_identity ON bank_lines (identity);
CREATE INDEX bank_lines_status ON bank_lines (status, seq);
CREATE INDEX bank_lines_statement ON bank_lines (statement_id, seq);
CREATE INDEX bank_lines_entry ON bank_lines (entry_id);

-- Interest the bank pays is income of its own; a refund is owed from the
-- moment it is decided until the bank line that pays it.
INSERT INTO accounts (code, type, currency, name) VALUES
    ('income:interest', 'income', 'EUR', 'interest the bank pays'),
    ('liabilities:refunds-payable', 'liability', 'EUR', 'refunds owed to donors, not yet paid');

-- +goose Down
DELETE FROM accounts WHERE code IN ('income:interest', 'liabilities:refunds-payable');
DROP TABLE bank_lines;
DROP TABLE bank_statements;
