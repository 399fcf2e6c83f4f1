-- +goose Up
-- The donation totals follow each statement instead of each row: a batch
-- of confirms is one UPDATE of many donations (ledger.Shared), and a row
-- trigger updated the totals row once per donation, half of the time of
-- that statement (EXPLAIN ANALYZE: 3.6 of 7.1 ms for 32 donations).
-- Transition tables hold the rows a statement changed; PostgreSQL allows
-- them only on a trigger of one event, so there are two.
DROP TRIGGER donation_totals_follow ON donations;
DROP FUNCTION donation_totals_follow();
-- +goose StatementBegin
CREATE FUNCTION donation_totals_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT count(*) AS n, COALESCE(SUM(amount), 0) AS amount FROM new_rows WHERE status = 'received') d
    WHERE t.id = 1 AND d.n > 0;
    RETURN NULL;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION donation_totals_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE donation_totals t SET received_count = t.received_count + d.n, received = t.received + d.amount
    FROM (SELECT COALESCE(SUM((n.status = 'received')::int - (o.status = 'received')::int), 0) AS n,
                 COALESCE(SUM(CASE WHEN n.status = 'received' THEN n.amount ELSE 0 END
                            - CASE WHEN o.status = 'received' THEN o.amount ELSE 0 END), 0) AS amount
          FROM new_rows n JOIN old_rows o ON o.seq = n.seq) d
    WHERE t.id = 1 AND (d.n <> 0 OR d.amount <> 0);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER donation_totals_inserted AFTER INSERT ON donations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION donation_totals_inserted();
CREATE TRIGGER donation_totals_updated AFTER UPDATE ON donations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION donation_totals_updated();

-- +goose Down
DROP TRIGGER donation_totals_updated ON donations;
DROP TRIGGER donation_totals_inserted ON donations;
DROP FUNCTION donation_totals_updated();
DROP FUNCTION donation_totals_inserted();
-- +goose StatementBegin
CREATE FUNCTION donation_totals_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'received' AND (TG_OP = 'INSERT' OR OLD.status <> 'received') THEN
        UPDATE donation_totals SET received_count = received_count + 1, received = received + NEW.amount WHERE id = 1;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'received' AND NEW.status <> 'received' THEN
        UPDATE donation_totals SET received_count = received_count - 1, received = received - OLD.amount WHERE id = 1;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER donation_totals_follow AFTER INSERT OR UPDATE OF status ON donations
    FOR EACH ROW EXECUTE FUNCTION donation_totals_follow();
