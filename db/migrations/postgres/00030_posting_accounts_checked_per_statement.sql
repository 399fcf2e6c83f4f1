-- +goose Up
-- A posting's account is checked once per statement instead of by a
-- foreign key, as its entry is since 00029: the foreign key's check locks
-- each account's row (FOR KEY SHARE) for the transaction, a WAL record of
-- its own per account and batch (four to five per batch, some 35 B of every
-- entry's WAL; docs/performance.md, "A posting's account checked per
-- statement"), although the same transaction then updates the row's
-- balance anyway.
--
-- What the lock guarded stays guarded, from the other side: an account that
-- postings name can be neither deleted nor renamed nor truncated away. The
-- accounts' guard first takes the postings' table in SHARE mode, so it
-- waits for every transaction that is inserting postings to end and keeps
-- new ones out until it ends itself; its check then sees every committed
-- posting. The guard runs after the row's change: a row trigger before an
-- UPDATE locks the row first, a WAL record again, for every balance.
-- That holds at READ COMMITTED (Fundus's write path, and PostgreSQL's
-- default), where each statement sees what committed before it began; at a
-- higher isolation the postings' check locks the accounts as the foreign
-- key did, and the guard refuses to run. Accounts are only ever deleted by
-- a migration's Down.
-- +goose StatementBegin
CREATE FUNCTION postings_have_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a TEXT;
    read_committed BOOLEAN := current_setting('transaction_isolation') = 'read committed';
BEGIN
    -- One probe of accounts' primary key per account of the statement.
    FOR a IN SELECT DISTINCT account FROM new_postings LOOP
        IF read_committed THEN
            PERFORM 1 FROM accounts WHERE code = a;
        ELSE
            -- The transaction's snapshot may be older than an account's
            -- deletion: lock the row as the foreign key did (a
            -- serialization failure if it went meanwhile).
            PERFORM 1 FROM accounts WHERE code = a FOR KEY SHARE;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'insert into postings: account % does not exist', a
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION accounts_keep_posted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    what TEXT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        what := 'truncate accounts';
    ELSIF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
        RETURN NULL; -- a balance, name or type: no posting is affected
    ELSE
        what := lower(TG_OP) || ' of account ' || OLD.code;
    END IF;
    -- Only a statement snapshot taken after the lock below sees every
    -- posting committed while it waited.
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION '%: only at READ COMMITTED isolation', what
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    LOCK TABLE postings IN SHARE MODE;
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM postings) THEN
            RAISE EXCEPTION '%: postings name accounts', what
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM postings WHERE account = OLD.code) THEN
        RAISE EXCEPTION '%: postings name it', what
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

-- The checks find their tables in the schema they were made in, first:
-- a foreign key names its table by its identity, but a function by its
-- name, which a session's search_path resolves, temporary tables first.
-- 00029's check of a posting's entry gets the same.
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION postings_have_entries() SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION postings_have_accounts() SET search_path = %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION accounts_keep_posted() SET search_path = %I, pg_temp', current_schema());
END;
$$;
-- +goose StatementEnd
ALTER TABLE postings DROP CONSTRAINT postings_account_fkey;
CREATE TRIGGER postings_have_accounts AFTER INSERT ON postings
    REFERENCING NEW TABLE AS new_postings
    FOR EACH STATEMENT EXECUTE FUNCTION postings_have_accounts();
CREATE TRIGGER accounts_keep_posted AFTER DELETE OR UPDATE OF code ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_keep_posted();
CREATE TRIGGER accounts_keep_posted_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_keep_posted();

-- +goose Down
ALTER FUNCTION postings_have_entries() RESET search_path;
DROP TRIGGER accounts_keep_posted_truncate ON accounts;
DROP TRIGGER accounts_keep_posted ON accounts;
DROP TRIGGER postings_have_accounts ON postings;
DROP FUNCTION accounts_keep_posted();
DROP FUNCTION postings_have_accounts();
ALTER TABLE postings ADD CONSTRAINT postings_account_fkey FOREIGN KEY (account) REFERENCES accounts (code);
