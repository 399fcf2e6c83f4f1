-- +goose Up
-- The public figures of the donations, kept up to date by triggers in the
-- same transaction as every change of a donation's state, so that the fund
-- page reads one row instead of counting every received donation, and no
-- code path can forget them.
CREATE TABLE donation_totals (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    received_count BIGINT NOT NULL CHECK (received_count >= 0),
    received       BIGINT NOT NULL CHECK (received >= 0)  -- cents, net of refunds
);
INSERT INTO donation_totals (id, received_count, received)
SELECT 1, count(*), COALESCE(SUM(amount), 0) FROM donations WHERE status = 'received';
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

-- +goose Down
DROP TRIGGER donation_totals_follow ON donations;
DROP FUNCTION donation_totals_follow();
DROP TABLE donation_totals;
