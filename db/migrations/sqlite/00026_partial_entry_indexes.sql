-- +goose Up
-- Nothing on SQLite. On PostgreSQL this migration leaves the entries that
-- reverse nothing, and those without a cause, out of two indexes. Here
-- the uniqueness of reverses is the table's own constraint, which only a
-- rebuild of the append-only entries table could change, and the planner
-- would not use an index on the causes with the condition ref_type <> ''
-- for a lookup of ref_type = 'application' (it needs the condition's own
-- terms in the query). The version is kept so that both engines count the
-- same migrations.
SELECT 1;

-- +goose Down
SELECT 1;
