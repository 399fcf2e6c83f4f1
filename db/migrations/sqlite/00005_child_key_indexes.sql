-- +goose Up
-- Indexes on the columns that point at entries. SQLite needs them on the
-- write path: while a deferred foreign key is unresolved (a donation points
-- at the entry the batch inserts at its end), inserting that entry makes
-- SQLite look for the rows that point at it, which without an index is a
-- scan of the whole table per entry: confirms slowed down as donations grew.
CREATE INDEX donations_ledger_entry ON donations (ledger_entry_id);
CREATE INDEX donations_refund_entry ON donations (refund_entry_id);
CREATE INDEX applications_decision_entry ON applications (decision_entry_id);
CREATE INDEX applications_close_entry ON applications (close_entry_id);
CREATE INDEX disbursements_ledger_entry ON disbursements (ledger_entry_id);

-- +goose Down
DROP INDEX disbursements_ledger_entry;
DROP INDEX applications_close_entry;
DROP INDEX applications_decision_entry;
DROP INDEX donations_refund_entry;
DROP INDEX donations_ledger_entry;
