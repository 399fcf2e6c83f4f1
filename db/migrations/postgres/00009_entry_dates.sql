-- +goose Up
-- Every entry carries its business date (YYYY-MM-DD, Europe/Berlin) beside
-- its time: a donation's day of receipt, else the day it was written (see
-- ledger/doc.go). Ranges and years of the ledger and the reports go by it.
-- Existing entries get the Berlin day of their time. The column is text,
-- as on SQLite, so both engines compare and return it alike.
ALTER TABLE entries ADD COLUMN date TEXT;
ALTER TABLE entries DISABLE TRIGGER entries_append_only;
UPDATE entries SET date = to_char(time AT TIME ZONE 'Europe/Berlin', 'YYYY-MM-DD');
ALTER TABLE entries ENABLE TRIGGER entries_append_only;
ALTER TABLE entries ALTER COLUMN date SET NOT NULL;
-- Ranges go by the date now; nothing reads entries by time.
CREATE INDEX entries_date ON entries (date);
DROP INDEX entries_time;

-- +goose Down
CREATE INDEX entries_time ON entries (time);
DROP INDEX entries_date;
ALTER TABLE entries DROP COLUMN date;
