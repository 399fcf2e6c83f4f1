-- +goose Up
-- Nothing to do on SQLite, which has only row triggers. The PostgreSQL
-- migration of this number makes the donation totals follow each
-- statement instead of each row.
SELECT 1;

-- +goose Down
SELECT 1;
