-- +goose Up
-- Donation receipts (Zuwendungsbestätigungen, § 10b EStG, § 50 EStDV),
-- issued only by a treasurer's action or the annual run. A receipt keeps
-- its own copy of the donor's name and address and its PDF: erasing the
-- donation's personal data does not take what the receipt must keep until
-- its own retention period ends (receipts.EraseDue blanks them then).
-- number: ZB-YEAR-NNNNN, gapless per year (receipt_counters, taken in the
-- receipt's own transaction); year and year_seq are its parts.
-- year: single, the year of the donation's received day in Europe/Berlin;
-- collective, the year asked for (every listed donation was received in it).
-- donation_date (single) or period_from..period_to (collective): YYYY-MM-DD.
-- pdf is the receipt as issued (pdf_sha256 its hash); a cancelled receipt
-- keeps its row, number and pdf, and cancelled_pdf is the copy stamped
-- cancelled, made when it was cancelled.
CREATE TABLE receipts (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    year              INTEGER NOT NULL,
    year_seq          INTEGER NOT NULL CHECK (year_seq > 0),
    kind              TEXT NOT NULL CHECK (kind IN ('single', 'collective')),
    status            TEXT NOT NULL CHECK (status IN ('valid', 'cancelled')),
    donor_name        TEXT NOT NULL,
    donor_street      TEXT NOT NULL,
    donor_postal_code TEXT NOT NULL,
    donor_city        TEXT NOT NULL,
    amount            BIGINT NOT NULL CHECK (amount > 0),
    donation_date     TEXT NOT NULL DEFAULT '',
    period_from       TEXT NOT NULL DEFAULT '',
    period_to         TEXT NOT NULL DEFAULT '',
    issued_at         DATETIME NOT NULL,
    issued_by         TEXT NOT NULL,
    cancelled_at      DATETIME,
    cancelled_by      TEXT NOT NULL DEFAULT '',
    cancel_reason     TEXT NOT NULL DEFAULT '',
    pdf               BLOB,
    pdf_sha256        TEXT NOT NULL,
    cancelled_pdf     BLOB,
    lang              TEXT NOT NULL DEFAULT 'de',
    erased_at         DATETIME,
    UNIQUE (year, year_seq)
);
CREATE INDEX receipts_issued ON receipts (issued_at);
-- The donations a receipt confirms, each with its amount and day as
-- printed. valid mirrors the receipt's status: the partial unique index
-- lets a donation have at most one valid receipt, and any number of
-- cancelled ones.
CREATE TABLE receipt_donations (
    receipt_id    TEXT NOT NULL REFERENCES receipts (id),
    donation_id   TEXT NOT NULL REFERENCES donations (id),
    amount        BIGINT NOT NULL CHECK (amount > 0),
    donation_date TEXT NOT NULL,
    valid         BOOLEAN NOT NULL,
    PRIMARY KEY (receipt_id, donation_id)
);
CREATE UNIQUE INDEX receipt_donations_one_valid ON receipt_donations (donation_id) WHERE valid;
CREATE INDEX receipt_donations_donation ON receipt_donations (donation_id);
-- The last number given per year: the next receipt takes last + 1 in its
-- own transaction, so numbers have no gaps and none is given twice.
CREATE TABLE receipt_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL CHECK (last > 0)
);

-- +goose Down
DROP TABLE receipt_counters;
DROP TABLE receipt_donations;
DROP TABLE receipts;
