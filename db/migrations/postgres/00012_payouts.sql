-- +goose Up
-- Instalments are paid by the bank: released (a second person approved
-- them) they wait for a payment file, sent they wait for the bank's debit
-- line, which makes them paid; a payment the payee's bank sends back makes
-- them returned. Each carries its SEPA end-to-end id, by which the debit
-- line finds it.
CREATE TABLE payment_files (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- list order only; never shown
    id             TEXT NOT NULL UNIQUE,
    message_id     TEXT NOT NULL UNIQUE,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    execution_date TEXT NOT NULL,          -- YYYY-MM-DD
    count          INTEGER NOT NULL CHECK (count > 0),
    total          BIGINT NOT NULL CHECK (total > 0),
    document       TEXT NOT NULL           -- the pain.001.001.09 file as it was made
);

ALTER TABLE disbursements DROP CONSTRAINT disbursements_status_check;
ALTER TABLE disbursements ADD CONSTRAINT disbursements_status_check CHECK (status IN ('pending', 'released', 'sent', 'paid', 'returned'));
ALTER TABLE disbursements ADD COLUMN end_to_end_id TEXT;
UPDATE disbursements SET end_to_end_id = 'F' || upper(replace(id, '-', ''));
ALTER TABLE disbursements ALTER COLUMN end_to_end_id SET NOT NULL;
ALTER TABLE disbursements ADD COLUMN payment_file_id TEXT REFERENCES payment_files (id);
ALTER TABLE disbursements ADD COLUMN sent_at TIMESTAMPTZ;
ALTER TABLE disbursements ADD COLUMN paid_at TIMESTAMPTZ;
UPDATE disbursements SET paid_at = released_at WHERE status = 'paid';
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
DROP INDEX disbursements_payment_file;
DROP INDEX disbursements_status;
DROP INDEX disbursements_end_to_end;
ALTER TABLE disbursements DROP COLUMN paid_at;
ALTER TABLE disbursements DROP COLUMN sent_at;
ALTER TABLE disbursements DROP COLUMN payment_file_id;
ALTER TABLE disbursements DROP COLUMN end_to_end_id;
ALTER TABLE disbursements DROP CONSTRAINT disbursements_status_check;
ALTER TABLE disbursements ADD CONSTRAINT disbursements_status_check CHECK (status IN ('pending', 'paid'));
ALTER TABLE applications DROP COLUMN returned_paid;
ALTER TABLE donations DROP COLUMN refund_payment_file_id;
DROP TABLE payment_files;
