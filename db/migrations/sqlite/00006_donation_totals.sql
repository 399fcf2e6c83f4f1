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
CREATE TRIGGER donation_totals_insert AFTER INSERT ON donations WHEN NEW.status = 'received'
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + NEW.amount WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_received AFTER UPDATE OF status ON donations
WHEN NEW.status = 'received' AND OLD.status <> 'received'
BEGIN UPDATE donation_totals SET received_count = received_count + 1, received = received + NEW.amount WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER donation_totals_unreceived AFTER UPDATE OF status ON donations
WHEN OLD.status = 'received' AND NEW.status <> 'received'
BEGIN UPDATE donation_totals SET received_count = received_count - 1, received = received - OLD.amount WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER donation_totals_unreceived;
DROP TRIGGER donation_totals_received;
DROP TRIGGER donation_totals_insert;
DROP TABLE donation_totals;
