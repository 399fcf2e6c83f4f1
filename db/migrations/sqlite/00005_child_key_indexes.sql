-- +goose Up
-- Indexes on the columns that point at entries. SQLite needs them on the
-- write path: while a deferred foreign key is unresolved (a donation points
-- at the entry the batch inserts at its end), inserting that entry makes
-- SQLite look for the rows that point at it, which without an index is a
-- scan of the whole table per entry: confirms slowed down as donations grew.
-- Partial, so that a new pledge (no entry yet) adds nothing to them; SQLite
-- uses them for its "= entry id" lookup, which implies IS NOT NULL.
CREATE INDEX donations_ledger_entry ON donations (ledger_entry_id) WHERE ledger_entry_id IS NOT NULL;
CREATE INDEX donations_refund_entry ON donations (refund_entry_id) WHERE refund_entry_id IS NOT NULL;
CREATE INDEX applications_decision_entry ON applications (decision_entry_id) WHERE decision_entry_id IS NOT NULL;
CREATE INDEX applications_close_entry ON applications (close_entry_id) WHERE close_entry_id IS NOT NULL;
CREATE INDEX disbursements_ledger_entry ON disbursements (ledger_entry_id) WHERE ledger_entry_id IS NOT NULL;

-- +goose Down
DROP INDEX disbursements_ledger_entry;
DROP INDEX applications_close_entry;
DROP INDEX applications_decision_entry;
DROP INDEX donations_refund_entry;
DROP INDEX donations_ledger_entry;
