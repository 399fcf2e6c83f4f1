-- +goose Up
-- Donations: pledges from the public and what became of them. The donor's
-- personal data lives only here (never in the ledger), so it can be erased
-- when the retention period ends without touching the hash chain.
-- The write path inserts ledger entries at the end of its batch, so rows
-- that point at entries check that reference at commit (DEFERRABLE).
CREATE TABLE donations (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,  -- list order only; never shown
    id                TEXT NOT NULL UNIQUE,
    reference         TEXT NOT NULL UNIQUE,
    status            TEXT NOT NULL CHECK (status IN ('pledged', 'received', 'cancelled', 'refunded')),
    amount            BIGINT NOT NULL CHECK (amount > 0),
    currency          TEXT NOT NULL,
    anonymous         BOOLEAN NOT NULL,
    receipt_requested BOOLEAN NOT NULL,
    donor_name        TEXT NOT NULL DEFAULT '',
    donor_email       TEXT NOT NULL DEFAULT '',
    donor_street      TEXT NOT NULL DEFAULT '',
    donor_postal_code TEXT NOT NULL DEFAULT '',
    donor_city        TEXT NOT NULL DEFAULT '',
    message           TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL,
    received_at       DATETIME,
    ledger_entry_id   TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    cancelled_at      DATETIME,
    refunded_at       DATETIME,
    refund_reason     TEXT NOT NULL DEFAULT '',
    refund_entry_id   TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX donations_status ON donations (status, seq);
CREATE INDEX donations_created ON donations (created_at);

-- +goose Down
DROP TABLE donations;
