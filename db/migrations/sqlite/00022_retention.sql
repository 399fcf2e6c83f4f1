-- +goose Up
-- Retention and erasure (GDPR Art. 17 and 18; § 147 AO; municipal budget
-- law): a year's records are kept FUNDUS_RETENTION_YEARS from the end of
-- the year in which that year's accounts were formally adopted, then the
-- personal data in them is erased. fiscal_years records the adoptions;
-- until a year's is recorded nothing of that year is erased.
CREATE TABLE fiscal_years (
    year        INTEGER PRIMARY KEY CHECK (year BETWEEN 1900 AND 9999),
    adopted_on  TEXT NOT NULL,          -- YYYY-MM-DD: the accounts were adopted (festgestellt)
    recorded_by TEXT NOT NULL,
    recorded_at DATETIME NOT NULL
);
-- restricted_at: an erasure was asked for while a retention duty holds;
-- the donor's data is restricted (Art. 18 GDPR) until its period ends.
-- erased_at: the row's personal data was erased (blanked).
ALTER TABLE donations ADD COLUMN restricted_at DATETIME;
ALTER TABLE donations ADD COLUMN erased_at DATETIME;
ALTER TABLE bank_lines ADD COLUMN erased_at DATETIME;
ALTER TABLE mail_outbox ADD COLUMN erased_at DATETIME;
ALTER TABLE applications ADD COLUMN erased_at DATETIME;
ALTER TABLE report_receipts ADD COLUMN erased_at DATETIME;
ALTER TABLE payment_files ADD COLUMN erased_at DATETIME;

-- +goose Down
ALTER TABLE payment_files DROP COLUMN erased_at;
ALTER TABLE report_receipts DROP COLUMN erased_at;
ALTER TABLE applications DROP COLUMN erased_at;
ALTER TABLE mail_outbox DROP COLUMN erased_at;
ALTER TABLE bank_lines DROP COLUMN erased_at;
ALTER TABLE donations DROP COLUMN erased_at;
ALTER TABLE donations DROP COLUMN restricted_at;
DROP TABLE fiscal_years;
