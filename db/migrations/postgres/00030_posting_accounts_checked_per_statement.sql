-- +goose Up
-- A posting's account is checked once per statement instead of by a
-- foreign key, as its entry is since 00029: the foreign key's check locks
-- each account's row (FOR KEY SHARE) for the transaction, a WAL record of
-- its own per account and batch (about six per batch, some 40 B of every
-- entry's WAL; docs/performance.md, "Accounts checked per statement"),
-- although the same transaction then updates the row's balance anyway.
--
-- What the lock guarded stays guarded, from the other side: an account that
-- postings name can be neither deleted nor renamed nor truncated away. The
-- accounts' guard first takes the postings' table in SHARE mode, so it
-- waits for every transaction that is inserting postings to end and keeps
-- new ones out until it ends itself; its check then sees every committed
-- posting. The guard runs after the row's change: a row trigger before an
-- UPDATE locks the row first, a WAL record again, for every balance. (Fundus's write path runs at READ COMMITTED, where the postings'
-- check sees an account deleted before it; accounts are only ever deleted
-- by a migration's Down.)
-- +goose StatementBegin
CREATE FUNCTION postings_have_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a TEXT;
BEGIN
    -- One probe of accounts' primary key per account of the statement.
    FOR a IN SELECT DISTINCT account FROM new_postings LOOP
        IF NOT EXISTS (SELECT 1 FROM accounts WHERE code = a) THEN
            RAISE EXCEPTION 'insert into postings: account % does not exist', a
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;

CREATE FUNCTION accounts_keep_posted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.code = OLD.code THEN
        RETURN NULL;
    END IF;
    LOCK TABLE postings IN SHARE MODE;
    IF TG_OP = 'TRUNCATE' THEN
        IF EXISTS (SELECT 1 FROM postings) THEN
            RAISE EXCEPTION 'truncate accounts: postings name accounts'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    ELSIF EXISTS (SELECT 1 FROM postings WHERE account = OLD.code) THEN
        RAISE EXCEPTION '% of account %: postings name it', lower(TG_OP), OLD.code
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
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
DROP TRIGGER accounts_keep_posted_truncate ON accounts;
DROP TRIGGER accounts_keep_posted ON accounts;
DROP TRIGGER postings_have_accounts ON postings;
DROP FUNCTION accounts_keep_posted();
DROP FUNCTION postings_have_accounts();
ALTER TABLE postings ADD CONSTRAINT postings_account_fkey FOREIGN KEY (account) REFERENCES accounts (code);
