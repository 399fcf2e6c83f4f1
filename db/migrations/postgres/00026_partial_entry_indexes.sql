-- +goose Up
-- The two indexes of entries that most entries have nothing for leave
-- those entries out: nearly every entry reverses nothing (reverses is
-- NULL), and a manual entry has no cause (ref_type and ref_id are ''). An
-- index entry for them bought nothing, since no query looks an entry up
-- by a NULL reversal or an empty cause, and cost each entry two b-tree
-- inserts in the WAL (docs/performance.md, "Partial indexes of entries").
-- The uniqueness of a reversal is the same: NULLs never clashed.
-- A lookup by a reversed entry's id (reverses = $1) or by a cause's type
-- (ref_type = 'application') still uses the index: both imply the index's
-- condition.
ALTER TABLE entries DROP CONSTRAINT entries_reverses_key;
CREATE UNIQUE INDEX entries_reverses_key ON entries (reverses) WHERE reverses IS NOT NULL;
DROP INDEX entries_ref;
CREATE INDEX entries_ref ON entries (ref_type, ref_id) WHERE ref_type <> '';

-- +goose Down
DROP INDEX entries_ref;
CREATE INDEX entries_ref ON entries (ref_type, ref_id);
DROP INDEX entries_reverses_key;
ALTER TABLE entries ADD CONSTRAINT entries_reverses_key UNIQUE (reverses);
