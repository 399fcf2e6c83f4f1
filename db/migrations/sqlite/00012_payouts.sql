-- +goose Up
-- Instalments are paid by the bank: released (a second person approved
-- them) they wait for a payment file, sent they wait for the bank's debit
-- line, which makes them paid; a payment the payee's bank sends back makes
-- them returned. Each carries its SEPA end-to-end id, by which the debit
-- line finds it. SQLite cannot change a CHECK constraint: the table is
-- built anew, with the columns in PostgreSQL's order.
CREATE TABLE payment_files (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,  -- list order only; never shown
    id             TEXT NOT NULL UNIQUE,
    message_id     TEXT NOT NULL UNIQUE,
    created_by     TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    execution_date TEXT NOT NULL,          -- YYYY-MM-DD
    count          INTEGER NOT NULL CHECK (count > 0),
    total          BIGINT NOT NULL CHECK (total > 0),
    document       TEXT NOT NULL           -- the pain.001.001.09 file as it was made
);

CREATE TABLE disbursements_new (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    application_id  TEXT NOT NULL REFERENCES applications (id),
    amount          BIGINT NOT NULL CHECK (amount > 0),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'released', 'sent', 'paid', 'returned')),
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    released_by     TEXT NOT NULL DEFAULT '',
    released_at     DATETIME,
    ledger_entry_id TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    end_to_end_id   TEXT NOT NULL,
    payment_file_id TEXT REFERENCES payment_files (id),
    sent_at         DATETIME,
    paid_at         DATETIME
);
INSERT INTO disbursements_new (seq, id, application_id, amount, status, created_by, created_at, released_by, released_at, ledger_entry_id, end_to_end_id, paid_at)
SELECT seq, id, application_id, amount, status, created_by, created_at, released_by, released_at, ledger_entry_id,
       'F' || upper(replace(id, '-', '')), CASE WHEN status = 'paid' THEN released_at END
FROM disbursements;
DROP TABLE disbursements;
ALTER TABLE disbursements_new RENAME TO disbursements;
CREATE INDEX disbursements_application ON disbursements (application_id);
CREATE INDEX disbursements_ledger_entry ON disbursements (ledger_entry_id) WHERE ledger_entry_id IS NOT NULL;
CREATE UNIQUE INDEX disbursements_end_to_end ON disbursements (end_to_end_id);
CREATE INDEX disbursements_status ON disbursements (status, seq);
CREATE INDEX disbursements_payment_file ON disbursements (payment_file_id) WHERE payment_file_id IS NOT NULL;

-- A refund goes into a payment file too (to the IBAN its donation came
-- from); the file that holds it.
ALTER TABLE donations ADD COLUMN refund_payment_file_id TEXT REFERENCES payment_files (id);

-- What a group paid back of what it said at closing it returns, as its
-- bank lines brought it.
ALTER TABLE applications ADD COLUMN returned_paid BIGINT NOT NULL DEFAULT 0;

-- +goose Down
SELECT 1;
