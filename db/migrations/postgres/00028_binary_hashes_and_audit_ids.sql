-- +goose Up
-- Entries' ids, and the columns that name an entry, are stored as uuids
-- (16 bytes) instead of their 36 characters; an entry's hash and prev_hash,
-- and the chain head's hash, as their 32 bytes instead of 64 hex
-- characters; an audit record's id as a uuid: about 130 B fewer in an
-- entry's WAL (docs/performance.md, "Binary ids and hashes"). The ledger
-- reads them back as the same text (pgx reads a uuid as its canonical
-- text; ledger/store.go, hashColumn, writes the hashes' hex), so the
-- chain's bytes, the API and every export stay as they were. A value that
-- is not what Fundus writes (a UUID in lowercase canonical text, 64
-- lowercase hex characters) is not converted: the migration stops, naming
-- it, instead of turning it into what Fundus would have written, so that
-- `fundus verify` finds after it what it found before. The tables are
-- rewritten and held while this runs.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION pg_temp.fundus_uuid(v text) RETURNS uuid LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF v IS NULL OR v ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN
        RETURN v::uuid;
    END IF;
    RAISE EXCEPTION 'migration 00028: % is not an id as Fundus writes it (a UUID in lowercase canonical text)', quote_literal(v);
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION pg_temp.fundus_hash(v text) RETURNS bytea LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF v ~ '^[0-9a-f]{64}$' THEN
        RETURN decode(v, 'hex');
    END IF;
    RAISE EXCEPTION 'migration 00028: % is not a hash as Fundus writes it (64 lowercase hex digits)', quote_literal(v);
END;
$$;
-- +goose StatementEnd
-- The columns that name an entry lose their foreign keys while their
-- type changes (a uuid cannot reference a text) and get them back after.
ALTER TABLE entries DROP CONSTRAINT entries_reverses_fkey;
ALTER TABLE donations DROP CONSTRAINT donations_ledger_entry_id_fkey, DROP CONSTRAINT donations_refund_entry_id_fkey;
ALTER TABLE applications DROP CONSTRAINT applications_decision_entry_id_fkey, DROP CONSTRAINT applications_close_entry_id_fkey;
ALTER TABLE disbursements DROP CONSTRAINT disbursements_ledger_entry_id_fkey;
ALTER TABLE bank_lines DROP CONSTRAINT bank_lines_entry_id_fkey;
ALTER TABLE entries
    ALTER COLUMN id TYPE UUID USING pg_temp.fundus_uuid(id),
    ALTER COLUMN reverses TYPE UUID USING pg_temp.fundus_uuid(reverses),
    ALTER COLUMN prev_hash TYPE BYTEA USING pg_temp.fundus_hash(prev_hash),
    ALTER COLUMN hash TYPE BYTEA USING pg_temp.fundus_hash(hash);
ALTER TABLE ledger_head ALTER COLUMN hash TYPE BYTEA USING pg_temp.fundus_hash(hash);
ALTER TABLE donations
    ALTER COLUMN ledger_entry_id TYPE UUID USING pg_temp.fundus_uuid(ledger_entry_id),
    ALTER COLUMN refund_entry_id TYPE UUID USING pg_temp.fundus_uuid(refund_entry_id);
ALTER TABLE applications
    ALTER COLUMN decision_entry_id TYPE UUID USING pg_temp.fundus_uuid(decision_entry_id),
    ALTER COLUMN close_entry_id TYPE UUID USING pg_temp.fundus_uuid(close_entry_id);
ALTER TABLE disbursements ALTER COLUMN ledger_entry_id TYPE UUID USING pg_temp.fundus_uuid(ledger_entry_id);
ALTER TABLE bank_lines ALTER COLUMN entry_id TYPE UUID USING pg_temp.fundus_uuid(entry_id);
ALTER TABLE entries ADD CONSTRAINT entries_reverses_fkey FOREIGN KEY (reverses) REFERENCES entries (id);
ALTER TABLE donations
    ADD CONSTRAINT donations_ledger_entry_id_fkey FOREIGN KEY (ledger_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT donations_refund_entry_id_fkey FOREIGN KEY (refund_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE applications
    ADD CONSTRAINT applications_decision_entry_id_fkey FOREIGN KEY (decision_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT applications_close_entry_id_fkey FOREIGN KEY (close_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE disbursements
    ADD CONSTRAINT disbursements_ledger_entry_id_fkey FOREIGN KEY (ledger_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE bank_lines
    ADD CONSTRAINT bank_lines_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE audit_log ALTER COLUMN id TYPE UUID USING pg_temp.fundus_uuid(id);
DROP FUNCTION pg_temp.fundus_uuid(text);
DROP FUNCTION pg_temp.fundus_hash(text);
-- No ANALYZE here: a column's new type comes without its statistics,
-- which autovacuum collects again, and on a new, empty database statistics
-- saying "no rows" made PostgreSQL plan the entries' lookups of the
-- postings' check (00029) and of the foreign keys as scans, kept for the
-- connection's life while autovacuum is off: the write path ran at a third
-- of its rate (docs/performance.md, "Binary ids and hashes, postings
-- checked per statement").

-- +goose Down
ALTER TABLE audit_log ALTER COLUMN id TYPE TEXT USING id::text;
ALTER TABLE ledger_head ALTER COLUMN hash TYPE TEXT USING encode(hash, 'hex');
ALTER TABLE entries DROP CONSTRAINT entries_reverses_fkey;
ALTER TABLE donations DROP CONSTRAINT donations_ledger_entry_id_fkey, DROP CONSTRAINT donations_refund_entry_id_fkey;
ALTER TABLE applications DROP CONSTRAINT applications_decision_entry_id_fkey, DROP CONSTRAINT applications_close_entry_id_fkey;
ALTER TABLE disbursements DROP CONSTRAINT disbursements_ledger_entry_id_fkey;
ALTER TABLE bank_lines DROP CONSTRAINT bank_lines_entry_id_fkey;
ALTER TABLE entries
    ALTER COLUMN id TYPE TEXT USING id::text,
    ALTER COLUMN reverses TYPE TEXT USING reverses::text,
    ALTER COLUMN prev_hash TYPE TEXT USING encode(prev_hash, 'hex'),
    ALTER COLUMN hash TYPE TEXT USING encode(hash, 'hex');
ALTER TABLE donations ALTER COLUMN ledger_entry_id TYPE TEXT USING ledger_entry_id::text, ALTER COLUMN refund_entry_id TYPE TEXT USING refund_entry_id::text;
ALTER TABLE applications ALTER COLUMN decision_entry_id TYPE TEXT USING decision_entry_id::text, ALTER COLUMN close_entry_id TYPE TEXT USING close_entry_id::text;
ALTER TABLE disbursements ALTER COLUMN ledger_entry_id TYPE TEXT USING ledger_entry_id::text;
ALTER TABLE bank_lines ALTER COLUMN entry_id TYPE TEXT USING entry_id::text;
ALTER TABLE entries ADD CONSTRAINT entries_reverses_fkey FOREIGN KEY (reverses) REFERENCES entries (id);
ALTER TABLE donations
    ADD CONSTRAINT donations_ledger_entry_id_fkey FOREIGN KEY (ledger_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT donations_refund_entry_id_fkey FOREIGN KEY (refund_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE applications
    ADD CONSTRAINT applications_decision_entry_id_fkey FOREIGN KEY (decision_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED,
    ADD CONSTRAINT applications_close_entry_id_fkey FOREIGN KEY (close_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE disbursements
    ADD CONSTRAINT disbursements_ledger_entry_id_fkey FOREIGN KEY (ledger_entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE bank_lines
    ADD CONSTRAINT bank_lines_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
