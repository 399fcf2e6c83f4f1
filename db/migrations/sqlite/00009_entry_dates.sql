-- +goose Up
-- Every entry carries its business date (YYYY-MM-DD, Europe/Berlin) beside
-- its time: a donation's day of receipt, else the day it was written (see
-- ledger/doc.go). Ranges and years of the ledger and the reports go by it.
-- Existing entries get the Berlin day of their time. SQLite knows no time
-- zones, so the Berlin offset is spelled out: summer time (+2 hours) from
-- 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of
-- October, the EU's rule since 1996; else +1 hour.
ALTER TABLE entries ADD COLUMN date TEXT NOT NULL DEFAULT '';
DROP TRIGGER entries_append_only_update;
UPDATE entries SET date = date(time, CASE
    WHEN datetime(time) >= datetime(date(strftime('%Y', time) || '-03-25', 'weekday 0'), '+1 hour')
     AND datetime(time) < datetime(date(strftime('%Y', time) || '-10-25', 'weekday 0'), '+1 hour')
    THEN '+2 hours' ELSE '+1 hour' END);
-- +goose StatementBegin
CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
-- +goose StatementEnd
-- Ranges go by the date now; nothing reads entries by time.
CREATE INDEX entries_date ON entries (date);
DROP INDEX entries_time;

-- +goose Down
CREATE INDEX entries_time ON entries (time);
DROP INDEX entries_date;
ALTER TABLE entries DROP COLUMN date;
