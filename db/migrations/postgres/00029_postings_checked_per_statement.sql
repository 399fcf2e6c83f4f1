-- +goose Up
-- A posting's entry is checked once per statement instead of by a foreign
-- key. A foreign key's check locks the entry's row (FOR KEY SHARE) so that
-- nobody deletes it or changes its key before the posting commits, and on
-- PostgreSQL that lock is a WAL record of its own, also for a row the same
-- transaction has just inserted: about 55 B of every entry's WAL
-- (docs/performance.md, "Binary ids and hashes, postings checked per
-- statement"). Entries can be neither deleted nor changed nor truncated
-- (ledger_append_only), so the lock guards against nothing; the check
-- itself stays: a statement that inserts a posting whose entry does not
-- exist (yet) is refused with the foreign key's error code, as before.
-- +goose StatementBegin
CREATE FUNCTION postings_have_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s BIGINT;
BEGIN
    -- One probe of entries' unique index per entry of the statement: a
    -- join with the transition table (which has no statistics) was
    -- planned as a scan of all entries.
    FOR s IN SELECT DISTINCT seq FROM new_postings LOOP
        IF NOT EXISTS (SELECT 1 FROM entries WHERE seq = s) THEN
            RAISE EXCEPTION 'insert into postings: entry % does not exist', s
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
ALTER TABLE postings DROP CONSTRAINT postings_seq_fkey;
CREATE TRIGGER postings_have_entries AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION postings_have_entries();

-- +goose Down
DROP TRIGGER postings_have_entries ON postings;
DROP FUNCTION postings_have_entries();
ALTER TABLE postings ADD CONSTRAINT postings_seq_fkey FOREIGN KEY (seq) REFERENCES entries (seq);
