-- +goose Up
-- PostgreSQL checks a posting's account once per statement from here on
-- instead of by a foreign key, whose row lock is a WAL record per account
-- and batch there (see its migration). SQLite's foreign key takes no such
-- lock and writes nothing for its check: it stays. Nothing to do here.
SELECT 1;

-- +goose Down
SELECT 1;
