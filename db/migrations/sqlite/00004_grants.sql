-- +goose Up
-- Grant applications and everything the committee and the treasurer do
-- with them. Rows that point at ledger entries check that reference at
-- commit (DEFERRABLE), since the write path inserts entries at the end of
-- its batch.
CREATE TABLE applications (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,  -- list order only; never shown
    id               TEXT NOT NULL UNIQUE,
    owner_id         TEXT NOT NULL REFERENCES users (id),
    status           TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'in_review', 'approved', 'rejected', 'withdrawn', 'partially_paid', 'paid', 'reported', 'closed')),
    title            TEXT NOT NULL,
    organisation     TEXT NOT NULL,
    summary          TEXT NOT NULL,
    description      TEXT NOT NULL,
    requested_amount BIGINT NOT NULL,
    approved_amount  BIGINT,
    paid_amount      BIGINT NOT NULL DEFAULT 0,
    currency         TEXT NOT NULL,
    budget           TEXT NOT NULL,          -- JSON: [{"item", "amount"}], amounts as decimal strings
    starts_on        TEXT NOT NULL,          -- YYYY-MM-DD
    ends_on          TEXT NOT NULL,
    payee_holder     TEXT NOT NULL,
    payee_iban       TEXT NOT NULL,
    payee_bic        TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL,
    submitted_at     DATETIME,
    decided_at       DATETIME,
    decided_by       TEXT NOT NULL DEFAULT '',
    conditions       TEXT NOT NULL DEFAULT '',
    decision_entry_id TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    spent            BIGINT,
    report           TEXT NOT NULL DEFAULT '',
    reported_at      DATETIME,
    returned         BIGINT,
    closed_at        DATETIME,
    close_entry_id   TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX applications_owner ON applications (owner_id, seq);
CREATE INDEX applications_status ON applications (status, seq);

CREATE TABLE reviews (
    application_id       TEXT NOT NULL REFERENCES applications (id),
    member_id            TEXT NOT NULL REFERENCES users (id),
    score                INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment              TEXT NOT NULL,
    conflict_of_interest BOOLEAN NOT NULL,
    created_at           DATETIME NOT NULL,
    PRIMARY KEY (application_id, member_id)
);

CREATE TABLE votes (
    application_id TEXT NOT NULL REFERENCES applications (id),
    member_id      TEXT NOT NULL REFERENCES users (id),
    vote           TEXT NOT NULL CHECK (vote IN ('approve', 'reject', 'abstain')),
    amount         BIGINT,
    comment        TEXT NOT NULL,
    created_at     DATETIME NOT NULL,
    PRIMARY KEY (application_id, member_id)
);

CREATE TABLE disbursements (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    application_id  TEXT NOT NULL REFERENCES applications (id),
    amount          BIGINT NOT NULL CHECK (amount > 0),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'paid')),
    created_by      TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    released_by     TEXT NOT NULL DEFAULT '',
    released_at     DATETIME,
    ledger_entry_id TEXT REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX disbursements_application ON disbursements (application_id);

-- +goose Down
DROP TABLE disbursements;
DROP TABLE votes;
DROP TABLE reviews;
DROP TABLE applications;
