-- +goose Up
-- The public figures of the donations, kept up to date by every change of a
-- donation's state in the same transaction, so that the fund page reads one
-- row instead of counting every received donation on every view.
CREATE TABLE donation_totals (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    received_count BIGINT NOT NULL CHECK (received_count >= 0),
    received       BIGINT NOT NULL CHECK (received >= 0)  -- cents, net of refunds
);
INSERT INTO donation_totals (id, received_count, received)
SELECT 1, count(*), COALESCE(SUM(amount), 0) FROM donations WHERE status = 'received';

-- +goose Down
DROP TABLE donation_totals;
