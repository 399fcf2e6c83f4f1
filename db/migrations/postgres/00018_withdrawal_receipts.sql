-- +goose Up
-- When an application was withdrawn (NULL: not withdrawn), for its
-- timeline.
ALTER TABLE applications ADD COLUMN withdrawn_at TIMESTAMPTZ;
-- The receipts a group uploads with its report (PDF, JPEG or PNG, checked
-- by their content). Kept in the database, beside the report they prove:
-- one backup holds the books and their vouchers, a receipt commits with
-- its report or not at all, every instance sees it without a shared disk,
-- and erasure at the end of the retention period is one DELETE.
CREATE TABLE report_receipts (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id),
    name           TEXT NOT NULL,
    content_type   TEXT NOT NULL CHECK (content_type IN ('application/pdf', 'image/jpeg', 'image/png')),
    size           BIGINT NOT NULL CHECK (size > 0),
    sha256         TEXT NOT NULL,
    data           BYTEA NOT NULL,
    uploaded_by    TEXT NOT NULL,
    uploaded_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX report_receipts_application ON report_receipts (application_id);

-- +goose Down
DROP TABLE report_receipts;
ALTER TABLE applications DROP COLUMN withdrawn_at;
